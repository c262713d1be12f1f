/**
 * Power on a real libvirt daemon with the busybox guest, which honours the ACPI power button: a stop
 * through the dynamic provider's update is a graceful shutdown (the guest powers itself off), a start
 * brings the same domain back and the SSH banner answers again, refresh reads a stop made outside
 * the stack, and a machine created stopped is defined without booting.
 * Needs: scripts/libvirt-daemon.sh start and scripts/build-image.sh (scripts/test.sh does both).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitForService } from "../../dist/components/service-probe";
import { resolveBaseImage } from "../../dist/providers/libvirt/images";
import * as ops from "../../dist/providers/libvirt/machine-operations";
import { virsh } from "../../dist/providers/libvirt/virsh";
import { recordTiming } from "../support/timings";
import { machineInputs } from "./machine-inputs";

const URI = "qemu:///system";
const RUN = `pw${process.pid}`;
const stateDir = mkdtempSync(path.join(tmpdir(), "machina-power-state-"));
const made: { id: string; outs: ops.MachineOutputs }[] = [];
let busybox: Awaited<ReturnType<typeof resolveBaseImage>>;

function inputs(name: string, over: Partial<ops.MachineInputs> = {}): ops.MachineInputs {
  return machineInputs({ run: RUN, stack: "power", stateDir }, name, {
    image: busybox,
    shutdownTimeoutSeconds: 60,
    ...over,
  });
}

const domstate = async (name: string) => (await virsh(URI, ["domstate", name, "--reason"])).trim();
const banner = async (outs: ops.MachineOutputs) =>
  (await waitForService({ host: "127.0.0.1", port: outs.sshPort!, expect: "ssh" }, { timeoutSeconds: 120 })).banner;

beforeAll(async () => {
  busybox = await resolveBaseImage("offline:busybox");
});

afterAll(async () => {
  for (const m of made) await ops.deleteMachine(m.id, m.outs).catch(() => undefined);
  rmSync(stateDir, { recursive: true, force: true });
});

describe("busybox power", () => {
  it("stop is a graceful ACPI shutdown of the same domain, start brings it back answering SSH", async () => {
    const created = await ops.createMachine(inputs("cycle"));
    made.push(created);
    expect(await banner(created.outs)).toBe("SSH-2.0-machina_busybox");

    const stopping = Date.now();
    const stopped = await ops.updateMachine(created.id, created.outs, inputs("cycle", { powerState: "stopped" }));
    const stopMs = Date.now() - stopping;
    recordTiming("libvirt busybox stop (powerState stopped, ACPI shutdown to shut off)", stopMs);
    // The guest shut itself down on the button; a forced off would read "shut off (destroyed)".
    expect(await domstate(created.outs.name)).toBe("shut off (shutdown)");
    expect(readFileSync(created.outs.consoleLog, "utf8")).toContain("machina-busybox: power button, powering off");
    expect(stopped.outs).toMatchObject({ state: "shut off", powerState: "stopped", uuid: created.id });

    const starting = Date.now();
    const started = await ops.updateMachine(created.id, stopped.outs, inputs("cycle"));
    expect(await banner(started.outs)).toBe("SSH-2.0-machina_busybox");
    recordTiming("libvirt busybox start (powerState running, start to SSH banner)", Date.now() - starting);
    expect(await domstate(created.outs.name)).toBe("running (booted)");
    expect(started.outs.state).toBe("running");
    expect("powerState" in started.outs).toBe(false);
    expect(started.outs.sshPort).toBe(created.outs.sshPort);
  }, 300_000);

  it("a stop while the guest still boots is graceful too: the button is pressed again until the guest listens", async () => {
    const created = await ops.createMachine(inputs("early"));
    made.push(created);
    // At once, before the guest's init listens for the button: that first press is lost.
    const stopping = Date.now();
    await ops.updateMachine(created.id, created.outs, inputs("early", { powerState: "stopped" }));
    recordTiming("libvirt busybox stop during boot (ACPI, pressed until heard)", Date.now() - stopping);
    expect(await domstate(created.outs.name)).toBe("shut off (shutdown)");
    expect(readFileSync(created.outs.consoleLog, "utf8")).toContain("machina-busybox: power button, powering off");
  }, 300_000);

  it("refresh reads a stop made outside the stack, so the next update starts it again", async () => {
    const created = await ops.createMachine(inputs("drift"));
    made.push(created);
    await banner(created.outs);
    await virsh(URI, ["destroy", created.outs.name]);
    const read = await ops.readMachine(created.id, created.outs);
    expect(read.props).toMatchObject({ state: "shut off", powerState: "stopped" });
    const wanted = inputs("drift");
    expect(ops.diffMachine(read.props as ops.MachineOutputs, wanted)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: true,
    });
    await ops.updateMachine(created.id, read.props as ops.MachineOutputs, wanted);
    expect(await banner(created.outs)).toBe("SSH-2.0-machina_busybox");
  }, 300_000);

  it("a machine created stopped is defined and never booted until it is started", async () => {
    const created = await ops.createMachine(inputs("cold", { powerState: "stopped" }));
    made.push(created);
    expect(created.outs.state).toBe("shut off");
    expect(await domstate(created.outs.name)).toMatch(/^shut off/);
    const log = created.outs.consoleLog;
    expect(existsSync(log) ? readFileSync(log, "utf8") : "", "nothing booted").toBe("");
    const started = await ops.updateMachine(created.id, created.outs, inputs("cold"));
    expect(started.outs.state).toBe("running");
    expect(await banner(created.outs)).toBe("SSH-2.0-machina_busybox");
  }, 300_000);
});
