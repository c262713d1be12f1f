import type { FirewallRule, Protocol } from "../../core/firewall-rule";

/** A rule's ports as platforms write them: `443` or `8000-8100`. */
export function portRange(rule: Pick<FirewallRule, "port" | "toPort">): string {
  return rule.port === rule.toPort ? String(rule.port) : `${rule.port}-${rule.toPort}`;
}

/** Every single port the rules open, for platforms that publish ports one by one. */
export function singlePorts(
  rules: Pick<FirewallRule, "port" | "toPort" | "protocol">[],
): { protocol: Protocol; port: number }[] {
  return rules.flatMap((r) =>
    Array.from({ length: r.toPort - r.port + 1 }, (_, i) => ({ protocol: r.protocol, port: r.port + i })),
  );
}
