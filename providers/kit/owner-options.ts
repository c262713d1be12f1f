import type * as pulumi from "@pulumi/pulumi";

/**
 * The resource options each Machine was given, recorded by the Machine so that the kit can make shared
 * resources as protective as the Machines that share them. Pulumi keeps no public record of them.
 */
const recorded = new WeakMap<pulumi.Resource, pulumi.ComponentResourceOptions>();

export function recordOwnerOptions(owner: pulumi.Resource, opts: pulumi.ComponentResourceOptions | undefined): void {
  recorded.set(owner, opts ?? {});
}

/** Whether the owner, or a component above it, asked for `protect` / `retainOnDelete`. */
export function ownerProtection(owner: pulumi.Resource): { protect: boolean; retainOnDelete: boolean } {
  const opts = recorded.get(owner) ?? {};
  // Pulumi passes a parent's protect down to its children; the Machine's own resolved value says it.
  const inherited = (owner as unknown as { __protect?: boolean }).__protect;
  return { protect: opts.protect === true || inherited === true, retainOnDelete: opts.retainOnDelete === true };
}
