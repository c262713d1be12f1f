/** The libvirt Snapshot's resource: a dynamic one whose copy lives in the image cache (see snapshot-operations). */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { SnapshotRequest, SnapshotResult } from "../../core/contract";
import { DynamicEntryResource } from "../kit/dynamic-entry";
import { isSecretConfigKey, secretIf } from "../kit/secret-config";
import { snapshotDir } from "./images";
import { libvirtOptions } from "./options";
import type { SnapshotOutputs } from "./snapshot-operations";

type Outputs<T> = { [K in keyof T]: pulumi.Output<T[K]> };

export class LibvirtSnapshot extends DynamicEntryResource {
  declare readonly path: pulumi.Output<string>;
  declare readonly sizeBytes: pulumi.Output<number>;
  declare readonly virtualSizeBytes: pulumi.Output<number>;
  declare readonly takenAt: pulumi.Output<string>;
  declare readonly guestWasRunning: pulumi.Output<boolean>;
  declare readonly stopSeconds: pulumi.Output<number>;
  declare readonly copySeconds: pulumi.Output<number>;
  constructor(
    name: string,
    args: {
      uri: pulumi.Input<string>;
      domain: string;
      machineId: pulumi.Input<string>;
      path: string;
      shutdownTimeoutSeconds: number;
      owner: Record<string, string>;
      labels: Record<string, pulumi.Input<string>>;
    },
    opts?: pulumi.CustomResourceOptions,
  ) {
    const outputs: Partial<Record<keyof SnapshotOutputs, undefined>> = {
      sizeBytes: undefined,
      virtualSizeBytes: undefined,
      takenAt: undefined,
      guestWasRunning: undefined,
      stopSeconds: undefined,
      copySeconds: undefined,
    };
    super("libvirtSnapshot", "LibvirtSnapshot", name, { ...outputs, ...args }, opts);
  }
}

export function createLibvirtSnapshot(request: SnapshotRequest, parent: pulumi.Resource): SnapshotResult {
  const config = new pulumi.Config("libvirt");
  const uri = config.get("uri") ?? "qemu:///system";
  const { spec } = request.source;
  const copy = new LibvirtSnapshot(
    request.name,
    {
      uri: secretIf(isSecretConfigKey("libvirt:uri"), uri),
      domain: spec.platformName,
      machineId: request.source.id,
      path: path.join(snapshotDir(), `${request.platformName}.qcow2`),
      shutdownTimeoutSeconds: libvirtOptions.read(spec).shutdownTimeoutSeconds,
      owner: { project: pulumi.getProject(), stack: pulumi.getStack(), snapshot: request.name },
      labels: request.labels,
    },
    { parent, dependsOn: [request.source.machine] },
  );
  const details: Outputs<Record<string, unknown>> = {
    path: copy.path,
    domain: pulumi.output(spec.platformName),
    sizeBytes: copy.sizeBytes,
    virtualSizeBytes: copy.virtualSizeBytes,
    takenAt: copy.takenAt,
    guestWasRunning: copy.guestWasRunning,
    stopSeconds: copy.stopSeconds,
    copySeconds: copy.copySeconds,
    restore: pulumi.output("full copy"),
  };
  return { id: copy.path, details };
}
