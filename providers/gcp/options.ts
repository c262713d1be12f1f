import type { InstanceArgs } from "@pulumi/gcp/compute/instance";
import type * as pulumi from "@pulumi/pulumi";
import { defineOptions, resourceArgsOption } from "../kit/options";
import type { Transform } from "../kit/transform";
import { transformOption } from "../kit/transform";

export interface GcpOptions {
  network?: pulumi.Input<string>;
  subnetwork?: pulumi.Input<string>;
  instance?: Partial<InstanceArgs>;
  /** Typed transforms of the Machine's own resources (see the kit's Transform). */
  transform?: GcpTransforms;
}

export interface GcpTransforms {
  instance?: Transform<InstanceArgs>;
}

const networkName = (value: unknown) =>
  typeof value === "string" && value !== ""
    ? undefined
    : { allowed: "a network name or self link", fix: 'write network: "default"' };

/** `providerOptions.gcp`. */
export const gcpOptions = defineOptions<GcpOptions>()({
  network: {
    type: "string",
    description: "the VPC network the instance and its firewall belong to",
    default: "default",
    input: true,
    check: networkName,
  },
  subnetwork: {
    type: "string",
    description: "the subnetwork the instance joins, instead of the network's default",
    input: true,
    check: networkName,
  },
  instance: resourceArgsOption("instance", "gcp.compute.InstanceArgs", "{ deletionProtection: true }"),
  transform: transformOption({ instance: "gcp.compute.InstanceArgs" }),
});

declare module "../../core/spec" {
  /** `providerOptions.gcp`, typed once this provider's entry point is imported. */
  interface ProviderOptionsMap {
    gcp?: GcpOptions;
  }
}
