/**
 * Snapshots through the real engine with a busybox guest on libvirt: `machina snapshot` (the snapshot
 * recorded in the stack file, a targeted up that takes only it), `machina snapshots` from the
 * checkpoint, a machine restored from it by name serving the file written before, `machina
 * delete-snapshot` removing the copy while the restored machine keeps its own, and destroy leaving
 * nothing behind: no domain, no folder, no copy in the image cache.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordTiming } from "../support/timings";
import type { Untyped } from "../support/untyped";
import { enginePath, listDomains, machina, makeProject } from "./support";

const PROJECT = "machina-snap";
const MACHINE = `      size: nano
      diskGiB: 1
      ports:
        - 80
      waitForReady:
        timeoutSeconds: 180
`;
const ENVIRONMENT = `# A busybox machine that keeps files on its disk and serves them on port 80.
config:
  machina:provider: libvirt
  libvirt:network: user # ports forwarded to 127.0.0.1
  machina:machines:
    - name: box
      image: busybox-offline
${MACHINE}`;
const COPY = `    - name: copy
      image:
        snapshot: box-before
${MACHINE}`;
let project: string;
let env: NodeJS.ProcessEnv;
let stackFile: string;
let cache: string;

beforeAll(() => {
  project = makeProject({ snaps: ENVIRONMENT }, PROJECT);
  stackFile = path.join(project, "stacks", "Pulumi.snaps.yaml");
  cache = mkdtempSync(path.join(tmpdir(), "machina-snap-cache-"));
  env = {
    ...process.env,
    PATH: enginePath(),
    // Snapshots go to this cache; the offline images stay where scripts/build-image.sh put them.
    MACHINA_CACHE_DIR: cache,
    MACHINA_IMAGE_CACHE:
      process.env.MACHINA_IMAGE_CACHE ??
      path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), ".cache"), "machina", "images"),
  };
  delete env.PULUMI_BACKEND_URL;
  delete env.PULUMI_CONFIG_PASSPHRASE;
}, 900_000);

afterAll(() => {
  if (listDomains().some((d) => d.startsWith(`${PROJECT}-`)))
    machina(["destroy", "-e", "snaps", "--project-dir", project], env);
  rmSync(project, { recursive: true, force: true });
  rmSync(cache, { recursive: true, force: true });
});

const cli = (...args: string[]) => machina(["--json", ...args, "-e", "snaps", "--project-dir", project], env);
const machinesOf = (
  summary: Untyped,
): Record<string, { id: string; details: { forwardedPorts: Record<string, number> } }> =>
  summary.outputs.machineOutputs;
const web = (summary: Untyped, machine: string) =>
  `http://127.0.0.1:${machinesOf(summary)[machine].details.forwardedPorts["tcp/80"]}`;

/** The guest's answer once its web server is up (the forward accepts before the guest listens). */
async function served(url: string, init?: RequestInit): Promise<string> {
  const deadline = Date.now() + 180_000;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
      if (response.ok) return await response.text();
      last = new Error(`${url}: ${response.status}`);
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`${url} did not answer: ${String(last)}`);
}

const copies = () => (existsSync(path.join(cache, "snapshots")) ? readdirSync(path.join(cache, "snapshots")) : []);
const note = `written before the snapshot, ${new Date().toISOString()}\n`;

describe("snapshots through the engine", () => {
  let up: Untyped;
  let copyPath: string;

  it("up, then a file written into the guest's disk", async () => {
    up = cli("up");
    expect(up.code, up.err + up.out).toBe(0);
    up = up.json;
    expect(await served(`${web(up, "box")}/cgi-bin/put?note.txt`, { method: "POST", body: note })).toBe(
      "stored note.txt\n",
    );
    expect(await served(`${web(up, "box")}/data/note.txt`)).toBe(note);
  }, 600_000);

  it("machina snapshot: recorded in the stack file, taken by a targeted up that changes nothing else", async () => {
    const before = readFileSync(stackFile, "utf8");
    const started = Date.now();
    const r = cli("snapshot", "box", "--name", "box-before");
    recordTiming("engine: machina snapshot (busybox, ACPI stop, copy, start; targeted up)", Date.now() - started);
    expect(r.code, r.err + r.out).toBe(0);
    expect(r.json).toMatchObject({ ok: true, snapshot: "box-before", changes: { create: 2 } });
    expect([r.json.changes.delete ?? 0, r.json.changes.replace ?? 0]).toEqual([0, 0]);
    expect(machinesOf(r.json).box.id).toBe(machinesOf(up).box.id);
    copyPath = r.json.outputs.snapshotOutputs["box-before"].id;
    expect(copyPath).toBe(path.join(cache, "snapshots", `${PROJECT}-snaps-box-before.qcow2`));
    expect(existsSync(copyPath)).toBe(true);
    // Two lines added under config; every other line (comments, machina:machines) as it was.
    const text = readFileSync(stackFile, "utf8");
    expect(text).toMatch(/ {2}machina:snapshots:\n {4}box-before: box\n/);
    expect(text.replace("  machina:snapshots:\n    box-before: box\n", "")).toBe(before);
    expect(before).toContain("# A busybox machine that keeps files on its disk");
    // The machine was started again and still serves its file.
    expect(await served(`${web(up, "box")}/data/note.txt`)).toBe(note);
  }, 600_000);

  it("machina snapshots lists it from the checkpoint", () => {
    const r = cli("snapshots");
    expect(r.code, r.err + r.out).toBe(0);
    expect(r.json).toEqual([
      expect.objectContaining({
        stack: "snaps",
        name: "box-before",
        machine: "box",
        provider: "libvirt",
        id: copyPath,
      }),
    ]);
  });

  it("a machine restored from it by name serves the file written before the snapshot", async () => {
    writeFileSync(
      stackFile,
      readFileSync(stackFile, "utf8").replace("  machina:snapshots:", `${COPY}  machina:snapshots:`),
    );
    const started = Date.now();
    const r = cli("up");
    expect(r.code, r.err + r.out).toBe(0);
    expect(await served(`${web(r.json, "copy")}/data/note.txt`)).toBe(note);
    recordTiming(
      "engine: restore from a snapshot (busybox: up of the new machine until its file is served)",
      Date.now() - started,
    );
    up = r.json;
  }, 600_000);

  it("delete-snapshot: refused while a machine restores from it by name; then the copy goes and the restored machine stays", async () => {
    const refused = cli("delete-snapshot", "box-before");
    expect(refused.code).toBe(1);
    expect(refused.json.error).toMatch(/copy\.image\.snapshot/);
    expect(existsSync(copyPath)).toBe(true);
    // The restored machine's own copy does not need the snapshot: it takes the snapshot's id instead of its name.
    writeFileSync(stackFile, readFileSync(stackFile, "utf8").replace("snapshot: box-before", `snapshot: ${copyPath}`));
    const same = cli("up");
    expect(same.code, same.err + same.out).toBe(0);
    expect(machinesOf(same.json).copy.id).toBe(machinesOf(up).copy.id);
    const r = cli("delete-snapshot", "box-before");
    expect(r.code, r.err + r.out).toBe(0);
    expect(r.json.changes.delete).toBe(2);
    expect(copies()).toEqual([]);
    expect(readFileSync(stackFile, "utf8")).not.toContain("machina:snapshots");
    expect(await served(`${web(same.json, "copy")}/data/note.txt`)).toBe(note);
  }, 600_000);

  it("destroy leaves no domain, no folder, no copy and an empty stack", () => {
    const taken = cli("snapshot", "box", "--name", "box-again");
    expect(taken.code, taken.err + taken.out).toBe(0);
    expect(copies()).toHaveLength(2); // the copy and its record
    const r = cli("destroy");
    expect(r.code, r.err + r.out).toBe(0);
    expect(listDomains().filter((d) => d.startsWith(`${PROJECT}-`))).toEqual([]);
    for (const m of ["box", "copy"])
      expect(existsSync(path.join("/var/lib/machina/libvirt", `${PROJECT}-snaps-${m}`))).toBe(false);
    expect(copies()).toEqual([]);
    expect(cli("status").json.resources).toBe(0);
  }, 600_000);
});
