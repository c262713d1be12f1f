/**
 * Dynamic-provider state outlives the code that wrote it: stack states written by earlier releases
 * (test/fixtures/state-*.json, kept forever) must refresh and destroy with this version.
 * Their stored providers require `pulumi-machina/internal/dynamic/v1` by name, which must keep working.
 */
import { readdirSync, readFileSync, rmSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as Operations from "../../dist/automation/operations";
import { busyboxEnvironment, enginePath, makeProject, ROOT } from "./support";

const FIXTURES = path.join(ROOT, "test/fixtures");
const fixtures = readdirSync(FIXTURES).filter((f) => /^state-.*\.json$/.test(f));
/** Fixtures are written with this passphrase (their secrets are test data only). */
const FIXTURE_PASSPHRASE = "machina-fixture-passphrase";

let project: string;
/** The recorder's program and config (scripts/record-state-fixture.js), for previews over the fixtures. */
let recorderProject: string;
let ops: typeof Operations;
const saved = { PATH: process.env.PATH, PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE };

beforeAll(async () => {
  process.env.PATH = enginePath();
  process.env.PULUMI_CONFIG_PASSPHRASE = FIXTURE_PASSPHRASE;
  // Same project and stack names as scripts/record-state-fixture.js, so the URNs match.
  project = makeProject(
    { fixture: "config:\n  machina:provider: libvirt\n  machina:machines: []\n" },
    "machina-fixture",
  );
  recorderProject = makeProject({ fixture: busyboxEnvironment({ waitForReadySeconds: 180 }) }, "machina-fixture");
  ops = await import("../../dist/automation/operations.js");
}, 900_000);

afterAll(() => {
  Object.assign(process.env, saved);
  rmSync(project, { recursive: true, force: true });
  rmSync(recorderProject, { recursive: true, force: true });
});

describe("stack states of earlier releases", () => {
  it("there is at least one fixture", () => {
    expect(fixtures.length).toBeGreaterThan(0);
  });

  it.each(fixtures)(
    "%s refreshes and destroys",
    async (file) => {
      const fixture = JSON.parse(readFileSync(path.join(FIXTURES, file), "utf8"));
      const recorded = (fixture.deployment.resources as { type: string }[]).map((r) => r.type);
      expect(recorded).toContain("pulumi-nodejs:dynamic/machina:LibvirtMachine");

      const selected = await ops.selectStack({ environment: "fixture", projectDir: project });
      await selected.stack.importStack(fixture);
      // The program is not run: only the providers stored in the state.
      const refresh = await selected.stack.refresh({ color: "never" });
      expect(refresh.summary.result).toBe("succeeded");
      const destroy = await selected.stack.destroy({ color: "never" });
      expect(destroy.summary.result).toBe("succeeded");
      const after = await selected.stack.exportStack();
      expect(after.deployment.resources ?? []).toEqual([]);
    },
    600_000,
  );

  it.each(fixtures)(
    "%s: the recorder's program previews over it with no create, replace or delete of a resource it holds",
    async (file) => {
      const fixture = JSON.parse(readFileSync(path.join(FIXTURES, file), "utf8"));
      const selected = await ops.selectStack({ environment: "fixture", projectDir: recorderProject });
      await selected.stack.importStack(fixture);
      const steps: { op: string; type: string; urn: string }[] = [];
      await selected.stack.preview({
        color: "never",
        onEvent: (event) => {
          const step = event.resourcePreEvent?.metadata;
          if (step) steps.push({ op: step.op, type: step.type, urn: step.urn });
        },
      });
      const changing = steps.filter((s) => !["same", "update", "refresh", "read"].includes(s.op));
      // Shared resources moved under a machina:index:Shared component (aliases): the component is new,
      // and it has no platform object; nothing the state holds is created, replaced or deleted.
      expect(changing.map((s) => `${s.op} ${s.type}`)).toEqual(["create machina:index:Shared"]);
      const baseImage = steps.find((s) => s.type === "pulumi-nodejs:dynamic/machina:LibvirtBaseImage")!;
      expect(baseImage.op).toBe("same");
      expect(baseImage.urn).toMatch(/::machina:index:Shared\$pulumi-nodejs:dynamic\/machina:LibvirtBaseImage::/);
      await selected.stack.destroy({ color: "never" });
    },
    600_000,
  );
});
