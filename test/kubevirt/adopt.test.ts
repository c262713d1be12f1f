/**
 * Adoption on the real API server: VirtualMachines created directly in it (through the same HTTPS
 * client the tier uses, not by Machina) are taken over by a Machine through Pulumi's `import` on the
 * Machine's VirtualMachine, with an explicit kubernetes.Provider; a following up changes nothing;
 * destroy leaves the VM (retainOnDelete) unless the user opted out; a VM that differs from the spec is
 * a clear error naming the Machine field and the property, and the VM is not touched.
 */
import { describe, expect, it } from "vitest";
import type * as Operations from "../../dist/automation/operations";
import type { MachineArgs } from "../../dist/core/spec";
import { recordTiming } from "../support/timings";
import { clusterTarget, type Cluster, withEngineCluster } from "./cluster";
import { kubeObjects } from "./objects";

let cluster: Cluster;
let ops: typeof Operations;
let stateDir: string;

withEngineCluster("machina-kv-adopt-", (env) => {
  ({ cluster, ops, stateDir } = env);
});

/** A VM as someone would write it by hand: 1 core, 1 GiB, Ubuntu's container disk, pod network. */
function handMadeVm(name: string, cores = 1) {
  return {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachine",
    metadata: { name, namespace: "default" },
    spec: {
      runStrategy: "Always",
      template: {
        spec: {
          domain: {
            cpu: { cores },
            memory: { guest: "1024Mi" },
            devices: {
              disks: [{ name: "rootdisk", disk: { bus: "virtio" } }],
              interfaces: [{ name: "default", masquerade: {} }],
            },
          },
          networks: [{ name: "default", pod: {} }],
          volumes: [{ name: "rootdisk", containerDisk: { image: "quay.io/containerdisks/ubuntu:24.04" } }],
        },
      },
    },
  };
}

function target(stackName: string, args: () => MachineArgs) {
  return clusterTarget({ cluster, stateDir }, stackName, ({ Machine, provider }) => {
    const vm = new Machine("vm", args(), { providers: [provider] });
    return { id: vm.id, details: vm.details };
  });
}

const createVm = (body: object) =>
  kubeObjects(cluster).createCustom("kubevirt.io", "v1", "virtualmachines", "default", body);

describe("adopting a VirtualMachine made outside Machina", () => {
  it("is imported, not recreated; a following up changes nothing; destroy leaves it", async () => {
    const objects = kubeObjects(cluster);
    const made = await createVm(handMadeVm("legacy"));
    const t = target("adopt", () => ({ size: { type: "1cpu-1gb" }, adopt: "default/legacy" }));
    const started = Date.now();
    const up = await ops.run("up", t);
    recordTiming("kubevirt: adopt a VirtualMachine (import through the engine)", Date.now() - started);
    expect(up.ok, up.error).toBe(true);
    expect(up.changes).toMatchObject({ import: 1 });
    expect(up.changes.replace ?? 0).toBe(0);
    // The Kubernetes provider (server-side apply) follows the import with an apply that takes the fields
    // over: the VM's spec is unchanged (same generation), only who manages its fields.
    const taken = await objects.vm("default", "legacy");
    expect([taken.metadata.uid, taken.metadata.generation]).toEqual([made.metadata.uid, made.metadata.generation]);
    expect(taken.spec).toEqual(made.spec);
    expect(up.outputs.id).toBe(made.metadata.uid);
    expect(up.outputs.details).toMatchObject({ name: "legacy", namespace: "default", adopted: true });
    // No user-data Secret: the VM booted long ago.
    expect(await objects.exists("secret", "default", "kv-adopt-vm-cloudinit")).toBe(false);

    const again = await ops.run("up", t);
    expect(again.ok, again.error).toBe(true);
    expect(again.changed, JSON.stringify(again.changes)).toBe(false);

    const destroyed = await ops.run("destroy", t);
    expect(destroyed.ok, destroyed.error).toBe(true);
    const kept = await objects.vm("default", "legacy");
    expect(kept.metadata.uid, "the same VirtualMachine is still there").toBe(made.metadata.uid);
    expect(kept.spec.template.spec.domain.cpu.cores).toBe(1);
    await objects.delete("vm", "default", "legacy");
  }, 300_000);

  it("retainOnDelete: false is honoured: destroy deletes the adopted VM", async () => {
    const objects = kubeObjects(cluster);
    await createVm(handMadeVm("scratch"));
    const t = target("adopt-del", () => ({
      size: { type: "1cpu-1gb" },
      adopt: { id: "default/scratch", retainOnDelete: false },
    }));
    const up = await ops.run("up", t);
    expect(up.ok, up.error).toBe(true);
    expect((await ops.run("destroy", t)).ok).toBe(true);
    expect(await objects.exists("vm", "default", "scratch")).toBe(false);
  }, 300_000);

  it("a VM that differs from the spec is an error naming size and the property; the VM is not touched", async () => {
    const objects = kubeObjects(cluster);
    const made = await createVm(handMadeVm("bigger", 2));
    const t = target("adopt-bad", () => ({ size: { type: "1cpu-1gb" }, adopt: "default/bigger" }));
    const up = await ops.run("up", t);
    expect(up.ok).toBe(false);
    expect(up.error).toMatch(/Machine "vm": the existing machine differs from the Machine's spec in size \(/);
    expect(up.error).toMatch(/VirtualMachine spec\.template\.spec\.domain\.cpu\.cores\)/);
    // The Kubernetes provider (server-side apply) imports, then applies the spec: the VM's own manager owns
    // the field, so the apply is refused as a conflict, and the VM stays as it was.
    expect(up.error).toMatch(/Apply failed with 1 conflict/);
    const after = await objects.vm("default", "bigger");
    expect([after.metadata.uid, after.spec.template.spec.domain.cpu.cores]).toEqual([made.metadata.uid, 2]);
    expect((await ops.run("destroy", t)).ok).toBe(true);
    expect(await objects.exists("vm", "default", "bigger")).toBe(true);
    await objects.delete("vm", "default", "bigger");
  }, 300_000);
});
