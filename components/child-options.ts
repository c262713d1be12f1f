import type * as pulumi from "@pulumi/pulumi";

/**
 * A Machine's `customTimeouts` and `deletedWith` as a user of a component expects them: on the resources
 * it makes, not only on the component (Pulumi does not pass them down by itself). A child's own value
 * wins. Other options Pulumi passes down already (provider, protect, transformations) or applies to
 * the component alone (dependsOn, ignoreChanges: documented as the Machine's own).
 */
export function withChildOptions(
  opts: pulumi.ComponentResourceOptions | undefined,
): pulumi.ComponentResourceOptions | undefined {
  if (!opts || (opts.customTimeouts === undefined && opts.deletedWith === undefined)) return opts;
  const { customTimeouts, deletedWith } = opts;
  const passDown: pulumi.ResourceTransformation = (args) => {
    if (args.type === "machina:index:Machine") return undefined;
    return {
      props: args.props,
      opts: {
        ...args.opts,
        ...(customTimeouts !== undefined && args.opts.customTimeouts === undefined ? { customTimeouts } : {}),
        ...(deletedWith !== undefined && args.opts.deletedWith === undefined ? { deletedWith } : {}),
      },
    };
  };
  return { ...opts, transformations: [...(opts.transformations ?? []), passDown] };
}
