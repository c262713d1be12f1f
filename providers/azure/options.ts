import type * as pulumi from "@pulumi/pulumi";
import { defineOptions, matching, resourceArgsOption } from "../kit/options";

export interface AzureOptions {
  resourceGroupName?: pulumi.Input<string>;
  subnetId?: pulumi.Input<string>;
  virtualMachine?: Record<string, unknown>;
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
});

declare module "../../core/spec" {
  /** `providerOptions.azure`, typed once this provider's entry point is imported. */
  interface ProviderOptionsMap {
    azure?: AzureOptions;
  }
}
