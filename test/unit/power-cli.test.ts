/**
 * The CLI side of power: the wish written into the stack's file (comments, other keys and
 * machina:machines untouched), merged over the environment's machines, the URNs of a targeted up, and
 * the refusals that come before anything is written.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { recordPowerWish } from "../../dist/automation/power-config";
import { checkEnvironment } from "../../dist/automation/inspect";
import { machineTargets } from "../../dist/automation/operations";
import { checkEnvironmentConfig, expandMachines, readYamlFile } from "../../dist/stacks/environment";

const ROOT = path.resolve(__dirname, "../..");
const CLI = path.join(ROOT, "dist/automation/cli.js");
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "machina-power-"));
  dirs.push(dir);
  return dir;
}

const STACK_FILE = `# Development on this machine's libvirt.
config:
  machina:provider: libvirt # the default provider
  machina:machines:
    - name: web
      size: small # keep it small
      count: 2
    - name: db
  hcloud:token:
    secure: v1:AAAA
encryptionsalt: v1:salt
`;

describe("machina:power in the stack's file", () => {
  it("adds the wish as a map under config and changes nothing else, comments included", () => {
    const file = path.join(tempDir(), "Pulumi.development.yaml");
    writeFileSync(file, STACK_FILE);
    recordPowerWish(file, "web-2", "stopped");
    const text = readFileSync(file, "utf8");
    expect(text).toBe(
      `${STACK_FILE.replace("encryptionsalt: v1:salt\n", "")}  machina:power:\n    web-2: stopped\nencryptionsalt: v1:salt\n`,
    );
    recordPowerWish(file, "web-2", "running");
    recordPowerWish(file, "db", "stopped");
    const config = (readYamlFile(file) as { config: Record<string, unknown> }).config;
    expect(config["machina:power"]).toEqual({ "web-2": "running", db: "stopped" });
    expect(readFileSync(file, "utf8")).toContain("size: small # keep it small");
  });

  it("creates the file when the stack has none, and turns JSON text set by pulumi config into a map", () => {
    const dir = tempDir();
    const fresh = path.join(dir, "Pulumi.qa.yaml");
    recordPowerWish(fresh, "web", "stopped");
    expect(readYamlFile(fresh)).toEqual({ config: { "machina:power": { web: "stopped" } } });
    const json = path.join(dir, "Pulumi.ci.yaml");
    writeFileSync(json, `config:\n  machina:power: '{"db":"stopped"}'\n`);
    recordPowerWish(json, "web", "stopped");
    expect(readYamlFile(json)).toEqual({ config: { "machina:power": { db: "stopped", web: "stopped" } } });
  });

  it("is merged over the environment's machines by expanded name; a wish for an unknown machine or a bad state is a problem", () => {
    const config = {
      "machina:provider": "libvirt",
      "machina:machines": [{ name: "web", count: 2, powerState: "stopped" }, { name: "db" }],
      "machina:power": { "web-2": "running", db: "stopped" },
    };
    const { env, problems } = checkEnvironmentConfig(config);
    expect(problems).toEqual([]);
    expect(expandMachines(env).map((m) => [m.name, m.args.powerState])).toEqual([
      ["web", "stopped"],
      ["web-2", "running"],
      ["db", "stopped"],
    ]);
    const bad = checkEnvironmentConfig({ ...config, "machina:power": '{"api":"stopped","db":"off"}' });
    expect(bad.problems).toEqual([
      {
        field: "machina:power.api",
        value: '"stopped"',
        allowed: "a machine of this environment: web, web-2, db",
        fix: "remove api from machina:power (machina start api and machina stop api write it)",
      },
      {
        field: "machina:power.db",
        value: '"off"',
        allowed: "running or stopped",
        fix: "write db: stopped, or remove it",
      },
    ]);
  });
});

describe("a per-stack machine map that is not a map", () => {
  it.each([
    ["machina:power", "a map of machine names to running or stopped", "write machina:power: { web: stopped }"],
    ["machina:adopted", "a map of machine names to platform ids", "write machina:adopted: { web: <platform id> }"],
  ])("%s: says what it must be", (key, allowed, fix) => {
    const { problems } = checkEnvironmentConfig({ "machina:machines": [{ name: "web" }], [key]: "[1, 2]" });
    expect(problems).toEqual([{ field: key, value: "[1,2]", allowed, fix }]);
  });
});

describe("a targeted up of one machine", () => {
  it("names the machine, everything under it, its readiness check and the stack, nothing of other machines", () => {
    const prefix = "urn:pulumi:development::machina";
    const resources = [
      { urn: `${prefix}::pulumi:pulumi:Stack::machina-development`, type: "pulumi:pulumi:Stack" },
      {
        urn: `${prefix}::machina:index:Machine::web`,
        type: "machina:index:Machine",
        parent: `${prefix}::pulumi:pulumi:Stack::machina-development`,
      },
      {
        urn: `${prefix}::machina:index:Machine$pulumi-nodejs:dynamic/machina:LibvirtMachine::web`,
        type: "x",
        parent: `${prefix}::machina:index:Machine::web`,
        provider: `${prefix}::pulumi:providers:pulumi-nodejs::default::a1b2-c3`,
      },
      { urn: `${prefix}::machina:index:Machine::web-2`, type: "machina:index:Machine" },
      {
        urn: `${prefix}::machina:index:Machine$pulumi-nodejs:dynamic/machina:LibvirtMachine::web-2`,
        type: "x",
        parent: `${prefix}::machina:index:Machine::web-2`,
      },
      { urn: `${prefix}::pulumi-nodejs:dynamic/machina:LibvirtBaseImage::libvirt-image-1`, type: "y" },
    ];
    expect(machineTargets({ deployment: { resources } }, ["web"]).sort()).toEqual(
      [
        `${prefix}::pulumi:pulumi:Stack::machina-development`,
        `${prefix}::machina:index:Machine::web`,
        `${prefix}::machina:index:Machine$pulumi-nodejs:dynamic/machina:LibvirtMachine::web`,
        `${prefix}::machina:index:Machine$pulumi-nodejs:dynamic/machina:ReadinessCheck*::web-ready`,
        `${prefix}::pulumi:providers:pulumi-nodejs::default`,
      ].sort(),
    );
    // A machine not in the state yet (being adopted): its new children by glob, which the engine matches as they register.
    expect(machineTargets({ deployment: { resources } }, ["db"]).sort()).toEqual(
      [
        `${prefix}::pulumi:pulumi:Stack::machina-development`,
        `${prefix}::machina:index:Machine::db`,
        `${prefix}::machina:index:Machine$pulumi-nodejs:dynamic/machina:ReadinessCheck*::db-ready`,
        `${prefix}::machina:index:Machine$**::db`,
        `${prefix}::machina:index:Machine$**::db-*`,
      ].sort(),
    );
    // A stack never run has no root and nothing to target (no "undefined::..." URN).
    expect(machineTargets({ deployment: { resources: [] } }, ["web"])).toEqual([]);
  });
});

describe("machina stop|start|restart refuse before anything is written", () => {
  const project = () => {
    const dir = tempDir();
    cpSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    cpSync(path.join(ROOT, "stacks"), path.join(dir, "stacks"), { recursive: true });
    return dir;
  };
  const machina = (args: string[]) => {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 30_000 });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  it("an unknown machine: exit 2 naming the machines there are", () => {
    const dir = project();
    const before = readFileSync(path.join(dir, "stacks", "Pulumi.development.yaml"), "utf8");
    const r = machina(["--project-dir", dir, "stop", "nope", "-e", "development"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('environment development has no machine "nope" on libvirt: its machines are dev');
    expect(readFileSync(path.join(dir, "stacks", "Pulumi.development.yaml"), "utf8")).toBe(before);
  });

  it("a provider without the power capability: exit 2, and its stack file is not created", () => {
    const dir = project();
    const r = machina(["--project-dir", dir, "stop", "web", "-e", "staging", "-p", "hetzner"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("hetzner cannot stop and start machines in place (it has no power capability)");
    expect(spawnSync("ls", [path.join(dir, "stacks")], { encoding: "utf8" }).stdout).not.toContain("staging-hetzner");
  });
});

describe("power wishes are per stack", () => {
  it("the environment file's machina:power is its own stack's, not that of the environment on another provider", () => {
    const dir = tempDir();
    cpSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    cpSync(path.join(ROOT, "stacks"), path.join(dir, "stacks"), { recursive: true });
    const file = path.join(dir, "stacks", "Pulumi.staging.yaml");
    recordPowerWish(file, "web", "stopped");
    // The staging stack (digitalocean, no power capability) reads its wish, and refuses it; staging-hetzner never sees it.
    expect(checkEnvironment(dir, "staging").problems.join("\n")).toMatch(/web\.powerState/);
    expect(checkEnvironment(dir, "staging", "hetzner").problems).toEqual([]);
  });
});
