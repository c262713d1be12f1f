/**
 * The CLI side of snapshots: the map written into the stack's file (comments, other keys and
 * machina:machines untouched) and removed from it, its checks, the URNs of a targeted up, the list read
 * from a checkpoint, and the refusals that come before anything is written.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkEnvironment } from "../../dist/automation/inspect";
import { snapshotTargets } from "../../dist/automation/operations";
import { forgetSnapshot, recordedSnapshots, recordSnapshot } from "../../dist/automation/snapshot-config";
import { defaultSnapshotName, listSnapshots, snapshotListText } from "../../dist/automation/snapshots";
import { checkEnvironmentConfig, readYamlFile } from "../../dist/stacks/environment";

const ROOT = path.resolve(__dirname, "../..");
const CLI = path.join(ROOT, "dist/automation/cli.js");
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "machina-snapcli-"));
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
  machina:power:
    web: stopped
encryptionsalt: v1:salt
`;

describe("machina:snapshots in the stack's file", () => {
  it("adds a snapshot to the map and removes it again, changing nothing else, comments included", () => {
    const file = path.join(tempDir(), "Pulumi.development.yaml");
    writeFileSync(file, STACK_FILE);
    recordSnapshot(file, "web-before-upgrade", "web");
    expect(readFileSync(file, "utf8")).toBe(
      STACK_FILE.replace("encryptionsalt:", "  machina:snapshots:\n    web-before-upgrade: web\nencryptionsalt:"),
    );
    recordSnapshot(file, "web-2-nightly", "web-2");
    expect(recordedSnapshots(file)).toEqual({ "web-before-upgrade": "web", "web-2-nightly": "web-2" });
    forgetSnapshot(file, "web-before-upgrade");
    expect(recordedSnapshots(file)).toEqual({ "web-2-nightly": "web-2" });
    forgetSnapshot(file, "web-2-nightly");
    // The emptied map goes with its key: the file is as it was.
    expect(readFileSync(file, "utf8")).toBe(STACK_FILE);
  });

  it("creates the file when the stack has none, and turns JSON text set by pulumi config into a map", () => {
    const dir = tempDir();
    const fresh = path.join(dir, "Pulumi.qa.yaml");
    recordSnapshot(fresh, "s1", "web");
    expect(readYamlFile(fresh)).toEqual({ config: { "machina:snapshots": { s1: "web" } } });
    const json = path.join(dir, "Pulumi.ci.yaml");
    writeFileSync(json, `config:\n  machina:snapshots: '{"s0":"db"}'\n`);
    expect(recordedSnapshots(json)).toEqual({ s0: "db" });
    recordSnapshot(json, "s1", "web");
    expect(readYamlFile(json)).toEqual({ config: { "machina:snapshots": { s0: "db", s1: "web" } } });
  });

  it("checks each snapshot's name and machine against the environment", () => {
    const config = {
      "machina:provider": "libvirt",
      "machina:machines": [{ name: "web", count: 2 }],
      "machina:snapshots": { "web-2-before": "web-2" },
    };
    expect(checkEnvironmentConfig(config).env.snapshots).toEqual({ "web-2-before": "web-2" });
    const bad = checkEnvironmentConfig({ ...config, "machina:snapshots": '{"s1":"api","2x":"web"}' });
    expect(bad.problems).toEqual([
      {
        field: "machina:snapshots.s1",
        value: '"api"',
        allowed: "a machine of this environment: web, web-2",
        fix: "remove s1 from machina:snapshots (machina delete-snapshot s1 does), or name one of the machines",
      },
      {
        field: "machina:snapshots.2x",
        value: '"2x"',
        allowed: "a name of letters, digits and hyphens, starting with a letter, at most 63 characters",
        fix: "rename the snapshot",
      },
    ]);
  });

  it("names a snapshot by its machine and the UTC time by default", () => {
    expect(defaultSnapshotName("web-2", new Date("2026-11-24T02:31:07.123Z"))).toBe("web-2-20261124-023107");
  });
});

describe("a targeted up of one snapshot", () => {
  it("names the stack and, by a glob that may match nothing yet, the Snapshot and what it contains", () => {
    const prefix = "urn:pulumi:development::machina";
    const resources = [{ urn: `${prefix}::pulumi:pulumi:Stack::machina-development`, type: "pulumi:pulumi:Stack" }];
    expect(snapshotTargets({ deployment: { resources } }, ["web-before"])).toEqual([
      `${prefix}::pulumi:pulumi:Stack::machina-development`,
      `${prefix}::machina:index:Snapshot**::web-before`,
    ]);
    expect(snapshotTargets({ deployment: { resources: [] } }, ["web-before"])).toEqual([]);
  });
});

describe("machina snapshots", () => {
  it("lists the snapshots a stack's checkpoint holds, by stack", () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "Pulumi.yaml"), "name: shop\nruntime: nodejs\n");
    const stacks = path.join(dir, ".pulumi-state", ".pulumi", "stacks", "shop");
    mkdirSync(stacks, { recursive: true });
    const checkpoint = (snapshotOutputs: unknown) =>
      JSON.stringify({
        checkpoint: { latest: { resources: [{ type: "pulumi:pulumi:Stack", outputs: { snapshotOutputs } }] } },
      });
    writeFileSync(
      path.join(stacks, "development.json"),
      checkpoint({
        "web-before": {
          id: "/cache/snapshots/shop-development-web-before.qcow2",
          machine: "web",
          provider: "libvirt",
          details: { takenAt: "2026-11-24T02:00:00.000Z" },
        },
      }),
    );
    writeFileSync(
      path.join(stacks, "staging.json"),
      checkpoint({ other: { id: "x", machine: "db", provider: "libvirt" } }),
    );
    const saved = process.env.PULUMI_BACKEND_URL;
    delete process.env.PULUMI_BACKEND_URL;
    try {
      const list = listSnapshots(dir, "development");
      expect(list).toEqual([
        {
          stack: "development",
          name: "web-before",
          machine: "web",
          provider: "libvirt",
          id: "/cache/snapshots/shop-development-web-before.qcow2",
          details: { takenAt: "2026-11-24T02:00:00.000Z" },
        },
      ]);
      expect(snapshotListText(list)).toMatch(
        /^STACK +SNAPSHOT +MACHINE +PROVIDER +TAKEN +ID\ndevelopment +web-before +web +libvirt +2026-11-24T02:00:00.000Z +\/cache\//,
      );
      expect(listSnapshots(dir).map((s) => s.name)).toEqual(["web-before", "other"]);
    } finally {
      if (saved !== undefined) process.env.PULUMI_BACKEND_URL = saved;
    }
  });
});

describe("machina snapshot and delete-snapshot refuse before anything is written", () => {
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

  it("an unknown machine, a bad name, or an unknown snapshot: exit 2, the file untouched", () => {
    const dir = project();
    const file = path.join(dir, "stacks", "Pulumi.development.yaml");
    const before = readFileSync(file, "utf8");
    const unknown = machina(["--project-dir", dir, "snapshot", "nope", "-e", "development"]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('environment development has no machine "nope" on libvirt: its machines are dev');
    const badName = machina(["--project-dir", dir, "snapshot", "dev", "-e", "development", "--name", "x y"]);
    expect(badName.code).toBe(2);
    expect(badName.err).toContain('--name "x y": a snapshot name is letters, digits and hyphens');
    const gone = machina(["--project-dir", dir, "delete-snapshot", "never-taken", "-e", "development"]);
    expect(gone.code).toBe(2);
    expect(gone.err).toContain('stack development has no snapshot "never-taken": its snapshots are (none)');
    expect(readFileSync(file, "utf8")).toBe(before);
  });

  it("a snapshot a machine restores from by name is not deleted: exit 1 naming the machine, the file untouched", () => {
    const dir = project();
    const file = path.join(dir, "stacks", "Pulumi.snaps.yaml");
    writeFileSync(
      file,
      `config:
  machina:provider: libvirt
  libvirt:network: user
  machina:machines:
    - name: box
      image: busybox-offline
    - name: copy # restored from box's snapshot
      image:
        snapshot: box-before
  machina:snapshots:
    box-before: box
`,
    );
    const before = readFileSync(file, "utf8");
    // The restore by name is fine while the snapshot is there.
    expect(checkEnvironment(dir, "snaps").problems).toEqual([]);
    const r = machina(["--project-dir", dir, "delete-snapshot", "box-before", "-e", "snaps"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/copy\.image\.snapshot = "box-before"/);
    expect(readFileSync(file, "utf8")).toBe(before);
  });

  it("a provider without the snapshot capability: exit 2, and no stack file is created or changed", () => {
    const dir = project();
    const stacks = () => spawnSync("ls", [path.join(dir, "stacks")], { encoding: "utf8" }).stdout;
    const before = stacks();
    const file = path.join(dir, "stacks", "Pulumi.staging.yaml");
    const text = readFileSync(file, "utf8");
    const r = machina(["--project-dir", dir, "snapshot", "web", "-e", "staging", "-p", "digitalocean"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("digitalocean cannot take snapshots (it has no snapshot capability)");
    expect(stacks()).toBe(before);
    expect(readFileSync(file, "utf8")).toBe(text);
  });
});
