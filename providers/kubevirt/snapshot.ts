/**
 * Snapshots on KubeVirt: a `snapshot.kubevirt.io` VirtualMachineSnapshot of the Machine's VM. KubeVirt's
 * snapshot controller copies each persistent volume into a CSI VolumeSnapshot named
 * `vmsnapshot-<the VirtualMachineSnapshot's uid>-volume-<volume>`: the root disk's is the Snapshot's id
 * (`<namespace>/<VolumeSnapshot>`). A new Machine restores from it through a DataVolume whose source is
 * that VolumeSnapshot (a VirtualMachineRestore only restores a VM in place, into itself).
 */
import { CustomResource } from "@pulumi/kubernetes/apiextensions/customResource";
import * as pulumi from "@pulumi/pulumi";
import type { SnapshotRequest, SnapshotResult } from "../../core/contract";
import { ValidationError } from "../../core/errors";
import { kubevirtOptions } from "./options";
import { ROOT_VOLUME, rootVolume } from "./resources";

/** The VolumeSnapshot KubeVirt makes of a VM volume for a VirtualMachineSnapshot. */
export const volumeSnapshotName = (vmSnapshotUid: string, volume = ROOT_VOLUME) =>
  `vmsnapshot-${vmSnapshotUid}-volume-${volume}`;

export function createKubevirtSnapshot(request: SnapshotRequest, parent: pulumi.Resource): SnapshotResult {
  const { spec } = request.source;
  const o = kubevirtOptions.read(spec);
  if (!rootVolume(spec, o).dataVolumeTemplate) {
    throw new ValidationError(`Snapshot ${JSON.stringify(request.name)} of Machine ${JSON.stringify(spec.name)}`, [
      {
        field: `${request.name}.machine`,
        value: `Machine ${JSON.stringify(spec.name)} (a container disk)`,
        allowed:
          "a Machine whose root disk is a DataVolume: a container disk is ephemeral and KubeVirt snapshots nothing of it",
        fix: "set providerOptions.kubevirt.persistent: true (or an http(s) image) on the Machine",
      },
    ]);
  }
  const namespace = pulumi.output(o.namespace ?? "default");
  const snapshot = new CustomResource(
    request.name,
    {
      apiVersion: "snapshot.kubevirt.io/v1beta1",
      kind: "VirtualMachineSnapshot",
      metadata: { name: request.platformName, namespace, labels: request.labels },
      spec: { source: { apiGroup: "kubevirt.io", kind: "VirtualMachine", name: spec.platformName } },
    },
    { parent, dependsOn: [request.source.machine] },
  );
  const volumeSnapshot = snapshot.metadata.apply((m) => volumeSnapshotName(m.uid));
  return {
    id: pulumi.interpolate`${namespace}/${volumeSnapshot}`,
    details: {
      namespace,
      virtualMachineSnapshot: request.platformName,
      volumeSnapshot,
      virtualMachine: spec.platformName,
    },
  };
}
