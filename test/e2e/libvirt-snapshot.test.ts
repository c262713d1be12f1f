/**
 * Snapshots on a real libvirt daemon with the busybox guest, which keeps files on its disk (/data) and
 * serves them on port 80: a file written into the running guest before the snapshot is served by a new
 * machine restored from it. The snapshot stops the guest gracefully (ACPI), copies its disk into a
 * standalone qcow2 and starts it again; the restored disk is a full copy, so deleting the snapshot
 * leaves the restored machine whole.
 * Needs: scripts/libvirt-daemon.sh start and scripts/build-image.sh (scripts/test.sh does both).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveBaseImage } from "../../dist/providers/libvirt/images";
import * as ops from "../../dist/providers/libvirt/machine-operations";
import * as snapshots from "../../dist/providers/libvirt/snapshot-operations";
import { virsh } from "../../dist/providers/libvirt/virsh";
import { recordTiming } from "../support/timings";
import { machineInputs } from "./machine-inputs";

const URI = "qemu:///system";
const RUN = `sn${process.pid}`;
const stateDir = mkdtempSync(path.join(tmpdir(), "machina-snapshot-state-"));
const cacheDir = mkdtempSync(path.join(tmpdir(), "machina-snapshot-cache-"));
const made: { id: string; outs: ops.MachineOutputs }[] = [];
const taken: snapshots.SnapshotOutputs[] = [];
let busybox: Awaited<ReturnType<typeof resolveBaseImage>>;

function inputs(name: string, over: Partial<ops.MachineInputs> = {}): ops.MachineInputs {
  return machineInputs({ run: RUN, stack: "snapshot", stateDir }, name, {
    image: busybox,
    ports: [{ protocol: "tcp", port: 80 }],
    shutdownTimeoutSeconds: 60,
    ...over,
  });
}

const httpBase = (outs: ops.MachineOutputs) => `http://127.0.0.1:${outs.forwardedPorts["tcp/80"]}`;

/** The guest's answer once its web server is up (the forward accepts before the guest listens). */
async function untilServed(url: string, init?: RequestInit, timeoutSeconds = 180): Promise<Response> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
      if (response.status !== 404 || init?.method === "POST") return response;
      last = new Error(`${url}: 404`);
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`${url} did not answer within ${timeoutSeconds} s: ${String(last)}`);
}

const domstate = async (name: string) => (await virsh(URI, ["domstate", name, "--reason"])).trim();
const backingOf = (file: string) =>
  (
    JSON.parse(execFileSync("qemu-img", ["info", "-U", "--output=json", file], { encoding: "utf8" })) as {
      "backing-filename"?: string;
    }
  )["backing-filename"];

beforeAll(async () => {
  busybox = await resolveBaseImage("offline:busybox");
});

afterAll(async () => {
  for (const m of made) await ops.deleteMachine(m.id, m.outs).catch(() => undefined);
  for (const s of taken) await snapshots.deleteSnapshot(s.path, s).catch(() => undefined);
  rmSync(stateDir, { recursive: true, force: true });
  rmSync(cacheDir, { recursive: true, force: true });
});

describe("busybox snapshot and restore", () => {
  it("a file written before the snapshot is there after restoring into a new machine; the snapshot can go", async () => {
    const source = await ops.createMachine(inputs("source"));
    made.push(source);
    const note = `written before the snapshot by ${RUN}\n`;
    const put = await untilServed(`${httpBase(source.outs)}/cgi-bin/put?note.txt`, { method: "POST", body: note });
    expect(await put.text()).toBe("stored note.txt\n");
    expect(await (await untilServed(`${httpBase(source.outs)}/data/note.txt`)).text()).toBe(note);

    const copy = path.join(cacheDir, "snapshots", `${RUN}-before.qcow2`);
    const snapshotInputs: snapshots.SnapshotInputs = {
      uri: URI,
      domain: source.outs.name,
      machineId: source.id,
      path: copy,
      shutdownTimeoutSeconds: 60,
      owner: { project: "e2e", stack: "snapshot", snapshot: "before" },
      labels: { reason: "test" },
    };
    const snapping = Date.now();
    const snap = await snapshots.createSnapshot(snapshotInputs);
    const snapMs = Date.now() - snapping;
    taken.push(snap.outs);
    recordTiming("libvirt busybox snapshot (ACPI stop, qemu-img convert, start)", snapMs);
    recordTiming("libvirt busybox snapshot: the stop alone", snap.outs.stopSeconds * 1000);
    recordTiming("libvirt busybox snapshot: the copy alone", snap.outs.copySeconds * 1000);
    expect(snap.id).toBe(copy);
    expect(snap.outs).toMatchObject({ guestWasRunning: true, sourceDisk: path.join(source.outs.dir, "disk.qcow2") });
    expect(snap.outs.kernel).toEqual(busybox.kernel);
    // Graceful: the guest powered itself off on the button before the copy (libvirt's log of the domain
    // says why QEMU ended; the console log starts afresh with the next boot); then it was started again.
    const qemuLog = readFileSync(`/var/log/libvirt/qemu/${source.outs.name}.log`, "utf8");
    expect(qemuLog.match(/shutting down, reason=\w+/g)).toEqual(["shutting down, reason=shutdown"]);
    expect(await domstate(source.outs.name)).toBe("running (booted)");
    expect(backingOf(copy), "the copy stands alone").toBeUndefined();
    expect(await (await untilServed(`${httpBase(source.outs)}/data/note.txt`)).text()).toBe(note);

    const restoring = Date.now();
    const image = await resolveBaseImage(`snapshot:${copy}`);
    expect(image).toEqual({ diskPath: copy, diskFormat: "qcow2", kernel: busybox.kernel, fullCopy: true });
    const restored = await ops.createMachine(inputs("restored", { image }));
    made.push(restored);
    const served = await (await untilServed(`${httpBase(restored.outs)}/data/note.txt`)).text();
    recordTiming("libvirt busybox restore (full copy, boot, file served)", Date.now() - restoring);
    expect(served).toBe(note);
    expect(backingOf(restored.outs.diskPath), "the restored disk is a full copy").toBeUndefined();

    // Deleting the snapshot removes its copy and leaves the restored machine whole, across a restart.
    await snapshots.deleteSnapshot(snap.id, snap.outs);
    expect([existsSync(copy), existsSync(copy.replace(/\.qcow2$/, ".json"))]).toEqual([false, false]);
    expect(await snapshots.readSnapshot(snap.id, snap.outs)).toEqual({ id: "", props: {} });
    const stopped = await ops.updateMachine(
      restored.id,
      restored.outs,
      inputs("restored", { image, powerState: "stopped" }),
    );
    await ops.updateMachine(restored.id, stopped.outs, inputs("restored", { image }));
    expect(await (await untilServed(`${httpBase(restored.outs)}/data/note.txt`)).text()).toBe(note);
  }, 600_000);

  it("a stopped machine is copied as it is and stays stopped; another owner's copy is never overwritten", async () => {
    const cold = await ops.createMachine(inputs("cold", { powerState: "stopped" }));
    made.push(cold);
    const copy = path.join(cacheDir, "snapshots", `${RUN}-cold.qcow2`);
    const wanted: snapshots.SnapshotInputs = {
      uri: URI,
      domain: cold.outs.name,
      machineId: cold.id,
      path: copy,
      shutdownTimeoutSeconds: 60,
      owner: { project: "e2e", stack: "snapshot", snapshot: "cold" },
      labels: {},
    };
    const snap = await snapshots.createSnapshot(wanted);
    taken.push(snap.outs);
    expect(snap.outs).toMatchObject({ guestWasRunning: false, stopSeconds: 0 });
    expect(await domstate(cold.outs.name)).toMatch(/^shut off/);
    const other = { ...wanted, owner: { ...wanted.owner, stack: "someone-else" } };
    await expect(snapshots.createSnapshot(other)).rejects.toThrow(
      /is not recorded as Snapshot "cold" of stack "someone-else"/,
    );
    await expect(snapshots.deleteSnapshot(copy, { ...snap.outs, owner: other.owner })).rejects.toThrow(/never/);
    expect(existsSync(copy)).toBe(true);
    // Another domain that took the name is never stopped or copied.
    await expect(snapshots.createSnapshot({ ...wanted, machineId: "not-this-uuid" })).rejects.toThrow(/left alone/);
  }, 300_000);
});
