import { describe, expect, it } from "vitest";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { EngineFacts } from "../../dist/automation/engine-facts";

/** A stack whose own outputs() and info() count the engine commands they would run. */
function fakeStack() {
  const asked = { outputs: 0, info: 0 };
  const stack = {
    outputs: async () => {
      asked.outputs++;
      return { fromEngine: { value: true, secret: false } };
    },
    info: async () => {
      asked.info++;
      return { kind: "update", result: "succeeded", resourceChanges: { same: 99 } };
    },
  };
  return { stack: stack as unknown as Stack, asked, own: { ...stack } };
}

const rootOutputs = (outputs: Record<string, unknown>) =>
  ({
    resOutputsEvent: {
      metadata: {
        op: "same",
        urn: "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev",
        type: "pulumi:pulumi:Stack",
        new: { outputs },
      },
    },
  }) as unknown as EngineEvent;
const childOutputs = {
  resOutputsEvent: {
    metadata: {
      op: "same",
      urn: "urn:pulumi:dev::p::machina:index:Machine::web",
      type: "machina:index:Machine",
      new: { outputs: { id: "x" } },
    },
  },
} as unknown as EngineEvent;
const summary = (resourceChanges: Record<string, number>) =>
  ({
    summaryEvent: { maybeCorrupt: false, durationSeconds: 1, resourceChanges, policyPacks: {} },
  }) as unknown as EngineEvent;

describe("EngineFacts", () => {
  it("answers outputs and the change count from the run's events, secrets masked, without asking the engine", async () => {
    const { stack, asked } = fakeStack();
    const facts = new EngineFacts();
    const answers = await facts.answering(stack, "update", async () => {
      const secret = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", plaintext: '"tok"' };
      const outputs = { ip: "10.0.0.2", token: secret, nested: { keys: ["a", secret] } };
      for (const e of [childOutputs, rootOutputs(outputs), summary({ same: 4 })]) facts.observe(e);
      return [await stack.outputs(), await stack.info()];
    });
    expect(answers).toEqual([
      {
        ip: { value: "10.0.0.2", secret: false },
        token: { value: "[secret]", secret: true },
        nested: { value: { keys: ["a", "[secret]"] }, secret: false },
      },
      { kind: "update", result: "succeeded", resourceChanges: { same: 4 } },
    ]);
    expect(asked).toEqual({ outputs: 0, info: 0 });
  });

  it("asks the engine for what the events did not say, and gives the stack its own methods back", async () => {
    const { stack, asked, own } = fakeStack();
    const facts = new EngineFacts();
    const answers = await facts.answering(stack, "refresh", async () => {
      facts.observe(childOutputs);
      return [await stack.outputs(), await stack.info()];
    });
    expect(answers).toEqual([
      { fromEngine: { value: true, secret: false } },
      { kind: "update", result: "succeeded", resourceChanges: { same: 99 } },
    ]);
    expect(asked).toEqual({ outputs: 1, info: 1 });
    expect(stack.outputs).toBe(own.outputs);
    expect(stack.info).toBe(own.info);
  });

  it("restores the stack's methods when the operation fails", async () => {
    const { stack, own } = fakeStack();
    await expect(
      new EngineFacts().answering(stack, "destroy", async () => {
        throw new Error("engine failed");
      }),
    ).rejects.toThrow("engine failed");
    expect(stack.outputs).toBe(own.outputs);
    expect(stack.info).toBe(own.info);
  });
});
