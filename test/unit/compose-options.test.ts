/**
 * Resource options reach what a Machine makes, shared resources included: an explicit provider decides
 * the provider of every child, shared resources are shared only among Machines on one provider instance
 * and sit under one `machina:index:Shared` component (aliased from the stack's root, where earlier
 * releases made them), and protection reaches every child.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { RecordedResource } from "../../dist/testing";
import { installMachinaMocks, KEY_A, KEY_B, ofType, settle, valueOf } from "../../dist/testing";

let recorded: RecordedResource[];
let lib: typeof import("../../dist/index.js");
let pulumi: typeof import("@pulumi/pulumi");
/** Every resource object the program made, as a stack transformation sees them. */
const made: { type: string; name: string; resource: import("@pulumi/pulumi").Resource }[] = [];

const SSH_KEY = "hcloud:index/sshKey:SshKey";
const FIREWALL = "hcloud:index/firewall:Firewall";
const SERVER = "hcloud:index/server:Server";
const viaApi = { hetzner: { sshKeysVia: "api" as const } };

beforeAll(async () => {
  recorded = installMachinaMocks({ project: "shop", stack: "production", config: { "machina:provider": "hetzner" } });
  lib = await import("../../dist/index.js");
  pulumi = await import("@pulumi/pulumi");
  // A root stack, as the engine makes one, so that a stack transformation sees every resource.
  await pulumi.runtime.runInPulumiStack(async () => undefined);
  pulumi.runtime.registerStackTransformation((args) => {
    made.push({ type: args.type, name: args.name, resource: args.resource });
    return undefined;
  });
});

const internal = (r: import("@pulumi/pulumi").Resource) =>
  r as unknown as { __protect?: boolean; __aliases?: import("@pulumi/pulumi").Output<string>[] };
const resourceNamed = (name: string) => made.find((m) => m.name === name)!.resource;

describe("explicit providers", () => {
  it("make one key and firewall set per provider instance, each on its Machine's provider", async () => {
    const { Provider } = require("@pulumi/hcloud/provider") as typeof import("@pulumi/hcloud/provider");
    const prod = new Provider("prod-account", { token: "a".repeat(64) });
    const staging = new Provider("staging-account", { token: "b".repeat(64) });
    const a = new lib.Machine(
      "p-one",
      { size: "small", sshKeys: [KEY_A], ports: [443], providerOptions: viaApi },
      { providers: [prod] },
    );
    const b = new lib.Machine(
      "p-two",
      { size: "small", sshKeys: [KEY_A], ports: [443], providerOptions: viaApi },
      { provider: staging },
    );
    await Promise.all([valueOf(a.id), valueOf(b.id)]);
    await settle();
    const prodRef = `${await valueOf(prod.urn)}::${await valueOf(prod.id)}`;
    const stagingRef = `${await valueOf(staging.urn)}::${await valueOf(staging.id)}`;
    const keys = ofType(recorded, SSH_KEY).filter((k) => k.inputs.publicKey === KEY_A && k.providerRef);
    expect(keys.map((k) => k.providerRef).sort()).toEqual([prodRef, stagingRef].sort());
    const firewalls = ofType(recorded, FIREWALL).filter((f) => f.providerRef);
    expect(firewalls.map((f) => f.providerRef).sort()).toEqual([prodRef, stagingRef].sort());
    expect(ofType(recorded, SERVER).find((s) => s.name === "p-one")!.providerRef).toBe(prodRef);
    expect(ofType(recorded, SERVER).find((s) => s.name === "p-two")!.providerRef).toBe(stagingRef);
    // Each set sits under the Shared component of its provider instance.
    const sharedUrns = await Promise.all(
      made.filter((m) => m.type === SSH_KEY && m.resource !== undefined).map((m) => valueOf(m.resource.urn)),
    );
    expect(sharedUrns).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/::machina:index:Shared\$hcloud:index\/sshKey:SshKey::machina-sshkey-/),
      ]),
    );
  });

  it("share one set among Machines on the default provider", async () => {
    const a = new lib.Machine("d-one", { size: "small", sshKeys: [KEY_B], ports: [8443], providerOptions: viaApi });
    const b = new lib.Machine("d-two", { size: "small", sshKeys: [KEY_B], ports: [8443], providerOptions: viaApi });
    await Promise.all([valueOf(a.id), valueOf(b.id)]);
    await settle();
    expect(ofType(recorded, SSH_KEY).filter((k) => k.inputs.publicKey === KEY_B)).toHaveLength(1);
  });
});

describe("upgrade safety", () => {
  it("aliases each shared resource to the URN it had at the stack's root", async () => {
    const m = new lib.Machine("u-one", { size: "small", sshKeys: [KEY_A], ports: [9000], providerOptions: viaApi });
    await valueOf(m.id);
    await settle();
    const firewall = made.find((r) => r.type === FIREWALL && r.name.startsWith("machina-firewall-"))!;
    const urn = await valueOf(firewall.resource.urn);
    expect(urn).toBe(`urn:pulumi:production::shop::machina:index:Shared$${FIREWALL}::${firewall.name}`);
    const aliases = await Promise.all(internal(firewall.resource).__aliases!.map(valueOf));
    expect(aliases).toContain(`urn:pulumi:production::shop::${FIREWALL}::${firewall.name}`);
    const parentUrn = await valueOf(resourceNamed("machina-shared-hetzner").urn);
    // (The mocks put the stack's type in a child's URN; the engine leaves it out.)
    expect(parentUrn).toMatch(
      /^urn:pulumi:production::shop::(pulumi:pulumi:Stack\$)?machina:index:Shared::machina-shared-hetzner$/,
    );
  });
});

describe("protection and transformations", () => {
  it("protect reaches every child of the Machine, shared ones included", async () => {
    const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ0xYpRotectedKeyForTheProtectTestAAAAAAAAAA prot@test";
    const m = new lib.Machine(
      "safe",
      { size: "small", sshKeys: [key], ports: [7000], providerOptions: viaApi },
      { protect: true },
    );
    await valueOf(m.id);
    await settle();
    expect(internal(resourceNamed("safe")).__protect).toBe(true);
    const sharedKey = made.find(
      (r) =>
        r.type === SSH_KEY && ofType(recorded, SSH_KEY).some((k) => k.name === r.name && k.inputs.publicKey === key),
    )!;
    expect(internal(sharedKey.resource).__protect).toBe(true);
    const firewall = made.filter((r) => r.type === FIREWALL).at(-1)!;
    expect(internal(firewall.resource).__protect).toBe(true);
  });

  it("refuses a protected Machine joining a shared resource an unprotected one made, naming the fix", () => {
    const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeyOfTheLateProtectedMachineTestBBBBBBBBBBBB late@test";
    new lib.Machine("loose", { size: "small", sshKeys: [key], providerOptions: viaApi });
    expect(
      () => new lib.Machine("tight", { size: "small", sshKeys: [key], providerOptions: viaApi }, { protect: true }),
    ).toThrow(
      /Machine "tight" asks for protect\/retainOnDelete, but shares machina-sshkey-\w+ with Machine "loose".*Construct the protected Machine first/,
    );
  });

  it("transformations reach every resource of the Machine's own", async () => {
    const seen: string[] = [];
    const m = new lib.Machine(
      "shaped",
      { size: "small", sshKeys: [KEY_A], ports: [443], waitForReady: true },
      {
        transformations: [
          (args) => {
            seen.push(args.type);
            return undefined;
          },
        ],
      },
    );
    await valueOf(m.id);
    await settle();
    expect(seen).toEqual(expect.arrayContaining([SERVER, "pulumi-nodejs:dynamic/machina:ReadinessCheck"]));
  });
});

describe("customTimeouts and deletedWith", () => {
  it("reach the resources the Machine makes, as on a component's children", async () => {
    const seen = new Map<string, import("@pulumi/pulumi").CustomResourceOptions>();
    pulumi.runtime.registerStackTransformation((args) => {
      if (args.name.startsWith("timed")) seen.set(args.type, args.opts);
      return undefined;
    });
    const { Network } = require("@pulumi/hcloud/network") as typeof import("@pulumi/hcloud/network");
    const lan = new Network("timed-lan", { ipRange: "10.9.0.0/16" });
    const m = new lib.Machine(
      "timed",
      { size: "small", waitForReady: true },
      { customTimeouts: { create: "42m" }, deletedWith: lan },
    );
    await valueOf(m.id);
    await settle();
    expect(seen.get(SERVER)).toMatchObject({ customTimeouts: { create: "42m" }, deletedWith: lan });
    expect(seen.get("pulumi-nodejs:dynamic/machina:ReadinessCheck")).toMatchObject({
      customTimeouts: { create: "42m" },
    });
  });
});

describe("typed transforms (providerOptions.<provider>.transform)", () => {
  it("a function changes the Machine's own resource's arguments and options", async () => {
    const seenOpts: import("@pulumi/pulumi").CustomResourceOptions[] = [];
    pulumi.runtime.registerStackTransformation((args) => {
      if (args.name === "tf-web" && args.type === SERVER) seenOpts.push(args.opts);
      return undefined;
    });
    const m = new lib.Machine("tf-web", {
      size: "small",
      providerOptions: {
        hetzner: {
          transform: {
            server: (args, opts) => {
              args.backups = true;
              opts.ignoreChanges = ["userData"];
            },
          },
        },
      },
    });
    await valueOf(m.id);
    await settle();
    expect(ofType(recorded, SERVER).find((s) => s.name === "tf-web")!.inputs).toMatchObject({
      backups: true,
      serverType: "cx23",
    });
    expect(seenOpts[0].ignoreChanges).toEqual(["userData"]);
  });

  it("an object is merged over the arguments, on aws too", async () => {
    const m = new lib.Machine("tf-aws", {
      provider: "aws",
      size: "small",
      providerOptions: {
        aws: { transform: { instance: { monitoring: true }, securityGroup: { description: "mine" } } },
      },
    });
    await valueOf(m.id);
    await settle();
    expect(ofType(recorded, "aws:ec2/instance:Instance").find((s) => s.name === "tf-aws")!.inputs.monitoring).toBe(
      true,
    );
    expect(
      ofType(recorded, "aws:ec2/securityGroup:SecurityGroup").find((s) => s.name === "tf-aws-sg")!.inputs.description,
    ).toBe("mine");
  });

  it.each([
    ["gcp", "gcp:compute/instance:Instance", "instance", { deletionProtection: true }],
    ["digitalocean", "digitalocean:index/droplet:Droplet", "droplet", { backups: true }],
    ["azure", "azure-native:compute:VirtualMachine", "virtualMachine", { licenseType: "RHEL_BYOS" }],
    ["proxmox", "proxmoxve:index/vmLegacy:VmLegacy", "vm", { protection: true }],
  ])("%s: a function over the %s's arguments and options reaches it", async (provider, type, resource, extra) => {
    const name = `tf-${provider}`;
    const seen: string[][] = [];
    pulumi.runtime.registerStackTransformation((args) => {
      if (args.name === name && args.type === type) seen.push(args.opts.ignoreChanges ?? []);
      return undefined;
    });
    const transform = (args: Record<string, unknown>, opts: { ignoreChanges?: string[] }) => {
      Object.assign(args, extra);
      opts.ignoreChanges = ["tags"];
    };
    const m = new lib.Machine(name, {
      provider,
      size: "small",
      sshKeys: [KEY_A],
      providerOptions: { [provider]: { transform: { [resource]: transform } } } as never,
    });
    await valueOf(m.id);
    await settle();
    const made = ofType(recorded, type).filter((r) => r.name === name);
    expect(made).toHaveLength(1);
    expect(made[0].inputs).toMatchObject(extra);
    expect(seen).toEqual([["tags"]]);
  });

  it("refuses a transform of a resource the provider does not name", () => {
    expect(
      () =>
        new lib.Machine("tf-bad", {
          size: "small",
          providerOptions: { hetzner: { transform: { volume: () => {} } as never } },
        }),
    ).toThrow(/tf-bad\.providerOptions\.hetzner\.transform = .*allowed an object with server/);
  });
});
