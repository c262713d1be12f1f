/**
 * vSphere stack states written by earlier releases (test/fixtures/vsphere/state-<version>.json, with the
 * stack file that wrote them, stack-<version>.yaml; recorded by scripts/record-state-fixture.js vsphere
 * and kept forever) must keep working: this version's program previews them with no changes, refresh
 * finds nothing changed, and destroy leaves nothing (VMs, tags, categories) behind.
 * The vcsim that recorded a fixture is gone, so the test starts one, makes the recorded VM again there
 * with the recorded inputs, and points the state at it (server, managed object id, instance UUID).
 */
import { readdirSync, readFileSync, rmSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as Operations from "../../dist/automation/operations";
import type { VsphereMachineInputs, VsphereMachineOutputs } from "../../dist/providers/vsphere/machine-operations";
import { enginePath, makeProject, ROOT } from "../engine/support";
import type { Vcsim } from "./vcsim";
import { inventoryVms, makeTemplates, startVcsim, tagInventory } from "./vcsim";

const machineOps =
  require("../../dist/providers/vsphere/machine-operations") as typeof import("../../dist/providers/vsphere/machine-operations");

const FIXTURES = path.join(ROOT, "test/fixtures/vsphere");
const versions = readdirSync(FIXTURES)
  .map((f) => /^state-(.+)\.json$/.exec(f)?.[1])
  .filter((v): v is string => v !== undefined);
/** Fixtures are written with this passphrase (their secrets are test data only). */
const FIXTURE_PASSPHRASE = "machina-fixture-passphrase";
const MACHINE = "pulumi-nodejs:dynamic/machina:VsphereMachine";

let vcsim: Vcsim;
let ops: typeof Operations;
const projects: string[] = [];
const saved = {
  PATH: process.env.PATH,
  PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE,
  VSPHERE_PASSWORD: process.env.VSPHERE_PASSWORD,
};

/** The value with every string equal to a key of `replace` swapped for its value (exact matches only). */
function swapped(value: unknown, replace: Map<string, string>): unknown {
  if (typeof value === "string") return replace.get(value) ?? value;
  if (Array.isArray(value)) return value.map((v) => swapped(v, replace));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, swapped(v, replace)]));
  return value;
}

beforeAll(async () => {
  vcsim = await startVcsim();
  await makeTemplates(vcsim.vim, ["debian-12"]);
  process.env.PATH = enginePath();
  process.env.PULUMI_CONFIG_PASSPHRASE = FIXTURE_PASSPHRASE;
  // As when the fixture was recorded: the password reaches the provider from the environment.
  process.env.VSPHERE_PASSWORD = vcsim.password;
  ops = await import("../../dist/automation/operations.js");
}, 900_000);

afterAll(async () => {
  for (const [key, value] of Object.entries(saved))
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  for (const project of projects) rmSync(project, { recursive: true, force: true });
  await vcsim?.stop();
}, 300_000);

describe("vsphere stack states of earlier releases", () => {
  it("there is at least one fixture", () => {
    expect(versions.length).toBeGreaterThan(0);
  });

  it.each(versions)(
    "the state of %s previews with no changes, refreshes unchanged and destroys clean",
    async (version) => {
      const fixture = JSON.parse(readFileSync(path.join(FIXTURES, `state-${version}.json`), "utf8"));
      const stackFile = readFileSync(path.join(FIXTURES, `stack-${version}.yaml`), "utf8");
      const machine = (
        fixture.deployment.resources as { type: string; inputs: Record<string, unknown>; outputs: unknown }[]
      ).find((r) => r.type === MACHINE)!;
      expect(machine, "the fixture holds a vSphere machine").toBeDefined();
      const recorded = machine.outputs as VsphereMachineOutputs;
      const vmsBefore = await inventoryVms(vcsim.vim);
      const tagsBefore = await tagInventory(vcsim);

      // The recorded VM, made again on this server from the recorded inputs (all plain: no secret among them).
      const { __provider: _provider, ...inputs } = machine.inputs;
      const connection = { server: vcsim.server, user: vcsim.user, password: vcsim.password, allowUnverifiedSsl: true };
      const made = await machineOps.createMachine({ connection }, {
        ...inputs,
        server: vcsim.server,
      } as unknown as VsphereMachineInputs);
      const state = swapped(
        fixture,
        new Map([
          [recorded.server, vcsim.server],
          [recorded.moid, made.id],
          [recorded.instanceUuid, made.outs.instanceUuid],
        ]),
      );

      // Same project and stack names as the recorder, so the URNs match.
      const project = makeProject({ fixture: stackFile.split(recorded.server).join(vcsim.server) }, "machina-fixture");
      projects.push(project);
      const target = { environment: "fixture", projectDir: project };
      const selected = await ops.selectStack(target);
      await selected.stack.importStack(state as never);

      const preview = await ops.run("preview", target);
      expect(preview.ok, preview.error).toBe(true);
      expect(preview.changes).toEqual({ same: expect.any(Number) });
      const refresh = await ops.run("refresh", target);
      expect(refresh.ok, refresh.error).toBe(true);
      expect(refresh.changed, JSON.stringify(refresh.changes)).toBe(false);
      const destroy = await ops.run("destroy", target);
      expect(destroy.ok, destroy.error).toBe(true);
      expect(await inventoryVms(vcsim.vim)).toEqual(vmsBefore);
      expect(await tagInventory(vcsim)).toEqual(tagsBefore);
    },
    600_000,
  );
});
