/**
 * Pulumi mocks for unit tests of programs that use Machina: every registration is recorded, and the
 * platform resources of each built-in provider answer with realistic state (addresses, ids, computed
 * fields), so a Machine's outputs resolve as they would on the platform.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Machine } from "../components/machine";
import type { Snapshot } from "../components/snapshot";

/**
 * Resource inputs as the mocks record them. They have every provider SDK's shape, so tests index them
 * freely; a wrong path reads undefined and the assertion on it fails.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the one untyped view, for the reasons above
export type RecordedInputs = Record<string, any>;

export interface RecordedResource {
  type: string;
  name: string;
  inputs: RecordedInputs;
  /** The serialized provider of a dynamic resource. */
  provider?: string;
  /** The explicit provider instance (`<urn>::<id>`) the resource was registered with, when it has one. */
  providerRef?: string;
  /** The id the mocks gave it. */
  id: string;
  /** The id it was registered to import (the `import` resource option), when it was. */
  importId?: string;
  /** Whether it was registered with `retainOnDelete: true`. */
  retainOnDelete: boolean;
  /** Its outputs as the mocks' platform returned them (its inputs and what the platform adds). */
  outputs: Record<string, unknown>;
}

let nextId = 1000;

/** Every invoke (data source call) the program made, in order. */
export const invokes: { token: string; inputs: RecordedInputs }[] = [];

/** Ids shaped as the platform shapes them, where Machina checks the shape of an id it is given. */
const ID_PREFIXES: Record<string, string> = {
  "aws:ec2/vpc:Vpc": "vpc-0",
  "aws:ec2/subnet:Subnet": "subnet-0",
  "aws:ec2/securityGroup:SecurityGroup": "sg-0",
};

/** Outputs a real platform would add, so the Machine's outputs have something to read. */
function platformState(type: string, name: string, id: string, inputs: RecordedInputs): Record<string, unknown> {
  const n = Number(id.replace(/^\D+/, "")) % 250;
  switch (type) {
    case "hcloud:index/server:Server":
      return {
        ipv4Address: `203.0.113.${n}`,
        ipv6Address: `2001:db8::${n}`,
        location: inputs.location ?? "fsn1",
        networks: [],
        status: "running",
      };
    case "digitalocean:index/droplet:Droplet":
      return {
        ipv4Address: `198.51.100.${n}`,
        ipv4AddressPrivate: `10.110.0.${n}`,
        ipv6Address: `2001:db8:1::${n}`,
        dropletUrn: `do:droplet:${id}`,
        vpcUuid: "vpc-1",
        status: "active",
      };
    case "digitalocean:index/sshKey:SshKey":
      return { fingerprint: `fp:${name}` };
    case "gcp:compute/instance:Instance":
      return {
        instanceId: `gce-${id}`,
        currentStatus: inputs.desiredStatus ?? "RUNNING",
        selfLink: `projects/p/zones/${inputs.zone}/instances/${inputs.name}`,
        networkInterfaces: (inputs.networkInterfaces ?? []).map((nic: RecordedInputs) => ({
          ...nic,
          networkIp: `10.128.0.${n}`,
          accessConfigs: (nic.accessConfigs ?? []).map((a: object) => ({ ...a, natIp: `34.0.0.${n}` })),
        })),
      };
    case "azure-native:resources:ResourceGroup":
      return { name: inputs.resourceGroupName };
    case "azure-native:network:PublicIPAddress":
      return { ipAddress: `20.0.0.${n}` };
    case "azure-native:network:NetworkInterface":
      return {
        ipConfigurations: (inputs.ipConfigurations ?? []).map((c: object) => ({
          ...c,
          privateIPAddress: `10.42.0.${n}`,
        })),
      };
    case "azure-native:compute:VirtualMachine":
      return {
        vmId: `vm-${id}`,
        provisioningState: "Succeeded",
        instanceView: { statuses: [{ code: "ProvisioningState/succeeded" }, { code: "PowerState/running" }] },
      };
    case "proxmoxve:index/vmLegacy:VmLegacy":
      return {
        vmId: 100 + n,
        started: inputs.started ?? true,
        ipv4Addresses: inputs.agent?.enabled && inputs.started !== false ? [["127.0.0.1"], [`192.168.50.${n}`]] : [],
      };
    case "kubernetes:core/v1:Service":
      return {
        spec: { ...inputs.spec, clusterIP: `10.96.0.${n}` },
        status: inputs.spec?.type === "LoadBalancer" ? { loadBalancer: { ingress: [{ ip: `198.18.0.${n}` }] } } : {},
      };
    case "kubernetes:snapshot.kubevirt.io/v1beta1:VirtualMachineSnapshot":
      return { metadata: { ...inputs.metadata, uid: `snapuid-${id}` } };
    case "kubernetes:kubevirt.io/v1:VirtualMachine":
      return {
        metadata: { ...inputs.metadata, uid: `uid-${id}` },
        status: { printableStatus: inputs.spec?.runStrategy === "Halted" ? "Stopped" : "Running" },
      };
    case "aws:ec2/instance:Instance":
      return {
        publicIp: `192.0.2.${n}`,
        privateIp: `172.31.0.${n}`,
        availabilityZone: "us-east-1a",
        subnetId: "subnet-default",
        keyName: "key",
      };
    case "pulumi-nodejs:dynamic/machina:LibvirtMachine":
      // Like the real provider: a free 127.0.0.1 port per published guest port, none equal to the guest port.
      return {
        uuid: `uuid-${id}`,
        acceleratorUsed: "qemu",
        state: inputs.powerState === "stopped" ? "shut off" : "running",
        privateIp: "10.0.2.15",
        sshHost: "127.0.0.1",
        sshPort: 40000 + n,
        forwardedPorts: Object.fromEntries(
          [{ protocol: "tcp", port: 22 }, ...(inputs.ports ?? [])].map(
            (p: { protocol: string; port: number }, i: number) => [
              `${p.protocol}/${p.port}`,
              p.port === 22 ? 40000 + n : 41000 + n * 16 + i,
            ],
          ),
        ),
        consoleLog: `/state/${name}/console.log`,
      };
    case "pulumi-nodejs:dynamic/machina:VsphereMachine":
      // What the provider reports once VMware Tools in the guest gave vCenter an address.
      return {
        moid: `vm-${id}`,
        instanceUuid: `4200${id}-0000-0000-0000-000000000000`,
        powerState: inputs.powerOn === false ? "poweredOff" : "poweredOn",
        ipAddress: inputs.powerOn === false ? undefined : `10.20.0.${n}`,
        placement: {
          datacenter: "DC0",
          folder: "/DC0/vm",
          resourcePool: "/DC0/host/C0/Resources",
          path: `/DC0/vm/${inputs.name}`,
        },
      };
    case "pulumi-nodejs:dynamic/machina:LibvirtSnapshot":
      return {
        sizeBytes: 52428800,
        virtualSizeBytes: 1073741824,
        takenAt: "2026-01-01T00:00:00.000Z",
        guestWasRunning: true,
        stopSeconds: 2,
        copySeconds: 1,
      };
    case "pulumi-nodejs:dynamic/machina:LibvirtBaseImage":
      return { image: { diskPath: "/cache/base.qcow2", diskFormat: "qcow2" } };
    default:
      return {};
  }
}

export interface MockOptions {
  project?: string;
  stack?: string;
  /** Stack config by full key (`machina:provider`). */
  config?: Record<string, string>;
  /** Sees every registration first; throws to refuse it as the platform would. */
  platform?: (type: string, inputs: RecordedInputs) => void;
  /**
   * What the platform computes for resources the mocks do not know (a provider package's own types):
   * returned fields are added to the resource's state, as the built-in providers' addresses and ids are.
   */
  platformState?: (
    type: string,
    name: string,
    id: string,
    inputs: RecordedInputs,
  ) => Record<string, unknown> | undefined;
}

/**
 * Installs Pulumi mocks that record every resource registered. Call it before importing anything
 * that registers resources (use `await import()` after it, or machinaUnderMocks).
 */
export function installMachinaMocks(options: MockOptions = {}): RecordedResource[] {
  const recorded: RecordedResource[] = [];
  // The mocks' newResource sees no resource options: the monitor's request, read just before, gives retainOnDelete.
  let retainOnDelete = false;
  pulumi.runtime.setAllConfig(options.config ?? {});
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        const id = `${ID_PREFIXES[args.type] ?? ""}${nextId++}`;
        const { __provider, ...inputs } = args.inputs;
        options.platform?.(args.type, inputs);
        const computed = {
          ...platformState(args.type, args.name, id, args.inputs),
          ...options.platformState?.(args.type, args.name, id, args.inputs),
        };
        const outputs = { ...args.inputs, ...computed };
        recorded.push({
          type: args.type,
          name: args.name,
          inputs,
          provider: __provider,
          providerRef: args.provider,
          id,
          ...(args.id ? { importId: args.id } : {}),
          retainOnDelete,
          outputs,
        });
        return { id, state: outputs };
      },
      call(args) {
        invokes.push({ token: args.token, inputs: args.inputs });
        // Invokes a platform answers: the AMI a lookup finds, the default VPC.
        if (args.token === "aws:ec2/getAmi:getAmi") {
          const arch = (args.inputs.filters as { name: string; values: string[] }[]).find(
            (f) => f.name === "architecture",
          )?.values[0];
          return { ...args.inputs, id: arch === "arm64" ? "ami-0a1b2c3d4e5f6a7b8" : "ami-0123456789abcdef0" };
        }
        if (args.token === "aws:ec2/getVpc:getVpc") return { ...args.inputs, id: "vpc-0default" };
        return args.inputs;
      },
    },
    options.project ?? "proj",
    options.stack ?? "test",
    false,
  );
  const monitor = (pulumi.runtime as unknown as { getMonitor(): Record<string, unknown> }).getMonitor();
  const register = monitor.registerResource as (req: { getRetainondelete(): boolean | undefined }, cb: unknown) => void;
  monitor.registerResource = (req: { getRetainondelete(): boolean | undefined }, cb: unknown) => {
    retainOnDelete = req.getRetainondelete() === true;
    return register.call(monitor, req, cb);
  };
  return recorded;
}

/** The value of an Output (mocks resolve everything; preview is off). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}

/** Lets pending registrations reach the mocks. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

export const ofType = (recorded: RecordedResource[], type: string) => recorded.filter((r) => r.type === type);

/** Two well-formed OpenSSH public keys for tests. */
export const KEY_A = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk3m0d0Zb8o9H0vJ3yqvY3wQmQ5b6r9fL3e0Jm1xYzA alice@laptop";
export const KEY_B = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB2q7cRrGk1m5n8Yx0pT3dVw9sL4uH6eZ1aC8bN2fQwE bob@desk";

/** The Machine component, loaded now: after the mocks are installed, as Pulumi requires. */
export function loadMachine(): typeof Machine {
  return (require("../components/machine") as typeof import("../components/machine")).Machine;
}

/** The Snapshot component, loaded now: after the mocks are installed, as Pulumi requires. */
export function loadSnapshot(): typeof Snapshot {
  return (require("../components/snapshot") as typeof import("../components/snapshot")).Snapshot;
}

/**
 * The one set-up of a unit test of Machines: installs the mocks (recording every registration) and
 * loads the Machine component after them. Call it at the top of a test file, before any Machine.
 */
export function machinaUnderMocks(options: MockOptions = {}): {
  recorded: RecordedResource[];
  Machine: typeof Machine;
} {
  const recorded = installMachinaMocks(options);
  return { recorded, Machine: loadMachine() };
}
