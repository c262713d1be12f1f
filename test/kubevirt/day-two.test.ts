/**
 * Day-two objects on the real API server: power through `runStrategy` (an in-place change of the same
 * VirtualMachine), a VirtualMachineSnapshot of a Machine's VM written next to it with the same explicit
 * kubernetes.Provider (checked by KubeVirt's snapshot schema), and a VM of the Machine's name made
 * outside the stack.
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

interface Snapshot {
  source?: Record<string, unknown>;
}

function target(stackName: string, args: () => MachineArgs, snapshot?: () => Snapshot | undefined) {
  return clusterTarget({ cluster, stateDir }, stackName, ({ Machine, k8s, provider }) => {
    const vm = new Machine("vm", args(), { providers: [provider] });
    const snap = snapshot?.();
    if (snap) {
      const vmName = vm.details.apply((d) => d.name as string);
      new k8s.apiextensions.CustomResource(
        "vm-snapshot",
        {
          apiVersion: "snapshot.kubevirt.io/v1beta1",
          kind: "VirtualMachineSnapshot",
          metadata: { name: vmName.apply((n) => `${n}-before-upgrade`), namespace: "default" },
          spec: { source: snap.source ?? { apiGroup: "kubevirt.io", kind: "VirtualMachine", name: vmName } },
        },
        { provider, dependsOn: [vm] },
      );
    }
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

  it("a VirtualMachineSnapshot of the Machine's VM is accepted; one without a source kind is refused by name", async () => {
    let snapshot: Snapshot = {};
    const t = target(
      "snap",
      () => ({}),
      () => snapshot,
    );
    const up = await ops.run("up", t);
    expect(up.ok, up.error).toBe(true);
    const objects = kubeObjects(cluster);
    const snap = await objects.readCustom(
      "snapshot.kubevirt.io",
      "v1beta1",
      "virtualmachinesnapshots",
      "default",
      "kv-snap-vm-before-upgrade",
    );
    expect(snap.spec.source).toEqual({ apiGroup: "kubevirt.io", kind: "VirtualMachine", name: "kv-snap-vm" });

    snapshot = { source: { apiGroup: "kubevirt.io", name: "kv-snap-vm" } };
    const bad = await ops.run("up", t);
    expect(bad.ok).toBe(false);
    expect(bad.error).toMatch(/spec\.source\.kind: Required value/);
    expect((await ops.run("destroy", t)).ok).toBe(true);
  }, 300_000);
});
