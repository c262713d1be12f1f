import { homedir } from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { DynamicEntryResource } from "../kit/dynamic-entry";
import { sharedPerStack } from "../kit/shared";
import { isSecretConfigKey, secretIf } from "../kit/secret-config";
import { singlePorts } from "../kit/firewall";
import { cpusAndMemory } from "../../core/sizes";
import type { MachineResult, ResolvedMachineSpec } from "../../core/contract";
import { libvirtOptions } from "./options";
import type { BaseImage } from "./images";
import { SNAPSHOT_PREFIX } from "./images";
import type { MachineInputs } from "./machine-operations";
import { LIBVIRT_MACHINE_TYPE, libvirtPower, libvirtState } from "./power";
import type { AdoptedInputs } from "./adopted-domain";
import { adoptionOptions } from "../kit/adoption";
import { libvirtAdopt } from "./adopt";
import { machineStateOutput } from "../kit/machine-state";

export class LibvirtBaseImage extends DynamicEntryResource {
  declare readonly image: pulumi.Output<BaseImage>;
  constructor(
    name: string,
    args: { source: pulumi.Input<string>; checksum?: string },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super("libvirtBaseImage", "LibvirtBaseImage", name, { image: undefined, ...args }, opts);
  }
}

/** One base image per stack and source, shared by every machine built on it. */
function sharedBaseImage(image: string, checksum: string | undefined, parent: pulumi.Resource): LibvirtBaseImage {
  const source = { source: image, checksum };
  return sharedPerStack(
    "libvirt",
    "image",
    source,
    (name, _platformName, opts) => new LibvirtBaseImage(name, source, opts),
    { parent, type: "pulumi-nodejs:dynamic:Resource" },
  );
}

/** The machine's inputs as the dynamic provider receives them, with Outputs allowed where they arrive late. */
export type LibvirtMachineArgs = Omit<
  MachineInputs,
  "uri" | "image" | "userData" | "accelerator" | "sshKeys" | "labels"
> & {
  uri: pulumi.Input<string>;
  sshKeys: pulumi.Input<string>[];
  labels: Record<string, pulumi.Input<string>>;
  image: pulumi.Input<BaseImage>;
  userData?: pulumi.Input<string>;
  accelerator: string;
};

/** An adopted domain's inputs: what the Machine decides of a domain it did not make. */
export type AdoptedLibvirtArgs = Omit<AdoptedInputs, "uri" | "labels"> & {
  uri: pulumi.Input<string>;
  labels: Record<string, pulumi.Input<string>>;
};

export class LibvirtMachine extends DynamicEntryResource {
  /** The domain's name (an adopted one keeps its own). */
  declare readonly name: pulumi.Output<string>;
  declare readonly uuid: pulumi.Output<string>;
  declare readonly acceleratorUsed: pulumi.Output<"kvm" | "qemu">;
  declare readonly state: pulumi.Output<string>;
  declare readonly privateIp: pulumi.Output<string | undefined>;
  declare readonly sshHost: pulumi.Output<string | undefined>;
  declare readonly sshPort: pulumi.Output<number | undefined>;
  declare readonly forwardedPorts: pulumi.Output<Record<string, number>>;
  declare readonly consoleLog: pulumi.Output<string>;
  constructor(name: string, args: LibvirtMachineArgs | AdoptedLibvirtArgs, opts?: pulumi.CustomResourceOptions) {
    const outputs = {
      name: undefined,
      uuid: undefined,
      acceleratorUsed: undefined,
      state: undefined,
      privateIp: undefined,
      sshHost: undefined,
      sshPort: undefined,
      forwardedPorts: undefined,
      consoleLog: undefined,
    };
    super(
      "libvirtMachine",
      "LibvirtMachine",
      name,
      { ...outputs, ...args },
      {
        ...opts,
        additionalSecretOutputs: ["userData"],
      },
    );
  }
}

export function defaultStateDir(uri: string): string {
  if (uri.includes("/system")) return "/var/lib/machina/libvirt";
  return path.join(process.env.XDG_DATA_HOME ?? path.join(homedir(), ".local", "share"), "machina", "libvirt");
}

export function createLibvirtMachine(spec: ResolvedMachineSpec, parent: pulumi.Resource): MachineResult {
  const config = new pulumi.Config("libvirt");
  const options = libvirtOptions.read(spec);
  const uri = config.get("uri") ?? "qemu:///system";
  // A connection URI can carry credentials (a socket path, a key file, a user): set as a secret, it stays
  // one, and is left out of the details (a secret inside them would hide every output of the Machine).
  const uriIsSecret = isSecretConfigKey("libvirt:uri");
  const uriInput = secretIf(uriIsSecret, uri);
  if (spec.adopt) return adoptedMachine(spec, parent, uriInput, uriIsSecret ? undefined : uri);
  const network = options.network ?? config.get("network") ?? "default";
  const base =
    spec.image.kind === "snapshot"
      ? // A Snapshot's copy (and the kernel its machine booted), of this Machine's own: the disk is copied whole.
        new LibvirtBaseImage(
          `${spec.name}-snapshot-image`,
          { source: pulumi.output(spec.image.snapshot!).apply((id) => `${SNAPSHOT_PREFIX}${id}`) },
          { parent },
        )
      : sharedBaseImage(spec.image.id, options.imageChecksum, parent);
  const image = options.kernel ? base.image.apply((i) => ({ ...i, kernel: options.kernel })) : base.image;

  const machine = new LibvirtMachine(
    spec.name,
    {
      uri: uriInput,
      name: spec.platformName,
      hostname: spec.hostname,
      ...cpusAndMemory(spec.size),
      diskGiB: spec.diskGiB ?? 10,
      image,
      network,
      ports: network === "user" ? singlePorts(spec.firewall) : [],
      sshUser: spec.sshUser,
      sshKeys: spec.sshKeys,
      userData: spec.userData,
      accelerator: config.get("accelerator") ?? "auto",
      stateDir: config.get("stateDir") ?? defaultStateDir(uri),
      shutdownTimeoutSeconds: options.shutdownTimeoutSeconds,
      metadata: { project: pulumi.getProject(), stack: pulumi.getStack(), machine: spec.name },
      labels: spec.labels,
      ...libvirtPower(spec.powerState ?? "running").inputs,
    },
    { parent, dependsOn: [base] },
  );

  return {
    id: machine.uuid,
    state: machineStateOutput(machine.state, libvirtState),
    publicIp: undefined,
    privateIp: machine.privateIp,
    sshEndpoint: pulumi
      .all([machine.sshHost, machine.sshPort, machine.privateIp])
      .apply(([host, port, ip]) => (host && port ? { host, port } : ip ? { host: ip, port: 22 } : undefined)),
    portEndpoints: pulumi
      .all([machine.sshHost, machine.forwardedPorts])
      .apply(([host, forwards]) =>
        host
          ? Object.fromEntries(
              Object.entries(forwards ?? {}).map(([key, port]) => [key, { host, port, acceptsBeforeGuest: true }]),
            )
          : undefined,
      ),
    details: {
      accelerator: machine.acceleratorUsed,
      network,
      ...(uriIsSecret ? {} : { uri }),
      domain: spec.platformName,
      state: machine.state,
      forwardedPorts: machine.forwardedPorts,
      consoleLog: machine.consoleLog,
    },
  };
}

/**
 * A domain made outside Machina, taken over: no base image, disk or seed is made (user data and keys
 * are first-boot matters; it booted long ago); its dynamic resource records the domain, checks it
 * against the spec and from then on changes its vCPUs, memory and power state in place.
 */
function adoptedMachine(
  spec: ResolvedMachineSpec,
  parent: pulumi.Resource,
  uri: pulumi.Input<string>,
  plainUri: string | undefined,
): MachineResult {
  const options = libvirtOptions.read(spec);
  const machine = new LibvirtMachine(
    spec.name,
    {
      uri,
      adopt: spec.adopt!.id,
      ...cpusAndMemory(spec.size),
      shutdownTimeoutSeconds: options.shutdownTimeoutSeconds,
      metadata: { project: pulumi.getProject(), stack: pulumi.getStack(), machine: spec.name },
      labels: spec.labels,
      ...libvirtPower(spec.powerState ?? "running").inputs,
    },
    { parent, ...adoptionOptions(spec, libvirtAdopt, LIBVIRT_MACHINE_TYPE) },
  );
  return {
    id: machine.uuid,
    state: machineStateOutput(machine.state, libvirtState),
    publicIp: undefined,
    privateIp: machine.privateIp,
    sshEndpoint: machine.privateIp.apply((ip) => (ip ? { host: ip, port: 22 } : undefined)),
    details: {
      accelerator: machine.acceleratorUsed,
      ...(plainUri ? { uri: plainUri } : {}),
      domain: machine.name,
      adopted: true,
      state: machine.state,
    },
  };
}
