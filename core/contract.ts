import type * as pulumi from "@pulumi/pulumi";
import type { FieldProblem } from "./errors";
import type { Arch } from "./arch";
import type { FirewallRuleInput } from "./firewall-rule";
import type { MachineState, PowerState } from "./power";

/** One instance type a provider sells. */
export interface CatalogSize {
  type: string;
  arch: Arch;
  cpus: number;
  memoryGiB: number;
  /** Local disk that comes with the type; absent where the disk is sized separately. */
  diskGiB?: number;
  /** Price per hour in the catalog's currency; 0 for local providers. */
  hourlyPrice: number;
  /** Regions that sell it; absent means every region of the catalog. */
  regions?: string[];
}

export interface CatalogRegion {
  id: string;
  name: string;
  zones?: string[];
}

/** Allowed label shape on a platform, checked before anything is created. */
export interface LabelRules {
  keyPattern: string;
  valuePattern: string;
  maxKeyLength: number;
  maxValueLength: number;
  maxCount: number;
  description: string;
}

export interface Catalog {
  /** When the prices and sizes were taken (ISO date) and from where. */
  pricesAsOf: string;
  source: string;
  currency: string;
  sizes: CatalogSize[];
  regions: CatalogRegion[];
  /**
   * Image alias -> architecture -> provider image id, or `lookup:<query>` for an image the module
   * finds at deploy time (and pins, and reports as the Machine's `image`).
   */
  images: Record<string, Partial<Record<Arch, string>>>;
  defaults: {
    region: string;
    image: string;
    sshUser: string;
    diskGiB?: number;
  };
  /** The login user of an image alias, where it is not `defaults.sshUser` (e.g. `ubuntu`, `admin`). */
  imageUsers?: Record<string, string>;
  /**
   * Largest user data the platform takes, in bytes, measured on what `platformUserData` returns: the
   * platform's own encoding (Azure's base64 customData) with Machina's parts merged in.
   */
  userDataMaxBytes: number;
  labelRules?: LabelRules;
}

/** Where a client of one guest port connects. */
export interface PortEndpoint {
  host: string;
  port: number;
  /**
   * The host side accepts connections before the guest does (QEMU's user-mode forward holds a
   * connection open while the guest is still booting): an open connection proves the port only once
   * the guest answers SSH.
   */
  acceptsBeforeGuest?: boolean;
}

/** A credential a provider needs, and the ways to supply it. */
export interface CredentialRequirement {
  name: string;
  /** Pulumi config keys that satisfy it (e.g. `hcloud:token`). */
  configKeys: string[];
  /** Environment variables that satisfy it. */
  envVars: string[];
  /** Files whose presence satisfies it (`~` is the home directory), e.g. a default kubeconfig. */
  files?: string[];
  /** Whether the value is a secret (default true): then it is set with `pulumi config set --secret`. */
  secret?: boolean;
  /** Further config keys of this credential that are always secrets (`aws:secretKey`): passed as secrets with `-c`. */
  secretConfigKeys?: string[];
  howTo: string;
}

export interface ToolRequirement {
  command: string;
  howTo: string;
}

export interface ProviderRequirements {
  /** The npm package of the provider's Pulumi SDK (an optional peer dependency of Machina). */
  sdkPackage?: string;
  credentials: CredentialRequirement[];
  tools: ToolRequirement[];
}

/**
 * Facts about the platform that a module declares, because nothing in the module shows them. Each one is
 * exercised by a case of the contract suite.
 */
export interface PlatformFacts {
  /** A machine gets a public address unless its spec says `publicIp: false`. */
  publicIp: boolean;
  /** The spec's ports are opened in a firewall the module manages; without one, ports are refused at validation. */
  firewall: boolean;
  /** A size change updates the machine (perhaps with a restart) instead of replacing it. */
  resizeInPlace: boolean;
}

/**
 * Everything a provider can do, in one form: the platform facts it declares, the day-two operations it
 * exports (one capability of the same name each), and `arm64`/`regions` computed from its catalog.
 * Never hand-set: `capabilitiesOf(module)` derives it.
 */
export interface ProviderCapabilities extends PlatformFacts {
  /** The module exports `power`: `powerState` stops and starts machines in place. */
  power: boolean;
  /** The module exports `snapshot`. */
  snapshot: boolean;
  /** The module exports `adopt`: an existing machine can become a Machine without being recreated. */
  adopt: boolean;
  /** The module exports `state`: the machine's live state can be read. */
  state: boolean;
  /** The catalog sells arm64 sizes. */
  arm64: boolean;
  /** The catalog has more than one region to choose from (false for a local hypervisor or one cluster). */
  regions: boolean;
}

/**
 * A day-two operation. The names are reserved by the contract; their signatures are defined when the
 * first module implements them. Exporting one gives the module the capability of the same name.
 */
export type DayTwoOperation = (...args: never[]) => unknown;

/**
 * Where a power state lives on the platform: the resource type `create` registers that carries it, and
 * its inputs for that state by path (`desiredStatus`, `spec.runStrategy`); an input that is undefined is
 * left out. The power is applied in place: those inputs are the only ones that differ between the states.
 */
export interface PowerInputs {
  type: string;
  inputs: Record<string, unknown>;
}

/**
 * The `power` operation: what `create` sets for a power state (pure; loads no SDK). Exporting it is the
 * promise that `create` applies `spec.powerState` in place.
 */
export type PowerOperation = (state: PowerState) => PowerInputs;

/** The machine a snapshot is taken of: what its module made of it. */
export interface SnapshotSource {
  /** The Machine's resolved spec (its provider options included). */
  spec: ResolvedMachineSpec;
  /** The platform's id of the machine (the Machine's `id`). */
  id: pulumi.Output<string>;
  details: pulumi.Output<Record<string, unknown>>;
  /** The Machine component: the snapshot's resources depend on it. */
  machine: pulumi.Resource;
}

/** What the `snapshot` operation is asked to make. */
export interface SnapshotRequest {
  /** The Snapshot's Pulumi resource name. */
  name: string;
  /** Deterministic platform name: stack and Snapshot, so a re-run finds what an interrupted run made. */
  platformName: string;
  /** The labels every platform object carries (Machina's managed labels and the Snapshot's own). */
  labels: Record<string, pulumi.Input<string>>;
  source: SnapshotSource;
}

export interface SnapshotResult {
  /** The id a restoring Machine passes as `image: { snapshot: id }`. */
  id: pulumi.Input<string>;
  /** Provider-specific facts (size, the platform's name for it, where it is kept). */
  details: pulumi.Input<Record<string, unknown>>;
}

/**
 * The `snapshot` operation: registers, under `parent`, the platform's copy of the source machine's disk
 * (a consistent one: taken with the guest stopped or frozen). Exporting it is the promise that `create`
 * restores a spec whose `image.kind` is `snapshot` from the id it returns, and that deleting the
 * Snapshot deletes the platform's copy.
 */
export type SnapshotOperation = (request: SnapshotRequest, parent: pulumi.Resource) => SnapshotResult;

/** Which resource of `create` an adopted machine is imported into, and the id Pulumi's `import` takes. */
export interface AdoptionPlan {
  /** The Pulumi type of the resource `create` registers with `import: importId`. */
  type: string;
  importId: string;
  /**
   * For a resource Pulumi cannot import (a dynamic provider's: the engine's import calls its `read`
   * without the serialized provider, pulumi/pulumi#16175): the input of that resource that carries
   * `importId` instead of the `import` option, and whose provider's `create` takes the machine over
   * (checking that it matches the inputs) instead of making one. Absent: Pulumi's `import` option.
   */
  input?: string;
}

/**
 * The `adopt` operation: checks a platform id and says which resource `create` imports (pure; loads no
 * SDK): problems for an id the platform cannot have. Exporting it is the promise that `create`, given
 * `spec.adopt`, imports that machine instead of creating one, and never replaces or deletes it.
 */
export type AdoptOperation = (platformId: string, spec: ResolvedMachineSpec) => AdoptionPlan | FieldProblem[];

/**
 * The `state` operation: the machine's live state read from the outputs of one resource `create`
 * registers (pure; loads no SDK), or undefined for a resource that does not carry it. `machina status
 * --live` gives it each resource as a refresh reads it from the platform; exporting it is the promise
 * that the resource carrying the result's `state` is answered the same way.
 */
export type StateOperation = (resourceType: string, outputs: Record<string, unknown>) => MachineState | undefined;

/** Why an option's value is refused: what is allowed and how to fix it. */
export interface OptionRefusal {
  allowed: string;
  fix: string;
}

/** One option of `providerOptions.<provider>`, declared once: validation, defaults and `machina info` come from it. */
export interface ProviderOption<T = unknown> {
  /** The type as `machina info` prints it: `string`, `integer`, `object (hcloud.ServerArgs)`. */
  type: string;
  description: string;
  /** The value used when the option is not set. */
  default?: T;
  /** Where the value comes from when it is not set and no fixed default says it (`libvirt:network, else "default"`). */
  defaultText?: string;
  /** Why a set value is refused, or undefined when it is fine; never called with undefined. Pure. */
  check?(value: unknown): OptionRefusal | undefined;
  /**
   * The option names a platform object (a subnet, a network) and may be an Output: it is checked when it
   * resolves, and the module passes it on as a `pulumi.Input`. Without it, an Output is refused: the
   * option decides which resources exist, so its value must be known when the program runs.
   */
  input?: boolean;
}

/** Every option a provider takes, by name, in the order `machina info` prints them. */
export type ProviderOptionSchema = Record<string, ProviderOption>;

/** Rules several providers share, stated as data and checked once by core (core/provider-rules.ts). */
export interface ProviderRules {
  /**
   * Sizes are made to measure: a `{ type }` outside the catalog must be `<cpus>cpu-<memory>gb` (a
   * hypervisor). Without it, a type outside the catalog passes through to the platform as its own type.
   */
  customShapes?: boolean;
  /** The widest port range one rule may open, and why (each port becomes a forward or a Service port of its own). */
  maxPortRange?: { ports: number; reason: string };
}

/** The provider-agnostic machine after validation and resolution: what a module builds. */
export interface ResolvedMachineSpec {
  /** The Machine's Pulumi resource name. */
  name: string;
  /** A platform-safe host name derived from `name`. */
  hostname: string;
  /** Deterministic platform name: stack and Machine, so a re-run finds what an interrupted run made. */
  platformName: string;
  region: string;
  zone?: string;
  arch: Arch;
  size: { type: string; cpus?: number; memoryGiB?: number; diskGiB?: number; fromCatalog: boolean };
  /**
   * For kind `snapshot` (contract 1.2), `snapshot` is the id to restore from, as a Snapshot's `id`
   * Output or a plain id, and `id` is that id when plain, else the Snapshot's name (for messages).
   */
  image: { id: string; alias?: string; kind: "alias" | "id" | "snapshot"; snapshot?: pulumi.Input<string> };
  diskGiB?: number;
  /** Each key a string, or an Output already checked to resolve to a valid key (see SettledSpec). */
  sshKeys: pulumi.Input<string>[];
  sshUser: string;
  userData?: pulumi.Input<string>;
  /** Values may be Outputs, checked when they resolve; resource arguments take them as they are. */
  labels: Record<string, pulumi.Input<string>>;
  firewall: FirewallRuleInput[];
  /** The rules of `ports` as the user gave them, without the SSH and readiness ports Machina adds. */
  requestedFirewall: FirewallRuleInput[];
  publicIp: boolean;
  /**
   * This provider's entry of the spec's `providerOptions`; read it through the module's options
   * declaration. An option declared `input` may hold an Output, already checked to resolve to a valid value.
   */
  options: Record<string, unknown>;
  /**
   * Running or stopped (contract 1.1). Always `running` for a module that does not export `power`;
   * absent from specs built by hand for 1.0 modules, where it means running.
   */
  powerState?: PowerState;
  /**
   * An existing machine this Machine takes over instead of creating one (contract 1.2; only for a
   * module that exports `adopt`): its platform id, and whether destroying the Machine leaves the
   * machine where it is (the default).
   */
  adopt?: { id: string; retainOnDelete: boolean };
}

/**
 * A resolved spec once its keys and user data are known: what a platform's user data is built from
 * (`withKeys(spec, build)` in the provider kit calls `build` with it inside an Output). Labels and
 * firewall sources may still be Inputs (`firewallRules(spec)` in the kit settles those).
 */
export type SettledSpec = Omit<ResolvedMachineSpec, "sshKeys" | "userData"> & {
  sshKeys: string[];
  userData?: string;
};

/** What every provider module returns; Machine turns it into its uniform outputs. */
export interface MachineResult {
  id: pulumi.Input<string>;
  /** The image id the platform resolved (an AMI found by lookup), when it is not the spec's id. */
  image?: pulumi.Input<string>;
  publicIp: pulumi.Input<string | undefined>;
  privateIp: pulumi.Input<string | undefined>;
  /** Host and port an SSH client (and the readiness check) should use, when they differ from publicIp:22. */
  sshEndpoint?: pulumi.Input<{ host: string; port: number } | undefined>;
  /**
   * Where a client of each guest port connects (`tcp/8080` -> host and port), when that is not the
   * machine's address and the same port: a forward on 127.0.0.1, a load balancer. Readiness probes here.
   */
  portEndpoints?: pulumi.Input<Record<string, PortEndpoint> | undefined>;
  details: pulumi.Input<Record<string, unknown>>;
  /**
   * The machine's state as the platform last reported it, mapped (`machineStateFrom`) to the uniform
   * states; absent, or anything else, the Machine's `state` is `unknown` (contract 1.1).
   */
  state?: pulumi.Input<MachineState | undefined>;
}

/** What a provider's `validate` may read besides the spec. */
export interface ProviderValidationContext {
  /** The stack's config by full key (`libvirt:network`); undefined when unset or unknown here. */
  config(key: string): string | undefined;
}

/** What `machina validate` tells a probe: the stack's plain config, and the image ids its machines use. */
export interface ProbeContext extends ProviderValidationContext {
  images: string[];
}

/** What a provider's probe learnt of its platform. */
export interface PlatformProbe {
  problems: string[];
  facts: string[];
}

export interface ProviderModule {
  /**
   * The contract version the module was written for (`CONTRACT_VERSION` then). Required for a provider
   * outside Machina (an npm package, `registerProvider`): the registry refuses one this Machina does not speak.
   */
  contractVersion?: string;
  name: string;
  description: string;
  requirements: ProviderRequirements;
  /** What the platform does that the module cannot show; the other capabilities are derived. */
  platformFacts: PlatformFacts;
  catalog: Catalog;
  /**
   * The options of `providerOptions.<name>`. Core refuses an option not declared here and each value its
   * check refuses, before `validate` runs. Absent: the module takes its options unchecked.
   */
  options?: ProviderOptionSchema;
  /** Shared rules this provider follows, checked by core. */
  rules?: ProviderRules;
  /**
   * Provider-specific checks of a resolved spec (its `options` entry included); returns problems,
   * empty when fine. Runs before anything is created.
   */
  validate?(spec: ResolvedMachineSpec, context: ProviderValidationContext): FieldProblem[];
  /**
   * Asks the platform whether it can host machines (e.g. the KubeVirt CRDs exist): problems, each
   * naming its fix, and facts worth showing (versions, enabled features, or why it was not checked).
   * Used by `machina validate`; never run by Machine.
   */
  probe?(context?: ProbeContext): Promise<PlatformProbe>;
  create(spec: ResolvedMachineSpec, parent: pulumi.Resource): MachineResult;
  /**
   * The exact bytes the platform receives for this spec, Machina's parts merged in; undefined when
   * none is sent. `create` sends what this returns, and the size check measures it. Pure: it must not
   * load the provider's SDK. Absent, the user data is taken to be sent as is.
   */
  platformUserData?(spec: SettledSpec, userData: string | undefined): string | undefined;
  /**
   * Resource types whose create, when interrupted, the next create cleans up by itself (it finds
   * what it left by a deterministic name): the CLI may clear their pending creates after a killed run.
   */
  selfHealingResourceTypes?: string[];
  /** Day-two operations: each one exported is a capability (see ProviderCapabilities). */
  power?: PowerOperation;
  snapshot?: SnapshotOperation;
  adopt?: AdoptOperation;
  state?: StateOperation;
}
