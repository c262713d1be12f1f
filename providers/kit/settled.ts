/** Values of a resolved spec that may still be Outputs, settled for the code that computes with them. */
import * as pulumi from "@pulumi/pulumi";
import type { ResolvedMachineSpec, SettledSpec } from "../../core/contract";
import type { FirewallRule } from "../../core/firewall-rule";

/**
 * `build(spec, userData)` once the spec's keys and user data are known: how a module makes the user data
 * it sends. Secret user data (or a secret key) keeps the result secret.
 */
export function withKeys<T>(
  spec: ResolvedMachineSpec,
  build: (settled: SettledSpec, userData: string | undefined) => T,
): pulumi.Input<T> {
  // Keys and user data known now (the usual case): a plain value, which the resource registers exactly
  // as it would a known Output of it, without that Output's promises (they add up at a thousand Machines).
  if (spec.sshKeys.every((k) => typeof k === "string")) {
    const userData = spec.userData;
    if (userData === undefined || typeof userData === "string")
      return build({ ...(spec as SettledSpec), userData }, userData);
    return pulumi.output(userData).apply((settled) => build({ ...(spec as SettledSpec), userData: settled }, settled));
  }
  return pulumi
    .all([pulumi.output(spec.sshKeys), pulumi.output(spec.userData)])
    .apply(([sshKeys, userData]) => build({ ...spec, sshKeys, userData }, userData)) as pulumi.Output<T>;
}

/** Whether every rule's sources are known now: only then may a firewall be shared, keyed by its content. */
export function firewallKnown(spec: Pick<ResolvedMachineSpec, "firewall">): boolean {
  return spec.firewall.every((r) => Array.isArray(r.sources) && r.sources.every((s) => typeof s === "string"));
}

/** `convert` of the spec's firewall rules, their sources known: a plain value when they are known now. */
export function firewallRules<T>(
  spec: Pick<ResolvedMachineSpec, "firewall">,
  convert: (rules: FirewallRule[]) => T,
): pulumi.Input<T> {
  if (firewallKnown(spec)) return convert(spec.firewall as FirewallRule[]);
  return (pulumi.output(spec.firewall) as pulumi.Output<FirewallRule[]>).apply(convert) as pulumi.Output<T>;
}

/** `convert` of the spec's labels, their values known: a plain value when they are known now. */
export function labelValues<T>(
  spec: Pick<ResolvedMachineSpec, "labels">,
  convert: (labels: Record<string, string>) => T,
): pulumi.Input<T> {
  if (Object.values(spec.labels).every((v) => typeof v === "string"))
    return convert(spec.labels as Record<string, string>);
  return pulumi.output(spec.labels).apply(convert) as pulumi.Output<T>;
}
