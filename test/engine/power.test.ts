/**
 * Power through the real engine with busybox guests on libvirt: `machina stop|start|restart` (the wish
 * in the stack file, a targeted up of one machine), powerState in the machines list through a plain
 * `up`, the state output agreeing with `virsh domstate`, SSH answering again after each start, a later
 * `up` keeping a stopped machine stopped, and destroy leaving nothing behind.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitForService } from "../../dist/components/service-probe";
import { recordTiming } from "../support/timings";
import type { Untyped } from "../support/untyped";
import { enginePath, listDomains, machina, makeProject } from "./support";

const PROJECT = "machina-power";
const ENVIRONMENT = `# Two busybox machines; \`machina stop box\` records its wish below.
config:
  machina:provider: libvirt
  libvirt:network: user # SSH forwarded to 127.0.0.1
  machina:machines:
    - name: box
      size: nano
      image: busybox-offline
      diskGiB: 1
      waitForReady:
        timeoutSeconds: 180
    - name: other
      size: nano
      image: busybox-offline
      diskGiB: 1
`;
const DOMAIN = (machine: string) => `${PROJECT}-boxes-${machine}`;
let project: string;
let env: NodeJS.ProcessEnv;
let stackFile: string;

beforeAll(() => {
  project = makeProject({ boxes: ENVIRONMENT }, PROJECT);
  stackFile = path.join(project, "stacks", "Pulumi.boxes.yaml");
  env = { ...process.env, PATH: enginePath() };
  delete env.PULUMI_BACKEND_URL;
  delete env.PULUMI_CONFIG_PASSPHRASE;
}, 900_000);

afterAll(() => {
  if (listDomains().some((d) => d.startsWith(`${PROJECT}-`)))
    machina(["destroy", "-e", "boxes", "--project-dir", project], env);
  rmSync(project, { recursive: true, force: true });
});

const cli = (...args: string[]) => machina(["--json", ...args, "-e", "boxes", "--project-dir", project], env);
const domstate = (machine: string) =>
  execFileSync("virsh", ["-c", "qemu:///system", "domstate", DOMAIN(machine), "--reason"], { encoding: "utf8" }).trim();

interface MachineOut {
  id: string;
  ssh: string;
  state: string;
}
const machinesOf = (summary: Untyped): Record<string, MachineOut> => summary.outputs.machineOutputs;
const bannerAt = async (m: MachineOut) =>
  (
    await waitForService(
      { host: "127.0.0.1", port: Number(/-p (\d+)/.exec(m.ssh)![1]), expect: "ssh" },
      { timeoutSeconds: 120 },
    )
  ).banner;

describe("power through the engine", () => {
  let ids: Record<string, string>;

  it("up: both machines running, the state output says so", async () => {
    const r = cli("up");
    expect(r.code, r.err + r.out).toBe(0);
    const machines = machinesOf(r.json);
    expect([machines.box.state, machines.other.state]).toEqual(["running", "running"]);
    expect([domstate("box"), domstate("other")]).toEqual(["running (booted)", "running (booted)"]);
    ids = { box: machines.box.id, other: machines.other.id };
  }, 600_000);

  it("machina stop: the wish goes into the stack file and a targeted up stops only that machine, gracefully", () => {
    const before = readFileSync(stackFile, "utf8");
    const started = Date.now();
    const r = cli("stop", "box");
    recordTiming("engine: machina stop (busybox, targeted up)", Date.now() - started);
    expect(r.code, r.err + r.out).toBe(0);
    const summary = r.json[0];
    expect(summary.ok).toBe(true);
    // The machine is updated in place and its readiness check goes; nothing of the other machine moves.
    expect(summary.changes.update).toBeGreaterThanOrEqual(1);
    expect(summary.changes.delete).toBe(1);
    expect([summary.changes.create ?? 0, summary.changes.replace ?? 0]).toEqual([0, 0]);
    expect(machinesOf(summary).box).toMatchObject({ id: ids.box, state: "stopped" });
    expect(domstate("box")).toBe("shut off (shutdown)");
    expect(domstate("other")).toBe("running (booted)");
    // Two lines added under config; every other line (comments, machina:machines) as it was.
    const text = readFileSync(stackFile, "utf8");
    expect(text).toMatch(/ {2}machina:power:\n {4}box: stopped\n/);
    expect(text.replace("  machina:power:\n    box: stopped\n", "")).toBe(before);
    expect(before).toContain("# Two busybox machines; `machina stop box` records its wish below.");
  }, 600_000);

  it("a later up keeps the stopped machine stopped", () => {
    const r = cli("up");
    expect(r.code, r.err + r.out).toBe(0);
    expect(machinesOf(r.json).box.state).toBe("stopped");
    expect(domstate("box")).toMatch(/^shut off/);
    expect(r.json.changed).toBe(false);
  }, 600_000);

  it("machina start: the same domain runs again and answers SSH", async () => {
    const started = Date.now();
    const r = cli("start", "box");
    recordTiming("engine: machina start (busybox, targeted up with readiness)", Date.now() - started);
    expect(r.code, r.err + r.out).toBe(0);
    const box = machinesOf(r.json[0]).box;
    expect(box).toMatchObject({ id: ids.box, state: "running" });
    expect(domstate("box")).toBe("running (booted)");
    expect(await bannerAt(box)).toBe("SSH-2.0-machina_busybox");
    expect(readFileSync(stackFile, "utf8")).toMatch(/ {4}box: running\n/);
  }, 600_000);

  it("machina restart: a stop and a start of the same machine", async () => {
    const r = cli("restart", "box");
    expect(r.code, r.err + r.out).toBe(0);
    expect(r.json.map((s: { ok: boolean }) => s.ok)).toEqual([true, true]);
    expect(machinesOf(r.json[0]).box.state).toBe("stopped");
    const box = machinesOf(r.json[1]).box;
    expect(box).toMatchObject({ id: ids.box, state: "running" });
    expect(await bannerAt(box)).toBe("SSH-2.0-machina_busybox");
  }, 600_000);

  it("powerState in the machines list, through a plain up, and back", async () => {
    writeFileSync(
      stackFile,
      readFileSync(stackFile, "utf8").replace("    - name: other\n", "    - name: other\n      powerState: stopped\n"),
    );
    const off = cli("up");
    expect(off.code, off.err + off.out).toBe(0);
    expect(machinesOf(off.json).other).toMatchObject({ id: ids.other, state: "stopped" });
    expect(domstate("other")).toBe("shut off (shutdown)");
    writeFileSync(stackFile, readFileSync(stackFile, "utf8").replace("      powerState: stopped\n", ""));
    const on = cli("up");
    expect(on.code, on.err + on.out).toBe(0);
    expect(machinesOf(on.json).other).toMatchObject({ id: ids.other, state: "running" });
    expect(await bannerAt(machinesOf(on.json).other)).toBe("SSH-2.0-machina_busybox");
  }, 600_000);

  it("destroy leaves no domain, no folder and an empty stack", () => {
    cli("stop", "box");
    const r = cli("destroy");
    expect(r.code, r.err + r.out).toBe(0);
    expect(listDomains().filter((d) => d.startsWith(`${PROJECT}-`))).toEqual([]);
    for (const m of ["box", "other"]) expect(existsSync(path.join("/var/lib/machina/libvirt", DOMAIN(m)))).toBe(false);
    expect(cli("status").json.resources).toBe(0);
  }, 600_000);
});
