/**
 * The CLI side of adopt: the per-stack map editor shared by machina:power and machina:adopted (only its
 * key touched, comments kept), machina:adopted merged over the environment's machines and checked,
 * Pulumi's import refusal translated into the Machine fields that differ, and the refusals that come
 * before anything is written.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { editConfigMap } from "../../dist/automation/config-map";
import { recordPowerWish } from "../../dist/automation/power-config";
import { checkEnvironment } from "../../dist/automation/inspect";
import {
  applyConflictPaths,
  IMPORT_MISMATCH,
  ImportDiffs,
  machineFieldsOf,
} from "../../dist/automation/import-mismatch";
import { checkEnvironmentConfig, expandMachines, readYamlFile } from "../../dist/stacks/environment";

const ROOT = path.resolve(__dirname, "../..");
const CLI = path.join(ROOT, "dist/automation/cli.js");
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "machina-adopt-"));
  dirs.push(dir);
  return dir;
}

const STACK_FILE = `# Lab machines.
config:
  machina:provider: libvirt # local
  machina:machines:
    - name: web
      size: nano # as the domain is
    - name: db
  machina:power:
    db: stopped
encryptionsalt: v1:salt
`;

describe("the per-stack map editor", () => {
  it("adds machina:adopted beside machina:power and changes nothing else, comments included", () => {
    const file = path.join(tempDir(), "Pulumi.lab.yaml");
    writeFileSync(file, STACK_FILE);
    editConfigMap(file, "machina:adopted", "web", "legacy-web");
    expect(readFileSync(file, "utf8")).toBe(
      STACK_FILE.replace("encryptionsalt", "  machina:adopted:\n    web: legacy-web\nencryptionsalt"),
    );
    editConfigMap(file, "machina:adopted", "db", { id: "legacy-db", retainOnDelete: false });
    recordPowerWish(file, "web", "stopped");
    const config = (readYamlFile(file) as { config: Record<string, unknown> }).config;
    expect(config["machina:adopted"]).toEqual({ web: "legacy-web", db: { id: "legacy-db", retainOnDelete: false } });
    expect(config["machina:power"]).toEqual({ db: "stopped", web: "stopped" });
    expect(readFileSync(file, "utf8")).toContain("      size: nano # as the domain is\n");
  });

  it("creates a missing file, and turns JSON text set with pulumi config into a map", () => {
    const dir = tempDir();
    const fresh = path.join(dir, "Pulumi.qa.yaml");
    editConfigMap(fresh, "machina:adopted", "web", "vm-1");
    expect(readYamlFile(fresh)).toEqual({ config: { "machina:adopted": { web: "vm-1" } } });
    const json = path.join(dir, "Pulumi.ci.yaml");
    writeFileSync(json, `config:\n  machina:adopted: '{"db":"vm-2"}'\n`);
    editConfigMap(json, "machina:adopted", "web", "vm-1");
    expect(readYamlFile(json)).toEqual({ config: { "machina:adopted": { db: "vm-2", web: "vm-1" } } });
  });
});

describe("machina:adopted in an environment", () => {
  const config = {
    "machina:provider": "libvirt",
    "machina:machines": [{ name: "web", count: 2 }, { name: "db" }],
  };

  it("is merged into the machines by expanded name, as adopt", () => {
    const { env, problems } = checkEnvironmentConfig({
      ...config,
      "machina:adopted": { "web-2": "legacy", db: { id: "old-db", retainOnDelete: false } },
    });
    expect(problems).toEqual([]);
    expect(expandMachines(env).map((m) => [m.name, m.args.adopt])).toEqual([
      ["web", undefined],
      ["web-2", "legacy"],
      ["db", { id: "old-db", retainOnDelete: false }],
    ]);
  });

  it("an unknown machine, an empty id and a bad retainOnDelete are problems naming the entry", () => {
    const { problems } = checkEnvironmentConfig({
      ...config,
      "machina:adopted": '{"api":"x","web":"","db":{"id":"y","retainOnDelete":"no"}}',
    });
    expect(problems.map((p) => p.field)).toEqual([
      "machina:adopted.api",
      "machina:adopted.web",
      "machina:adopted.db.retainOnDelete",
    ]);
    expect(problems[0].fix).toMatch(/^add api to machina:machines with the spec of the machine it adopts/);
  });

  it("is per stack: the environment file's adoptions are not those of the environment on another provider", () => {
    const dir = tempDir();
    cpSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    cpSync(path.join(ROOT, "stacks"), path.join(dir, "stacks"), { recursive: true });
    editConfigMap(path.join(dir, "stacks", "Pulumi.development.yaml"), "machina:adopted", "nope", "x");
    expect(checkEnvironment(dir, "development").problems.join("\n")).toMatch(/machina:adopted\.nope/);
    expect(checkEnvironment(dir, "development", "kubevirt").problems.join("\n")).not.toMatch(/adopted/);
  });
});

describe("Pulumi's import refusal, in Machine fields", () => {
  it("platform property paths map to the Machine fields they come from", () => {
    expect(
      machineFieldsOf([
        "spec.template.spec.domain.cpu.cores",
        "spec.template.spec.domain.memory.guest",
        "spec.runStrategy",
        "metadata.labels.team",
        "spec.template.spec.volumes[0].containerDisk.image",
        "instanceType",
        "spec.somethingElse",
      ]),
    ).toEqual(["size", "powerState", "labels", "image", "providerOptions"]);
  });

  it("a failed import names the Machine, its fields and the properties; any other failure is left as it is", () => {
    const diffs = new ImportDiffs();
    const urn = "urn:pulumi:s::p::machina:index:Machine$kubernetes:kubevirt.io/v1:VirtualMachine::web";
    diffs.observe({
      resourcePreEvent: { metadata: { op: "import", urn, type: "kubernetes:kubevirt.io/v1:VirtualMachine" } },
    } as never);
    expect(diffs.explain(`error: ${IMPORT_MISMATCH}`), "nothing known yet").toBeUndefined();
    diffs.observe({
      resOpFailedEvent: {
        metadata: {
          op: "import",
          urn,
          type: "kubernetes:kubevirt.io/v1:VirtualMachine",
          diffs: ["spec"],
          detailedDiff: { "spec.template.spec.domain.cpu.cores": { kind: "update" } },
        },
      },
    } as never);
    expect(diffs.explain(`error: ${IMPORT_MISMATCH}`)).toMatch(
      /^Machine "web": the existing machine differs from the Machine's spec in size \(kubernetes:kubevirt\.io\/v1:VirtualMachine spec\.template\.spec\.domain\.cpu\.cores\)\. Adopting never changes or replaces a machine/,
    );
    expect(diffs.explain("error: something else")).toBeUndefined();
  });

  it("an imported object the Kubernetes provider then fails to apply names the fields of the apply conflict", () => {
    const conflict =
      'Server-Side Apply field conflict detected.\nThe resource managed by field manager "pulumi-kubernetes-7ca2" had an apply conflict: ' +
      'Apply failed with 1 conflict: conflict with "kubectl" using kubevirt.io/v1: .spec.template.spec.domain.cpu.cores';
    expect(applyConflictPaths(conflict)).toEqual(["spec.template.spec.domain.cpu.cores"]);
    expect(
      applyConflictPaths(
        'Apply failed with 2 conflicts: conflicts with "kubectl" using kubevirt.io/v1:\n- .spec.runStrategy\n- .metadata.labels.team',
      ),
    ).toEqual(["spec.runStrategy", "metadata.labels.team"]);
    expect(applyConflictPaths("some other failure at .spec.x")).toEqual([]);
    const diffs = new ImportDiffs();
    const urn = "urn:pulumi:s::p::machina:index:Machine$kubernetes:kubevirt.io/v1:VirtualMachine::vm";
    const other = "urn:pulumi:s::p::machina:index:Machine$kubernetes:kubevirt.io/v1:VirtualMachine::made";
    diffs.observe({
      resOutputsEvent: { metadata: { op: "import", urn, type: "kubernetes:kubevirt.io/v1:VirtualMachine" } },
    } as never);
    diffs.observe({ diagnosticEvent: { urn: other, severity: "error", message: conflict } } as never);
    expect(diffs.explain("update failed"), "a resource that was not imported is not an adoption").toBeUndefined();
    diffs.observe({ diagnosticEvent: { urn, severity: "error", message: conflict } } as never);
    expect(diffs.explain("update failed")).toMatch(
      /^Machine "vm": the existing machine differs from the Machine's spec in size \(kubernetes:kubevirt\.io\/v1:VirtualMachine spec\.template\.spec\.domain\.cpu\.cores\)/,
    );
  });
});

describe("machina adopt refuses before anything is written", () => {
  it("a machine the environment does not have: exit 2, naming how to add it, and the stack file as it was", () => {
    const dir = tempDir();
    cpSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    cpSync(path.join(ROOT, "stacks"), path.join(dir, "stacks"), { recursive: true });
    const file = path.join(dir, "stacks", "Pulumi.development.yaml");
    const before = readFileSync(file, "utf8");
    const r = spawnSync(
      process.execPath,
      [CLI, "--project-dir", dir, "adopt", "legacy", "--as", "nope", "-e", "development"],
      {
        encoding: "utf8",
        timeout: 30_000,
      },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('environment development has no machine "nope" on libvirt: add it to machina:machines');
    expect(readFileSync(file, "utf8")).toBe(before);
  });
});
