import { AmiFromInstance } from "@pulumi/aws/ec2/amiFromInstance";
import type * as pulumi from "@pulumi/pulumi";
import type { SnapshotRequest, SnapshotResult } from "../../core/contract";

/**
 * An AMI of the instance (EBS snapshots of its volumes). EC2 reboots the instance for it
 * (`snapshotWithoutReboot: false`), so the file systems are consistent. Deleting it deregisters the AMI
 * and deletes its snapshots; an instance launched from it has volumes of its own.
 */
export function snapshotEc2Instance(request: SnapshotRequest, parent: pulumi.Resource): SnapshotResult {
  const region = request.source.spec.region;
  const ami = new AmiFromInstance(
    request.name,
    {
      name: request.platformName,
      sourceInstanceId: request.source.id,
      snapshotWithoutReboot: false,
      region,
      tags: { ...request.labels, Name: request.platformName },
    },
    { parent, dependsOn: [request.source.machine] },
  );
  return { id: ami.id, details: { name: request.platformName, region, architecture: ami.architecture } };
}
