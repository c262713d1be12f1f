import type * as pulumi from "@pulumi/pulumi";
import type { Arch } from "./arch";
import type { ProviderModule } from "./contract";
import type { Protocol } from "./firewall-rule";
import type { PowerState } from "./power";

export type SizeClass = "nano" | "micro" | "small" | "medium" | "large" | "xlarge";

/** A size: a class, a minimum of CPUs and memory (cheapest fit in the region), or a provider type. */
export type SizeSpec = SizeClass | { cpus: number; memoryGiB: number } | { type: string };

/** An image: an alias (`ubuntu-24.04`), a provider image id, or a snapshot. */
export type ImageSpec = string | { id: string; arch?: Arch } | { snapshot: string; arch?: Arch };

/** An inbound port: a number (TCP from anywhere) or a rule. */
export type PortSpec = number | { port: number; toPort?: number; protocol?: Protocol; sources?: string[] };

export interface ReadinessSpec {
  /** Port whose service must answer; 22 reads the SSH banner. */
  port?: number;
  timeoutSeconds?: number;
}

export interface MachineArgs {
  /** Provider name (`hetzner`), a third-party package name, or a module object; default: config `machina:provider`. */
  provider?: string | ProviderModule;
  size?: SizeSpec;
  arch?: Arch;
  image?: ImageSpec;
  /** Default: config `machina:region`, then the provider's default region. */
  region?: string;
  zone?: string;
  diskGiB?: number;
  /** Public keys (`ssh-ed25519 AAAA... comment`). */
  sshKeys?: string[];
  /** Cloud-init user data. May be a secret Output. */
  userData?: pulumi.Input<string>;
  labels?: Record<string, string>;
  ports?: PortSpec[];
  /** Open port 22 when `sshKeys` is set or `waitForReady` checks SSH (default true). */
  openSshPort?: boolean;
  publicIp?: boolean;
  waitForReady?: boolean | ReadinessSpec;
  /**
   * Running (default) or stopped, applied in place on providers with the power capability and refused
   * elsewhere. A stopped machine keeps its disk and skips the readiness check.
   */
  powerState?: PowerState;
  /** Per-provider escape hatch, keyed by provider name; each provider documents what it reads. */
  providerOptions?: Record<string, Record<string, unknown>>;
}
