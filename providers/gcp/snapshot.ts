import { Snapshot } from "@pulumi/gcp/compute/snapshot";
import type * as pulumi from "@pulumi/pulumi";
import type { SnapshotRequest, SnapshotResult } from "../../core/contract";

/**
 * A snapshot of the instance's boot disk, named by the platform name and labelled. Not a disk image:
 * Compute Engine refuses an image of a disk in use by a running instance unless forced, and the
 * provider has no force (terraform-provider-google#1983); a snapshot of an attached disk is allowed and
 * restores as a new boot disk (`initializeParams.snapshot`) just as cleanly. It is crash-consistent:
 * stop the Machine first (powerState: stopped) for a copy taken with the guest stopped.
 */
export function snapshotComputeInstance(request: SnapshotRequest, parent: pulumi.Resource): SnapshotResult {
  const details = request.source.details as pulumi.Output<{ bootDisk?: string; zone?: string }>;
  const snapshot = new Snapshot(
    request.name,
    {
      name: request.platformName,
      sourceDisk: details.apply((d) => d.bootDisk as string),
      zone: details.apply((d) => d.zone as string),
      labels: request.labels,
    },
    { parent, dependsOn: [request.source.machine] },
  );
  // Its id is projects/<project>/global/snapshots/<name>, a partial URL initializeParams.snapshot takes.
  return {
    id: snapshot.id,
    details: { name: request.platformName, selfLink: snapshot.selfLink, diskSizeGb: snapshot.diskSizeGb },
  };
}
