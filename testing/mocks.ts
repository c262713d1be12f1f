/**
 * `pulumi-machina/testing`: Pulumi mocks that answer like the platforms do, for unit tests of programs
 * that use Machina. Plain `setMocks` echoes inputs back, so a Machine's `publicIp` is undefined and a
 * Hetzner firewall id is not a number; these mocks add what each platform computes (ids, addresses,
 * zones) for every built-in provider, and record every resource and invoke for assertions.
 * Loading this module loads `@pulumi/pulumi` and no provider SDK.
 */
import * as pulumi from "@pulumi/pulumi";

/**
 * Resource inputs as the mocks record them. They have every provider SDK's shape, so tests index them
 * freely; a wrong path reads undefined and the assertion on it fails.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- every platform SDK's input shape, read by path
export type RecordedInputs = Record<string, any>;

export interface RecordedResource {
  type: string;
  name: string;
  inputs: RecordedInputs;
  /** The serialized provider of a dynamic resource. */
  provider?: string;
  /** The id the mocks gave it. */
  id: string;
}

export interface RecordedInvoke {
  token: string;
  inputs: RecordedInputs;
}

let nextId = 1000;

/** Outputs a real platform would add, so the Machine's outputs have something to read. */
function platformState(type: string, name: string, id: string, inputs: RecordedInputs): Record<string, unknown> {
  const n = Number(id) % 250;
  switch (type) {
    case "hcloud:index/server:Server":
      return {
        ipv4Address: `203.0.113.${n}`,
        ipv6Address: `2001:db8::${n}`,
        datacenter: "fsn1-dc14",
        location: "fsn1",
        networks: [],
      };
    case "digitalocean:index/droplet:Droplet":
      return {
        ipv4Address: `198.51.100.${n}`,
        ipv4AddressPrivate: `10.110.0.${n}`,
        ipv6Address: `2001:db8:1::${n}`,
        dropletUrn: `do:droplet:${id}`,
        vpcUuid: "vpc-1",
      };
    case "digitalocean:index/sshKey:SshKey":
      return { fingerprint: `fp:${name}` };
    case "gcp:compute/instance:Instance":
      return {
        instanceId: `gce-${id}`,
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
      return { vmId: `vm-${id}` };
    case "proxmoxve:index/vmLegacy:VmLegacy":
      return { vmId: 100 + n, ipv4Addresses: inputs.agent?.enabled ? [["127.0.0.1"], [`192.168.50.${n}`]] : [] };
    case "kubernetes:core/v1:Service":
      return {
        spec: { ...inputs.spec, clusterIP: `10.96.0.${n}` },
        status: inputs.spec?.type === "LoadBalancer" ? { loadBalancer: { ingress: [{ ip: `198.18.0.${n}` }] } } : {},
      };
    case "kubernetes:kubevirt.io/v1:VirtualMachine":
      return { metadata: { ...inputs.metadata, uid: `uid-${id}` } };
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
        state: "running",
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
    case "pulumi-nodejs:dynamic/machina:LibvirtBaseImage":
      return { image: { diskPath: "/cache/base.qcow2", diskFormat: "qcow2" } };
    default:
      return {};
  }
}

export interface MachinaMockOptions {
  /** Default `project`. */
  project?: string;
  /** Default `test`. */
  stack?: string;
  /** Stack config, e.g. `{ "machina:provider": "hetzner", "hcloud:token": "x" }`. */
  config?: Record<string, string>;
  /** Sees every registration first; throws to refuse it as the platform would. */
  platform?: (type: string, inputs: RecordedInputs) => void;
}

export interface MachinaMocks {
  /** Every resource registered, in order. */
  resources: RecordedResource[];
  /** Every invoke (data source call) the program made, in order. */
  invokes: RecordedInvoke[];
  /** The recorded resources of one Pulumi type, e.g. `hcloud:index/server:Server`. */
  ofType(type: string): RecordedResource[];
}

/**
 * Installs Pulumi mocks that answer like the platforms and record what the program registers. Call it
 * before loading anything that registers resources (load your program with `await import()` or
 * `require` after it).
 */
export function installMachinaMocks(options: MachinaMockOptions = {}): MachinaMocks {
  const resources: RecordedResource[] = [];
  const invokes: RecordedInvoke[] = [];
  pulumi.runtime.setAllConfig(options.config ?? {});
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        const id = String(nextId++);
        const { __provider, ...inputs } = args.inputs;
        options.platform?.(args.type, inputs);
        resources.push({ type: args.type, name: args.name, inputs, provider: __provider, id });
        return { id, state: { ...args.inputs, ...platformState(args.type, args.name, id, args.inputs) } };
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
    options.project ?? "project",
    options.stack ?? "test",
    false,
  );
  return { resources, invokes, ofType: (type) => resources.filter((r) => r.type === type) };
}

/** The value of an Output (mocks resolve everything; preview is off). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}

/** Lets pending registrations reach the mocks. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}
