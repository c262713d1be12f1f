import type * as pulumi from "@pulumi/pulumi";
import type { Arch } from "./arch";
import type { ProviderModule } from "./contract";
import type { Protocol } from "./firewall-rule";
import type { PowerState } from "./power";

export type SizeClass = "nano" | "micro" | "small" | "medium" | "large" | "xlarge";

/** A size: a class, a minimum of CPUs and memory (cheapest fit in the region), or a provider type. */
export type SizeSpec = SizeClass | { cpus: number; memoryGiB: number } | { type: string };

/**
 * An image: an alias (`ubuntu-24.04`), a provider image id, or a snapshot to restore: a Snapshot's `id`
 * (`image: snap.image` is `{ snapshot: snap.id }`) or a plain id, on a provider with the snapshot capability.
 */
export type ImageSpec = string | { id: string; arch?: Arch } | { snapshot: pulumi.Input<string>; arch?: Arch };

/**
 * An inbound port: a number (TCP from anywhere) or a rule. The port numbers and protocol decide which
 * rules exist and stay plain; `sources` (CIDR blocks) may come from another resource.
 */
export type PortSpec =
  number | { port: number; toPort?: number; protocol?: Protocol; sources?: pulumi.Input<pulumi.Input<string>[]> };

export interface ReadinessSpec {
  /** Port whose service must answer; 22 reads the SSH banner. */
  port?: number;
  timeoutSeconds?: number;
}

/** `adopt` in its long form. */
export interface AdoptSpec {
  id: string;
  /** Leave the machine on the platform when the Machine is destroyed (default true). */
  retainOnDelete?: boolean;
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
  /**
   * Public keys (`ssh-ed25519 AAAA... comment`); each may be an Output (`tlsKey.publicKeyOpenssh`). The
   * list itself is plain: how many keys there are decides which resources exist.
   */
  sshKeys?: pulumi.Input<string>[];
  /** Cloud-init user data. May be a secret Output. */
  userData?: pulumi.Input<string>;
  /** Label keys are plain; each value may be an Output. */
  labels?: Record<string, pulumi.Input<string>>;
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
  /**
   * Take over a machine that exists already instead of creating one: its platform id (`machina info
   * <provider>` says which id; the providers with the adopt capability take it), or `{ id,
   * retainOnDelete }`. Destroying an adopted Machine leaves the machine where it is unless
   * `retainOnDelete` is false. The spec must describe the machine as it is: a difference is an error
   * naming the fields, never a replacement.
   */
  adopt?: string | AdoptSpec;
  /**
   * Per-provider options, keyed by provider name; each provider declares its options (`machina info
   * <provider>`). An option naming a platform object (a subnet, a network) may be an Output.
   */
  providerOptions?: ProviderOptionsMap;
}

/**
 * `providerOptions`, keyed by provider name. A built-in provider's entry point adds its typed entry
 * (`import type {} from "pulumi-machina/providers/aws"` types `providerOptions.aws` as `AwsOptions`,
 * with no cost at run time); any other key takes an object, for providers written elsewhere. The
 * root entry references no provider SDK's types.
 */
export interface ProviderOptionsMap {
  [provider: string]: object | undefined;
}
