import { describe, expect, it } from "vitest";
import { machinaUnderMocks, KEY_A, KEY_B, ofType, settle, valueOf } from "../../dist/testing";

const { recorded, Machine } = machinaUnderMocks({
  project: "shop",
  stack: "production",
  config: { "machina:provider": "hetzner" },
});

const SERVER = "hcloud:index/server:Server";
const KEY = "hcloud:index/sshKey:SshKey";
const FIREWALL = "hcloud:index/firewall:Firewall";
const serverNamed = (name: string) => ofType(recorded, SERVER).find((r) => r.name === name)!;

describe("hetzner module", () => {
  it("registers firewall and server with exactly Machina's inputs, keys through cloud-init", async () => {
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

    // Hetzner refuses one public key twice per project: no key object, so stacks never collide on one.
    expect(ofType(recorded, KEY)).toHaveLength(0);

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
      sshKeys: [],
      userData: expect.stringContaining("#cloud-config\nruncmd: [touch /ok]\n"),
      labels: { team: "shop", "managed-by": "machina" },
      firewallIds: [expect.any(Number)],
      publicNets: [{ ipv4Enabled: true, ipv6Enabled: true }],
    });

    expect(server.inputs.userData).toContain(`ssh_authorized_keys:\n  - ${KEY_A}`);
    expect(server.inputs.userData).toContain("ssh_pwauth: false");
    expect(firewalls[0].inputs.name).toMatch(/^machina-shop-production-firewall-[0-9a-f]{10}$/);

    expect(await valueOf(m.provider)).toBe("hetzner");
    expect(await valueOf(m.type)).toBe("cx23");
    expect(await valueOf(m.image)).toBe("ubuntu-24.04");
    expect(await valueOf(m.region)).toBe("nbg1");
    expect(await valueOf(m.sshUser)).toBe("root");
    const ip = await valueOf(m.publicIp);
    expect(ip).toMatch(/^203\.0\.113\.\d+$/);
    expect(await valueOf(m.ssh)).toBe(`ssh root@${ip}`);
    expect(await valueOf(m.labels)).toEqual({ team: "shop", "managed-by": "machina" });
    expect(await valueOf(m.details)).toMatchObject({
      location: "nbg1",
      ipv6Address: expect.stringMatching(/^2001:db8::/),
    });
    expect(await valueOf(m.ready)).toBe(true);
  });

  it("with sshKeysVia api, shares the stack's own key objects and one firewall between machines", async () => {
    const before = { keys: ofType(recorded, KEY).length, firewalls: ofType(recorded, FIREWALL).length };
    const api = { hetzner: { sshKeysVia: "api" as const } };
    const a = new Machine("api-1", { sshKeys: [KEY_A, KEY_B], ports: [8080], providerOptions: api });
    const b = new Machine("api-2", { sshKeys: [KEY_A, KEY_B], ports: [8080], providerOptions: api });
    await Promise.all([valueOf(a.id), valueOf(b.id)]);
    await settle();
    // Two keys, named per project and stack (logical names unchanged from 0.1.0). One new firewall for 22+8080.
    const keys = ofType(recorded, KEY).slice(before.keys);
    expect(keys).toHaveLength(2);
    for (const key of keys) {
      expect(key.name).toMatch(/^machina-sshkey-[0-9a-f]{10}$/);
      expect(key.inputs.name).toBe(`machina-shop-production-${key.name.slice("machina-".length)}`);
    }
    expect(ofType(recorded, FIREWALL).length - before.firewalls).toBe(1);
    expect(serverNamed("api-1").inputs.sshKeys).toEqual(serverNamed("api-2").inputs.sshKeys);
    expect(serverNamed("api-1").inputs.firewallIds).toEqual(serverNamed("api-2").inputs.firewallIds);
  });

  it("puts arm64 on CAX with the arm64 image, placed by location (Hetzner has no datacenters any more)", async () => {
    const m = new Machine("arm", {
      size: { cpus: 4, memoryGiB: 8 },
      arch: "arm64",
      image: "debian-13",
      region: "fsn1",
    });
    await valueOf(m.id);
    await settle();
    const inputs = serverNamed("arm").inputs;
    expect(inputs).toMatchObject({ serverType: "cax21", image: "debian-13", location: "fsn1" });
    expect(inputs.datacenter).toBeUndefined();
    expect(inputs.firewallIds).toEqual([]);
  });

  it("refuses a zone before anything is created: Hetzner removed datacenters on 2026-07-01", () => {
    expect(() => new Machine("zoned", { region: "fsn1", zone: "fsn1-dc14" })).toThrow(
      /zoned\.zone = "fsn1-dc14": allowed no zone: hetzner region fsn1 has none to choose\. Fix: remove zone/,
    );
  });

  it("builds a private machine on a network, with existing keys and server overrides", async () => {
    const m = new Machine("private", {
      publicIp: false,
      image: { id: "987654" },
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
