/** An inbound rule as providers receive it: ports resolved, protocol and sources filled in. */
export type Protocol = "tcp" | "udp";

export interface FirewallRule {
  port: number;
  toPort: number;
  protocol: Protocol;
  sources: string[];
}
