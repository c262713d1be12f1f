/**
 * Typed transforms of the resources a Machine makes, as SST's `transform` does: for each resource a
 * module names, a function over its arguments and options (change them in place), or an object of
 * arguments merged over Machina's. Each provider exports its transforms' types from
 * `pulumi-machina/providers/<name>` only, so the root entry references no SDK.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ProviderOption } from "../../core/contract";

/** A transform of one resource: change `args` and `opts` in place, or give arguments to merge over Machina's. */
export type Transform<Args> = Partial<Args> | ((args: Args, opts: pulumi.CustomResourceOptions, name: string) => void);

/** The resource's name, arguments and options after the transform (the inputs are never changed). */
export function transformed<Args extends object>(
  transform: Transform<Args> | undefined,
  name: string,
  args: Args,
  opts: pulumi.CustomResourceOptions,
): [string, Args, pulumi.CustomResourceOptions] {
  if (transform === undefined) return [name, args, opts];
  const nextArgs = { ...args };
  const nextOpts = { ...opts };
  if (typeof transform === "function") transform(nextArgs, nextOpts, name);
  else Object.assign(nextArgs, transform);
  return [name, nextArgs, nextOpts];
}

/** The `transform` option, naming the resources a module lets the user transform. */
export function transformOption<T = never>(resources: Record<string, string>): ProviderOption<T> {
  const names = Object.keys(resources);
  return {
    type: `{ ${names.map((n) => `${n}?: Transform<${resources[n]}>`).join("; ")} }`,
    description: `functions over (args, opts, name) of the Machine's own ${names.join(", ")}, or objects merged over their arguments`,
    check: (value) =>
      typeof value === "object" &&
      value !== null &&
      Object.entries(value).every(
        ([k, v]) => names.includes(k) && (typeof v === "function" || (typeof v === "object" && v !== null)),
      )
        ? undefined
        : {
            allowed: `an object with ${names.join(", ")}, each a function (args, opts, name) or an object of arguments`,
            fix: `write transform: { ${names[0]}: (args) => { ... } }`,
          },
  };
}
