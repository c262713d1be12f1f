import type * as pulumi from "@pulumi/pulumi";
import type { VirtualMachineArgs } from "@pulumi/azure-native/compute/virtualMachine";
import { defineOptions, matching, resourceArgsOption } from "../kit/options";
import type { Transform } from "../kit/transform";
import { transformOption } from "../kit/transform";

export interface AzureOptions {
  resourceGroupName?: pulumi.Input<string>;
  subnetId?: pulumi.Input<string>;
  virtualMachine?: Record<string, unknown>;
  /** Typed transforms of the Machine's own resources (see the kit's Transform). */
  transform?: AzureTransforms;
}

export interface AzureTransforms {
  virtualMachine?: Transform<VirtualMachineArgs>;
}

/** `providerOptions.azure`. */
export const azureOptions = defineOptions<AzureOptions>()({
  resourceGroupName: {
    type: "string",
    description: "an existing resource group the machine's resources go in",
    defaultText: "a resource group Machina makes, shared by the stack's machines in the region",
    input: true,
    check: matching(/^[\w.()-]{1,90}$/, {
      allowed: "an existing resource group name (letters, digits, _ . ( ) -, at most 90)",
      fix: "create it first or leave it out",
    }),
  },
  subnetId: {
    type: "string",
    description: "the subnet the network interface joins",
    defaultText: "a virtual network Machina makes, shared by the stack's machines in the region",
    input: true,
    check: matching(/^\/subscriptions\//, {
      allowed: "a subnet resource id (/subscriptions/.../subnets/...)",
      fix: "copy it from `az network vnet subnet show`",
    }),
  },
  virtualMachine: resourceArgsOption("virtualMachine", "azure-native.compute.VirtualMachineArgs", "{ ... }", false),
  transform: transformOption({ virtualMachine: "azure-native.compute.VirtualMachineArgs" }),
});

declare module "../../core/spec" {
  /** `providerOptions.azure`, typed once this provider's entry point is imported. */
  interface ProviderOptionsMap {
    azure?: AzureOptions;
  }
}
