/**
 * Day-two objects on the real API server: power through `runStrategy` (an in-place change of the same
 * VirtualMachine), and a Snapshot of a Machine (a VirtualMachineSnapshot, through the same explicit
 * kubernetes.Provider, checked by KubeVirt's snapshot schema) restored into a new Machine whose
 * DataVolume comes from the root disk's VolumeSnapshot (checked by the VirtualMachine schema).
 */
import { describe, expect, it } from "vitest";
import type * as Operations from "../../dist/automation/operations";
import type { MachineArgs } from "../../dist/core/spec";
import { clusterTarget, type Cluster, withEngineCluster } from "./cluster";
import { kubeObjects } from "./objects";

let cluster: Cluster;
let ops: typeof Operations;
let stateDir: string;

withEngineCluster("machina-kv-day2-", (env) => {
  ({ cluster, ops, stateDir } = env);
});

function target(stackName: string, args: () => MachineArgs) {
  return clusterTarget({ cluster, stateDir }, stackName, ({ Machine, provider }) => {
    const vm = new Machine("vm", args(), { providers: [provider] });
    return { id: vm.id };
  });
}

describe("day-two objects", () => {
  it("power: runStrategy Halted and back to Always change the same VirtualMachine in place", async () => {
    let runStrategy = "Always";
    const t = target("power", () => ({ providerOptions: { kubevirt: { runStrategy } as never } }));
    const objects = kubeObjects(cluster);
    expect((await ops.run("up", t)).ok).toBe(true);
    const uid = (await objects.vm("default", "kv-power-vm")).metadata.uid;
    for (const next of ["Halted", "Always"]) {
      runStrategy = next;
      const up = await ops.run("up", t);
      expect(up.ok, up.error).toBe(true);
      expect(up.changes).toMatchObject({ update: 1 });
      const vm = await objects.vm("default", "kv-power-vm");
      expect(vm.spec.runStrategy).toBe(next);
      expect(vm.metadata.uid).toBe(uid);
    }
    expect((await ops.run("destroy", t)).ok).toBe(true);
  }, 300_000);

  it("powerState: stopped is runStrategy Halted on the same VirtualMachine, running is the option again", async () => {
    let powerState: "running" | "stopped" = "running";
    const t = target("pstate", () => ({ powerState }));
    const objects = kubeObjects(cluster);
    expect((await ops.run("up", t)).ok).toBe(true);
    const uid = (await objects.vm("default", "kv-pstate-vm")).metadata.uid;
    for (const [next, strategy] of [
      ["stopped", "Halted"],
      ["running", "Always"],
    ] as const) {
      powerState = next;
      const up = await ops.run("up", t);
      expect(up.ok, up.error).toBe(true);
      expect(up.changes).toMatchObject({ update: 1 });
      const vm = await objects.vm("default", "kv-pstate-vm");
      expect(vm.spec.runStrategy).toBe(strategy);
      expect(vm.metadata.uid).toBe(uid);
    }
    expect((await ops.run("destroy", t)).ok).toBe(true);
  }, 300_000);

  it("a Snapshot is a VirtualMachineSnapshot of the Machine's VM; a new Machine restores through a DataVolume from its VolumeSnapshot", async () => {
    let restore = false;
    const t = clusterTarget({ cluster, stateDir }, "snap", ({ Machine, Snapshot, provider }) => {
      const persistent = { diskGiB: 2, providerOptions: { kubevirt: { persistent: true } } };
      const vm = new Machine("vm", persistent, { providers: [provider] });
      const snap = new Snapshot(
        "before-upgrade",
        { machine: vm, labels: { reason: "upgrade" } },
        { providers: [provider] },
      );
      if (restore) new Machine("restored", { ...persistent, image: snap.image }, { providers: [provider] });
      return { id: snap.id };
    });
    const up = await ops.run("up", t);
    expect(up.ok, up.error).toBe(true);
    const objects = kubeObjects(cluster);
    const snap = await objects.readCustom(
      "snapshot.kubevirt.io",
      "v1beta1",
      "virtualmachinesnapshots",
      "default",
      "kv-snap-before-upgrade",
    );
    expect(snap.spec.source).toEqual({ apiGroup: "kubevirt.io", kind: "VirtualMachine", name: "kv-snap-vm" });
    expect(snap.metadata.labels).toEqual({ reason: "upgrade", "managed-by": "machina" });
    const volumeSnapshot = `vmsnapshot-${snap.metadata.uid}-volume-rootdisk`;
    expect(up.outputs.id).toBe(`default/${volumeSnapshot}`);

    restore = true;
    const restored = await ops.run("up", t);
    expect(restored.ok, restored.error).toBe(true);
    expect(restored.changes).toMatchObject({ create: 3 });
    const vm = await objects.vm("default", "kv-snap-restored");
    expect(vm.spec.dataVolumeTemplates[0].spec.source).toEqual({
      snapshot: { namespace: "default", name: volumeSnapshot },
    });

    expect((await ops.run("destroy", t)).ok).toBe(true);
    await expect(
      objects.readCustom(
        "snapshot.kubevirt.io",
        "v1beta1",
        "virtualmachinesnapshots",
        "default",
        "kv-snap-before-upgrade",
      ),
    ).rejects.toThrow();
  }, 300_000);
});
