import type * as pulumi from "@pulumi/pulumi";

/** An inbound rule as providers receive it: ports resolved, protocol and sources filled in. */
export type Protocol = "tcp" | "udp";

export interface FirewallRule {
  port: number;
  toPort: number;
  protocol: Protocol;
  sources: string[];
}

/** A rule whose sources may still be an Output (from another resource); its ports are always known. */
export type FirewallRuleInput = Omit<FirewallRule, "sources"> & { sources: pulumi.Input<pulumi.Input<string>[]> };
