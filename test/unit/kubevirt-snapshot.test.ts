/** KubeVirt snapshots under mocks: the VirtualMachineSnapshot, the restored VM's DataVolume, the refusals. */
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../dist/core/errors";
import { KEY_A, loadSnapshot, machinaUnderMocks, ofType, settle, valueOf } from "../../dist/testing";

const { recorded, Machine } = machinaUnderMocks({
  project: "lab",
  stack: "staging",
  config: { "machina:provider": "kubevirt" },
});
const Snapshot = loadSnapshot();
const VM = "kubernetes:kubevirt.io/v1:VirtualMachine";
const SNAP = "kubernetes:snapshot.kubevirt.io/v1beta1:VirtualMachineSnapshot";

describe("kubevirt snapshots", () => {
  it("a VirtualMachineSnapshot of the VM; a new Machine restores through a DataVolume from the root disk's VolumeSnapshot", async () => {
    const web = new Machine("web", {
      sshKeys: [KEY_A],
      diskGiB: 30,
      providerOptions: { kubevirt: { namespace: "vms", persistent: true } },
    });
    const snap = new Snapshot("web-before", { machine: web, labels: { reason: "upgrade" } });
    const id = await valueOf(snap.id);
    await settle();
    const made = ofType(recorded, SNAP).find((r) => r.name === "web-before")!;
    expect(made.inputs).toEqual({
      apiVersion: "snapshot.kubevirt.io/v1beta1",
      kind: "VirtualMachineSnapshot",
      metadata: {
        name: "lab-staging-web-before",
        namespace: "vms",
        labels: { reason: "upgrade", "managed-by": "machina" },
      },
      spec: { source: { apiGroup: "kubevirt.io", kind: "VirtualMachine", name: "lab-staging-web" } },
    });
    expect(id).toBe(`vms/vmsnapshot-snapuid-${made.id}-volume-rootdisk`);
    expect(await valueOf(snap.details)).toMatchObject({
      virtualMachineSnapshot: "lab-staging-web-before",
      namespace: "vms",
    });

    const copy = new Machine("copy", {
      sshKeys: [KEY_A],
      image: snap.image,
      diskGiB: 30,
      providerOptions: { kubevirt: { namespace: "vms" } },
    });
    expect(await valueOf(copy.image)).toBe(id);
    await settle();
    const vm = ofType(recorded, VM).find((r) => r.name === "copy")!;
    expect(vm.inputs.spec.dataVolumeTemplates).toEqual([
      {
        metadata: { name: "lab-staging-copy-root" },
        spec: {
          source: { snapshot: { namespace: "vms", name: `vmsnapshot-snapuid-${made.id}-volume-rootdisk` } },
          storage: { resources: { requests: { storage: "30Gi" } } },
        },
      },
    ]);
    expect(vm.inputs.spec.template.spec.volumes[0]).toEqual({
      name: "rootdisk",
      dataVolume: { name: "lab-staging-copy-root" },
    });
  });

  it("refuses a Machine on a container disk (KubeVirt snapshots nothing of it) and a plain id without a namespace", async () => {
    const eph = new Machine("eph", { sshKeys: [KEY_A] });
    await valueOf(eph.id);
    await settle();
    let problems: ValidationError["problems"] = [];
    try {
      new Snapshot("eph-snap", { machine: eph });
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      problems = (e as ValidationError).problems;
    }
    expect(problems.map((p) => [p.field, p.fix])).toEqual([
      ["eph-snap.machine", "set providerOptions.kubevirt.persistent: true (or an http(s) image) on the Machine"],
    ]);
    expect(() => new Machine("bad", { sshKeys: [KEY_A], image: { snapshot: "no-namespace" } })).toThrow(
      /bad\.image\.snapshot = "no-namespace": allowed a KubeVirt Snapshot's id: <namespace>\/<VolumeSnapshot name>/,
    );
  });
});
