/**
 * The stack program (`pulumi up` on this project without the CLI) reports every problem of a stack
 * at once, before registering anything: a bad stack-level key, an environment name the provider's
 * labels cannot carry (rename the environment, not a label value), and each bad machine.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { installMachinaMocks } from "../../dist/testing";

const project = mkdtempSync(path.join(tmpdir(), "machina-stack-program-"));
afterAll(() => rmSync(project, { recursive: true, force: true }));

describe("stack program", () => {
  it("lists every problem of the stack, registers nothing", async () => {
    mkdirSync(path.join(project, "stacks"));
    writeFileSync(path.join(project, "Pulumi.yaml"), "name: shop\nruntime: nodejs\nstackConfigDir: stacks\n");
    writeFileSync(path.join(project, "stacks", "Pulumi.QA.eu.yaml"), "config: {}\n");
    process.env.MACHINA_PROJECT_DIR = project;
    // The stack's own config, as the engine hands it to the program (lists and maps as JSON text).
    const config = {
      "machina:provider": "libvirt",
      "machina:labels": '["not", "a", "map"]',
      "machina:machines": JSON.stringify([
        { name: "web", size: "huge" },
        { name: "db", diskGiB: -1 },
      ]),
    };
    const recorded = installMachinaMocks({ project: "shop", stack: "QA.eu", config });
    const load = import("../../dist/stacks/index.js");
    await expect(load).rejects.toThrow(/stack QA\.eu \(stacks\/Pulumi\.QA\.eu\.yaml\): 4 invalid fields/);
    const message = String(await load.catch((e: Error) => e.message));
    expect(message).toMatch(/machina:labels = \["not","a","map"\]: allowed a map/);
    expect(message).toMatch(
      /environment = "QA\.eu": .*Fix: rename the environment: stacks\/Pulumi\.QA\.eu\.yaml to stacks\/Pulumi\.qa-eu\.yaml/,
    );
    expect(message).toMatch(/web\.size = "huge"/);
    expect(message).toMatch(/db\.diskGiB = -1/);
    expect(message).not.toMatch(/label value/);
    expect(recorded).toEqual([]);
  });
});
