import { DropletSnapshot } from "@pulumi/digitalocean/dropletSnapshot";
import type * as pulumi from "@pulumi/pulumi";
import type { SnapshotRequest, SnapshotResult } from "../../core/contract";

/**
 * A DigitalOcean snapshot of the droplet, named by the platform name. DigitalOcean's droplet snapshots
 * take no tags, so the request's labels are not on it. A droplet restored from it gets a disk of its own.
 */
export function snapshotDroplet(request: SnapshotRequest, parent: pulumi.Resource): SnapshotResult {
  const snapshot = new DropletSnapshot(
    request.name,
    { dropletId: request.source.id, name: request.platformName },
    { parent, dependsOn: [request.source.machine] },
  );
  return { id: snapshot.id, details: { name: snapshot.name, sizeGiB: snapshot.size, regions: snapshot.regions } };
}
