import { Image } from "@pulumi/azure-native/compute/image";
import { Snapshot } from "@pulumi/azure-native/compute/snapshot";
import type * as pulumi from "@pulumi/pulumi";
import type { SnapshotRequest, SnapshotResult } from "../../core/contract";

/**
 * A full snapshot of the VM's OS disk and a managed image made from it, both named by the platform
 * name and tagged, in the VM's resource group. A VM restores from the image (its `imageReference.id`)
 * with a new OS disk of its own. A managed image is generalized: the restored VM is provisioned anew
 * from its own spec (host name, user, keys) by cloud-init, with the copy's data on its disk. The
 * snapshot is crash-consistent: stop the Machine first for a copy taken with the guest stopped.
 */
export function snapshotAzureVm(request: SnapshotRequest, parent: pulumi.Resource): SnapshotResult {
  const details = request.source.details as pulumi.Output<{ resourceGroupName?: string; osDiskId?: string }>;
  const resourceGroupName = details.apply((d) => d.resourceGroupName as string);
  const location = request.source.spec.region;
  const opts = { parent, dependsOn: [request.source.machine] };
  const snapshot = new Snapshot(
    `${request.name}-disk`,
    {
      snapshotName: request.platformName,
      resourceGroupName,
      location,
      creationData: { createOption: "Copy", sourceResourceId: details.apply((d) => d.osDiskId as string) },
      incremental: false,
      tags: request.labels,
    },
    opts,
  );
  const image = new Image(
    request.name,
    {
      imageName: request.platformName,
      resourceGroupName,
      location,
      // The snapshot carries its disk's generation; every catalog image is generation 2.
      hyperVGeneration: snapshot.hyperVGeneration.apply((g) => g ?? "V2"),
      storageProfile: { osDisk: { osType: "Linux", osState: "Generalized", snapshot: { id: snapshot.id } } },
      tags: request.labels,
    },
    opts,
  );
  return { id: image.id, details: { resourceGroupName, snapshotId: snapshot.id } };
}
