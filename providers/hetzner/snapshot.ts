import { Snapshot } from "@pulumi/hcloud/snapshot";
import type * as pulumi from "@pulumi/pulumi";
import type { SnapshotRequest, SnapshotResult } from "../../core/contract";

/**
 * A Hetzner snapshot of the server's disk (an image of type snapshot). Hetzner has no name for a
 * snapshot: the platform name is its description. A server restored from it gets a disk of its own.
 */
export function snapshotHetznerServer(request: SnapshotRequest, parent: pulumi.Resource): SnapshotResult {
  const snapshot = new Snapshot(
    request.name,
    { serverId: request.source.id.apply(Number), description: request.platformName, labels: request.labels },
    { parent, dependsOn: [request.source.machine] },
  );
  return { id: snapshot.id, details: { description: request.platformName } };
}
