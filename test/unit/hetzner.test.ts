import { beforeAll, describe, expect, it } from "vitest";
import { installMocks, KEY_A, KEY_B, ofType, RecordedResource, settle, valueOf } from "../support/mocks";

let recorded: RecordedResource[];
let Machine: typeof import("../../dist/components/machine.js").Machine;

beforeAll(async () => {
  recorded = installMocks({ project: "shop", stack: "production", config: { "machina:provider": "hetzner" } });
  ({ Machine } = await import("../../dist/components/machine.js"));
});

const SERVER = "hcloud:index/server:Server";
const KEY = "hcloud:index/sshKey:SshKey";
const FIREWALL = "hcloud:index/firewall:Firewall";
const serverNamed = (name: string) => ofType(recorded, SERVER).find((r) => r.name === name)!;

describe("hetzner module", () => {
  it("registers key, firewall and server with exactly Machina's inputs", async () => {
    const m = new Machine("web", {
      size: "small",
      image: "ubuntu-24.04",
      region: "nbg1",
      sshKeys: [KEY_A],
      userData: "#cloud-config\nruncmd: [touch /ok]\n",
      labels: { team: "shop" },
      ports: [443, { port: 51820, protocol: "udp" }],
    });
    await valueOf(m.id);
    await settle();

    const keys = ofType(recorded, KEY);
    expect(keys).toHaveLength(1);
    expect(keys[0].inputs).toEqual({ name: keys[0].name, publicKey: KEY_A, labels: { "managed-by": "machina" } });
    expect(keys[0].name).toMatch(/^machina-sshkey-[0-9a-f]{10}$/);

    const firewalls = ofType(recorded, FIREWALL);
    expect(firewalls).toHaveLength(1);
    expect(firewalls[0].inputs.rules).toEqual([
      { direction: "in", protocol: "tcp", port: "22", sourceIps: ["0.0.0.0/0", "::/0"] },
      { direction: "in", protocol: "tcp", port: "443", sourceIps: ["0.0.0.0/0", "::/0"] },
      { direction: "in", protocol: "udp", port: "51820", sourceIps: ["0.0.0.0/0", "::/0"] },
    ]);

    const server = serverNamed("web");
    expect(server.inputs).toEqual({
      name: "shop-production-web",
      serverType: "cx23",
      image: "ubuntu-24.04",
      location: "nbg1",
      sshKeys: [expect.stringMatching(/^\d+$/)],
      userData: "#cloud-config\nruncmd: [touch /ok]\n",
      labels: { team: "shop", "managed-by": "machina" },
      firewallIds: [expect.any(Number)],
      publicNets: [{ ipv4Enabled: true, ipv6Enabled: true }],
    });

    expect(await valueOf(m.provider)).toBe("hetzner");
    expect(await valueOf(m.type)).toBe("cx23");
    expect(await valueOf(m.image)).toBe("ubuntu-24.04");
    expect(await valueOf(m.region)).toBe("nbg1");
    expect(await valueOf(m.sshUser)).toBe("root");
    const ip = await valueOf(m.publicIp);
    expect(ip).toMatch(/^203\.0\.113\.\d+$/);
    expect(await valueOf(m.ssh)).toBe(`ssh root@${ip}`);
    expect(await valueOf(m.labels)).toEqual({ team: "shop", "managed-by": "machina" });
    expect(await valueOf(m.details)).toMatchObject({ datacenter: "fsn1-dc14", ipv6Address: expect.stringMatching(/^2001:db8::/) });
    expect(await valueOf(m.ready)).toBe(true);
  });

  it("shares one key and one firewall between machines with the same key and ports", async () => {
    const before = { keys: ofType(recorded, KEY).length, firewalls: ofType(recorded, FIREWALL).length };
    const a = new Machine("api-1", { sshKeys: [KEY_A, KEY_B], ports: [8080] });
    const b = new Machine("api-2", { sshKeys: [KEY_A, KEY_B], ports: [8080] });
    await Promise.all([valueOf(a.id), valueOf(b.id)]);
    await settle();
    // KEY_A already exists from the first test: only KEY_B is new. One new firewall for 22+8080.
    expect(ofType(recorded, KEY).length - before.keys).toBe(1);
    expect(ofType(recorded, FIREWALL).length - before.firewalls).toBe(1);
    expect(serverNamed("api-1").inputs.sshKeys).toEqual(serverNamed("api-2").inputs.sshKeys);
    expect(serverNamed("api-1").inputs.firewallIds).toEqual(serverNamed("api-2").inputs.firewallIds);
  });

  it("puts arm64 on CAX with the arm64 image, in a datacenter when a zone is given", async () => {
    const m = new Machine("arm", { size: { cpus: 4, memoryGiB: 8 }, arch: "arm64", image: "debian-13", zone: "fsn1-dc14" });
    await valueOf(m.id);
    await settle();
    const inputs = serverNamed("arm").inputs;
    expect(inputs).toMatchObject({ serverType: "cax21", image: "debian-13", datacenter: "fsn1-dc14" });
    expect(inputs.location).toBeUndefined();
    expect(inputs.firewallIds).toEqual([]);
  });

  it("builds a private machine on a network, with existing keys and server overrides", async () => {
    const m = new Machine("private", {
      publicIp: false,
      image: { snapshot: "987654" },
      providerOptions: { hetzner: { networkId: 42, existingSshKeys: ["laptop"], server: { backups: true } } },
    });
    await valueOf(m.id);
    await settle();
    expect(serverNamed("private").inputs).toMatchObject({
      image: "987654",
      publicNets: [{ ipv4Enabled: false, ipv6Enabled: false }],
      networks: [{ networkId: 42 }],
      sshKeys: ["laptop"],
      backups: true,
    });
    expect(await valueOf(m.publicIp)).toBeUndefined();
  });

  it("registers nothing when the spec is invalid", async () => {
    const before = recorded.length;
    expect(() => new Machine("broken", { size: "gigantic" as never, ports: [0] })).toThrow(/broken.size = "gigantic"/);
    await settle();
    expect(recorded.length).toBe(before);
    expect(recorded.some((r) => r.name === "broken")).toBe(false);
  });
});
