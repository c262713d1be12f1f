/**
 * A Machine composes with other Pulumi resources: keys, label values, port sources and the options that
 * name a platform object take Outputs, reach the platform resources as the values they resolve to, and
 * a bad value only an Output reveals fails with the field named, before the platform resource is made.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { RecordedResource } from "../../dist/testing";
import { fakeProvider, installMachinaMocks, KEY_A, KEY_B, ofType, settle, valueOf } from "../../dist/testing";

let recorded: RecordedResource[];
let lib: typeof import("../../dist/index.js");
let pulumi: typeof import("@pulumi/pulumi");

// A failed Output rejects every Output derived from it; the engine reports it once, the mocks do not.
process.on("unhandledRejection", (reason) => {
  if (!(reason instanceof Error && reason.name === "ValidationError")) throw reason;
});

/** A resource of another package whose output is a public key, as a `tls.PrivateKey` gives one. */
let tlsKey: (name: string, publicKeyOpenssh: string) => import("@pulumi/pulumi").Output<string>;

beforeAll(async () => {
  recorded = installMachinaMocks({ project: "shop", stack: "production", config: { "machina:provider": "hetzner" } });
  lib = await import("../../dist/index.js");
  pulumi = await import("@pulumi/pulumi");
  class PrivateKey extends pulumi.CustomResource {
    declare readonly publicKeyOpenssh: import("@pulumi/pulumi").Output<string>;
    constructor(name: string, publicKeyOpenssh: string) {
      super("tls:index/privateKey:PrivateKey", name, { algorithm: "ED25519", publicKeyOpenssh });
    }
  }
  tlsKey = (name, key) => new PrivateKey(name, key).publicKeyOpenssh;
});

const outcome = (o: import("@pulumi/pulumi").Output<unknown>) =>
  new Promise<{ value?: unknown; error?: Error }>((resolve) => {
    o.apply((v) => resolve({ value: v }));
    (o as unknown as { promise(): Promise<unknown> }).promise().catch((e: Error) => resolve({ error: e }));
  });

const named = (type: string, name: string) => ofType(recorded, type).find((r) => r.name === name);
const text = (v: unknown) => JSON.stringify(v);

describe("hetzner: Outputs of other resources", () => {
  it("registers a tls key, a network id and secret user data as the values they resolve to", async () => {
    const { Network } = require("@pulumi/hcloud/network") as typeof import("@pulumi/hcloud/network");
    const net = new Network("lan", { ipRange: "10.0.0.0/16" });
    const m = new lib.Machine("h-web", {
      size: "small",
      sshKeys: [KEY_A, tlsKey("h-deploy", KEY_B)],
      userData: pulumi.secret("#cloud-config\nruncmd: [true]\n"),
      labels: { team: net.id.apply(() => "web") },
      ports: [{ port: 443, sources: [net.ipRange] }],
      providerOptions: { hetzner: { networkId: net.id.apply(Number) } },
    });
    await valueOf(m.id);
    await settle();
    const server = named("hcloud:index/server:Server", "h-web")!;
    const netId = Number(named("hcloud:index/network:Network", "lan")!.id);
    expect(server.inputs.networks).toEqual([{ networkId: netId }]);
    expect(server.inputs.labels).toEqual({ team: "web", "managed-by": "machina" });
    expect(text(server.inputs.userData)).toContain(KEY_A);
    expect(text(server.inputs.userData)).toContain(KEY_B.split(" ")[1]);
    expect(text(server.inputs.userData)).toContain("runcmd");
    // The sources came from an Output: the Machine's firewall is its own, not shared by content.
    const firewall = named("hcloud:index/firewall:Firewall", "h-web-firewall")!;
    expect(firewall.inputs.rules).toEqual([
      { direction: "in", protocol: "tcp", port: "22", sourceIps: ["0.0.0.0/0", "::/0"] },
      { direction: "in", protocol: "tcp", port: "443", sourceIps: ["10.0.0.0/16"] },
    ]);
  });

  it("gives a key given as an Output a key object of the Machine's own, and shares the plain one", async () => {
    const m = new lib.Machine("h-api", {
      size: "small",
      sshKeys: [KEY_A, tlsKey("h-api-key", KEY_B)],
      providerOptions: { hetzner: { sshKeysVia: "api" } },
    });
    await valueOf(m.id);
    await settle();
    const own = named("hcloud:index/sshKey:SshKey", "h-api-sshkey-1")!;
    expect(own.inputs).toMatchObject({ publicKey: KEY_B, name: "shop-production-h-api-1" });
    const shared = ofType(recorded, "hcloud:index/sshKey:SshKey").filter((k) => k.inputs.publicKey === KEY_A);
    expect(shared).toHaveLength(1);
    expect(shared[0].name).toMatch(/^machina-sshkey-/);
  });

  it.each([
    ["a label value", { labels: { team: "Web Team" } }, /bad-label\.labels\.team = "Web Team"/],
    ["a key", { sshKeys: ["not-a-key"] }, /bad-key\.sshKeys\[0\]/],
    ["port sources", { ports: [{ port: 443, sources: ["10.0.0.0/33"] }] }, /bad-sources\.ports\[0\]\.sources/],
    [
      "a network id",
      { providerOptions: { hetzner: { networkId: 1.5 } } },
      /bad-net\.providerOptions\.hetzner\.networkId/,
    ],
  ])("fails on %s that only an Output reveals, naming the field, before the server", async (_what, bad, message) => {
    const name = String(message.source.match(/^([a-z-]+)/)![1]);
    const late = <T>(v: T) => tlsKey(`${name}-src`, KEY_A).apply(() => v);
    const args: Record<string, unknown> = { size: "small" };
    if ("labels" in bad) args.labels = { team: late(bad.labels.team) };
    if ("sshKeys" in bad) args.sshKeys = [late(bad.sshKeys[0])];
    if ("ports" in bad) args.ports = [{ port: 443, sources: late(bad.ports[0].sources) }];
    if ("providerOptions" in bad)
      args.providerOptions = { hetzner: { networkId: late(bad.providerOptions.hetzner.networkId) } };
    const m = new lib.Machine(name, args);
    const result = await outcome(m.id);
    expect(result.error).toBeInstanceOf(lib.ValidationError);
    expect(result.error!.message).toMatch(message);
    await settle();
    expect(named("hcloud:index/server:Server", name), "no server was registered").toBeUndefined();
  });

  it("hides a private key an Output reveals", async () => {
    const m = new lib.Machine("bad-private", {
      size: "small",
      sshKeys: [tlsKey("bad-private-src", "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n")],
    });
    const result = await outcome(m.id);
    expect(result.error!.message).toMatch(/bad-private\.sshKeys\[0\] = <hidden>/);
    expect(result.error!.message).not.toContain("abc");
  });

  it("refuses at construction an Output for what decides which resources exist", () => {
    const later = pulumi.output("api");
    expect(
      () => new lib.Machine("plain-via", { providerOptions: { hetzner: { sshKeysVia: later as unknown as "api" } } }),
    ).toThrow(/plain-via\.providerOptions\.hetzner\.sshKeysVia = <an Output>: allowed a plain/);
    expect(() => new lib.Machine("plain-keys", { sshKeys: pulumi.output([KEY_A]) as unknown as string[] })).toThrow(
      /plain-keys\.sshKeys .*the list itself is plain/,
    );
  });
});

describe("aws: Outputs of other resources", () => {
  it("registers a subnet and VPC from SDK resources, a tls key and Output sources as their values", async () => {
    const { Vpc } = require("@pulumi/aws/ec2/vpc") as typeof import("@pulumi/aws/ec2/vpc");
    const { Subnet } = require("@pulumi/aws/ec2/subnet") as typeof import("@pulumi/aws/ec2/subnet");
    const vpc = new Vpc("main", { cidrBlock: "10.1.0.0/16" });
    const subnet = new Subnet("private", { vpcId: vpc.id, cidrBlock: "10.1.1.0/24" });

    const m = new lib.Machine("a-web", {
      provider: "aws",
      size: "small",
      sshKeys: [tlsKey("a-deploy", KEY_B)],
      ports: [{ port: 5432, sources: [vpc.cidrBlock] }],
      providerOptions: { aws: { vpcId: vpc.id, subnetId: subnet.id } },
    });
    await valueOf(m.id);
    await settle();
    const instance = named("aws:ec2/instance:Instance", "a-web")!;
    expect(instance.inputs.subnetId).toBe(named("aws:ec2/subnet:Subnet", "private")!.id);
    expect(instance.inputs.keyName).toBe("shop-production-a-web");
    expect(text(instance.inputs.userData)).toContain(KEY_B.split(" ")[1]);
    const group = named("aws:ec2/securityGroup:SecurityGroup", "a-web-sg")!;
    expect(group.inputs.vpcId).toBe(named("aws:ec2/vpc:Vpc", "main")!.id);
    expect(group.inputs.ingress).toContainEqual({
      protocol: "tcp",
      fromPort: 5432,
      toPort: 5432,
      cidrBlocks: ["10.1.0.0/16"],
      ipv6CidrBlocks: [],
      description: "machina",
    });
    // The first key came from an Output: the key pair is the Machine's own.
    expect(named("aws:ec2/keyPair:KeyPair", "a-web-key")!.inputs).toMatchObject({
      keyName: "shop-production-a-web",
      publicKey: KEY_B,
    });
  });

  it("fails on a subnet id that only the Output reveals, naming the field", async () => {
    const m = new lib.Machine("a-bad", {
      provider: "aws",
      size: "small",
      providerOptions: { aws: { vpcId: "vpc-0abc", subnetId: tlsKey("a-bad-src", KEY_A).apply(() => "sn-123") } },
    });
    const result = await outcome(m.id);
    expect(result.error!.message).toMatch(/a-bad\.providerOptions\.aws\.subnetId = "sn-123": allowed a subnet id/);
    await settle();
    expect(named("aws:ec2/instance:Instance", "a-bad")).toBeUndefined();
  });
});

describe("kubevirt: a namespace and a storage class from other resources", () => {
  /** A namespace as a `kubernetes.core.v1.Namespace` gives its name: known only once it exists. */
  const namespaceOf = (name: string, value: string) => tlsKey(`${name}-ns`, KEY_A).apply(() => value);

  it("reach the Secret, the VirtualMachine, its DataVolume and the Service", async () => {
    const m = new lib.Machine("kv-ns", {
      provider: "kubevirt",
      size: "small",
      image: { id: "https://images.example.org/debian-12.qcow2" },
      diskGiB: 20,
      ports: [80],
      providerOptions: {
        kubevirt: { namespace: namespaceOf("kv-ns", "vms"), storageClass: namespaceOf("kv-sc", "fast-ssd") },
      },
    });
    expect(await valueOf(m.id)).toEqual(expect.any(String));
    await settle();
    expect(named("kubernetes:core/v1:Secret", "kv-ns-cloudinit")!.inputs.metadata.namespace).toBe("vms");
    expect(named("kubernetes:core/v1:Service", "kv-ns-svc")!.inputs.metadata.namespace).toBe("vms");
    const vm = named("kubernetes:kubevirt.io/v1:VirtualMachine", "kv-ns")!.inputs;
    expect(vm.metadata.namespace).toBe("vms");
    expect(vm.spec.dataVolumeTemplates[0].spec.storage.storageClassName).toBe("fast-ssd");
  });

  it("fails on a namespace that only the Output reveals as invalid, naming the field", async () => {
    const m = new lib.Machine("kv-bad-ns", {
      provider: "kubevirt",
      size: "small",
      providerOptions: { kubevirt: { namespace: namespaceOf("kv-bad", "Not_A_Namespace") } },
    });
    const result = await outcome(m.id);
    expect(result.error!.message).toMatch(
      /kv-bad-ns\.providerOptions\.kubevirt\.namespace = "Not_A_Namespace": allowed a Kubernetes namespace name/,
    );
    await settle();
    expect(named("kubernetes:kubevirt.io/v1:VirtualMachine", "kv-bad-ns")).toBeUndefined();
  });
});

describe.each([
  ["gcp", "gcp:compute/instance:Instance"],
  ["azure", "azure-native:compute:VirtualMachine"],
  ["digitalocean", "digitalocean:index/droplet:Droplet"],
  ["proxmox", "proxmoxve:index/fileLegacy:FileLegacy"],
  ["kubevirt", "kubernetes:core/v1:Secret"],
  ["libvirt", "pulumi-nodejs:dynamic/machina:LibvirtMachine"],
  ["vsphere", "pulumi-nodejs:dynamic/machina:VsphereMachine"],
])("%s: a key given as an Output", (provider, carrier) => {
  it("reaches the machine's keys or user data", async () => {
    const name = `${provider}-tls`;
    const m = new lib.Machine(name, {
      provider,
      size: "small",
      sshKeys: [tlsKey(`${name}-key`, KEY_B)],
      userData: pulumi.secret("#cloud-config\nruncmd: [true]\n"),
      labels: { team: tlsKey(`${name}-label`, KEY_A).apply(() => "web") },
    });
    await valueOf(m.id);
    await settle();
    const mine = recorded.filter((r) => r.type === carrier && r.name.startsWith(name));
    expect(mine.length).toBeGreaterThan(0);
    expect(text(mine.map((r) => r.inputs))).toContain(KEY_B.split(" ")[1]);
  });
});

describe("a provider written for contract 1.0", () => {
  it("is never handed an Output: each is refused at construction, naming the field", () => {
    const old = fakeProvider("oldcloud", { contractVersion: "1.0" });
    expect(
      () =>
        new lib.Machine("old", {
          provider: old,
          sshKeys: [KEY_A, tlsKey("old-key", KEY_B)],
          labels: { team: pulumi.output("web") },
        }),
    ).toThrow(
      /old\.sshKeys\[1\] = <an Output>: allowed a plain value: provider oldcloud was written for contract 1\.0/,
    );
  });

  it("still takes plain values", async () => {
    const m = new lib.Machine("old-plain", {
      provider: fakeProvider("oldcloud2", { contractVersion: "1.0" }),
      sshKeys: [KEY_A],
    });
    expect(await valueOf(m.id)).toEqual(expect.any(String));
  });
});
