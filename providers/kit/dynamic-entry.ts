import * as pulumi from "@pulumi/pulumi";

/** The providers `pulumi-machina/internal/dynamic/v1` exports, by export name. */
export type DynamicEntry = "libvirtBaseImage" | "libvirtMachine" | "libvirtSnapshot" | "vsphereMachine" | "readiness";

/**
 * The source Pulumi's dynamic provider host runs to get the provider: a module whose `handler()`
 * returns it. The host reads it from the resource's `__provider` property, which the state keeps
 * twice (inputs and outputs); one line that requires the stable entry point by package name.
 */
export function dynamicProviderSource(entry: DynamicEntry): string {
  return `exports.handler = () => require("pulumi-machina/internal/dynamic/v1").${entry};\n`;
}

/**
 * A resource of one of Machina's dynamic providers. It is what `pulumi.dynamic.Resource` registers
 * (type `pulumi-nodejs:dynamic/machina:<type>`, the provider's source in `__provider`), with the source
 * written out instead of serialized from closures: Pulumi's closure serializer wraps each method in
 * about 270 bytes, 1.6 KB a resource, stored twice.
 */
export class DynamicEntryResource extends pulumi.CustomResource {
  constructor(
    entry: DynamicEntry,
    type: string,
    name: string,
    props: pulumi.Inputs,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(`pulumi-nodejs:dynamic/machina:${type}`, name, { ...props, __provider: dynamicProviderSource(entry) }, opts);
  }
}
