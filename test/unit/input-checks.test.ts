import { beforeAll, describe, expect, it } from "vitest";
import type { RecordedResource } from "../../dist/testing";
import { installMachinaMocks, KEY_A, ofType, settle } from "../../dist/testing";

let recorded: RecordedResource[];
let lib: typeof import("../../dist/index.js");
let pulumi: typeof import("@pulumi/pulumi");

// The failed Output rejects every Output derived from it; the engine reports it once, the mocks do not.
const rejections: unknown[] = [];
process.on("unhandledRejection", (reason) => {
  if (reason instanceof Error && reason.name === "ValidationError") rejections.push(reason);
  else throw reason;
});

beforeAll(async () => {
  recorded = installMachinaMocks({ project: "shop", stack: "production", config: { "machina:provider": "hetzner" } });
  lib = await import("../../dist/index.js");
  pulumi = await import("@pulumi/pulumi");
});

const outcome = (o: import("@pulumi/pulumi").Output<unknown>) =>
  new Promise<unknown>((resolve) => {
    o.apply((v) => resolve({ value: v }));
    // An Output whose value throws never calls apply: read the rejection from its promise.
    (o as unknown as { promise(): Promise<unknown> }).promise().catch((e: unknown) => resolve({ error: e }));
  });

describe("user data given as an Output", () => {
  it("is checked when it resolves, with the field named and the content never printed", async () => {
    const marker = "SECRET-MARKER-81f2";
    const big = pulumi.secret(`#cloud-config\nwrite_files: [{path: /x, content: ${marker}${"x".repeat(40_000)}}]\n`);
    const m = new lib.Machine("late", { size: "small", userData: big, sshKeys: [KEY_A] });
    const result = (await outcome(m.id)) as { error?: Error };
    expect(result.error, "the deployment must fail").toBeInstanceOf(lib.ValidationError);
    expect(result.error!.message).toMatch(/late\.userData = <\d+ bytes.*>: allowed at most 32768 bytes on hetzner/);
    expect(result.error!.message).not.toContain(marker);
    await settle();
    expect(
      ofType(recorded, "hcloud:index/server:Server").find((r) => r.name === "late"),
      "no server was registered",
    ).toBeUndefined();
  });

  it("passes through, still secret, when it is fine", async () => {
    const m = new lib.Machine("fine", { size: "small", userData: pulumi.secret("#cloud-config\nruncmd: [true]\n") });
    expect(((await outcome(m.id)) as { value?: string }).value).toEqual(expect.any(String));
    await settle();
    const server = ofType(recorded, "hcloud:index/server:Server").find((r) => r.name === "fine")!;
    expect(JSON.stringify(server.inputs.userData)).toContain("runcmd");
  });
});

describe("platform names within one program", () => {
  it("refuses a second Machine of the same name under another component, naming both", () => {
    class Team extends pulumi.ComponentResource {
      constructor(type: string, name: string) {
        super(type, name);
      }
    }
    new lib.Machine("api", { size: "small", region: "fsn1" }, { parent: new Team("acme:index:Blue", "blue") });
    expect(() => new lib.Machine("api", { size: "small" }, { parent: new Team("acme:index:Green", "green") })).toThrow(
      /Machines "api" and "api" on hetzner: 1 invalid field\n {2}- api = "shop-production-api": allowed a platform name of its own/,
    );
  });
});
