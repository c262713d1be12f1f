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
): pulumi.Output<T> {
  return pulumi
    .all([pulumi.output(spec.sshKeys), pulumi.output(spec.userData)])
    .apply(([sshKeys, userData]) => build({ ...spec, sshKeys, userData }, userData)) as pulumi.Output<T>;
}

/** The spec's firewall rules with their sources known. */
export function firewallRules(spec: Pick<ResolvedMachineSpec, "firewall">): pulumi.Output<FirewallRule[]> {
  return pulumi.output(spec.firewall) as pulumi.Output<FirewallRule[]>;
}

/** The spec's labels with their values known. */
export function labelValues(spec: Pick<ResolvedMachineSpec, "labels">): pulumi.Output<Record<string, string>> {
  return pulumi.output(spec.labels);
}

/** Whether every rule's sources are known now: only then may a firewall be shared, keyed by its content. */
export function firewallKnown(spec: Pick<ResolvedMachineSpec, "firewall">): boolean {
  return spec.firewall.every((r) => Array.isArray(r.sources) && r.sources.every((s) => typeof s === "string"));
}
