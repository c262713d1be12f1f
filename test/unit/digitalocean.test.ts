import { describe, expect, it } from "vitest";
import { machinaUnderMocks, KEY_A, ofType, settle, valueOf } from "../../dist/testing";

const { recorded, Machine } = machinaUnderMocks({
  project: "shop",
  stack: "staging",
  config: { "machina:provider": "digitalocean", "machina:region": "ams3" },
});

const DROPLET = "digitalocean:index/droplet:Droplet";
const FIREWALL = "digitalocean:index/firewall:Firewall";
const KEY = "digitalocean:index/sshKey:SshKey";
const EVERYWHERE = ["0.0.0.0/0", "::/0"];

describe("digitalocean module", () => {
  it("registers key, droplet and firewall with exactly Machina's inputs", async () => {
    const m = new Machine("web", {
      size: { cpus: 2, memoryGiB: 4 },
      image: "debian-12",
      sshKeys: [KEY_A],
      userData: "#cloud-config\n",
      labels: { team: "shop", tier: "" },
      ports: [80, { port: 60000, toPort: 61000, protocol: "udp", sources: ["192.0.2.0/24"] }],
    });
    await valueOf(m.id);
    await settle();

    // DigitalOcean refuses one public key twice per account: keys go in through cloud-init.
    expect(ofType(recorded, KEY)).toHaveLength(0);

    const droplet = ofType(recorded, DROPLET)[0];
    expect(droplet.name).toBe("web");
    expect(droplet.inputs).toEqual({
      name: "shop-staging-web",
      size: "s-2vcpu-4gb",
      image: "debian-12-x64",
      region: "ams3",
      sshKeys: [],
      userData: expect.stringContaining(`ssh_authorized_keys:\n  - ${KEY_A}\nssh_pwauth: false`),
      tags: ["team:shop", "tier", "managed-by:machina"],
      publicNetworking: true,
      ipv6: true,
      monitoring: true,
    });

    const firewall = ofType(recorded, FIREWALL)[0];
    expect(firewall.name).toBe("web-firewall");
    expect(firewall.inputs).toEqual({
      name: "shop-staging-web",
      dropletIds: [Number(await valueOf(m.id))],
      inboundRules: [
        { protocol: "tcp", portRange: "22", sourceAddresses: EVERYWHERE },
        { protocol: "tcp", portRange: "80", sourceAddresses: EVERYWHERE },
        { protocol: "udp", portRange: "60000-61000", sourceAddresses: ["192.0.2.0/24"] },
      ],
      outboundRules: [
        { protocol: "tcp", portRange: "1-65535", destinationAddresses: EVERYWHERE },
        { protocol: "udp", portRange: "1-65535", destinationAddresses: EVERYWHERE },
        { protocol: "icmp", destinationAddresses: EVERYWHERE },
      ],
    });

    expect(await valueOf(m.region)).toBe("ams3");
    expect(await valueOf(m.type)).toBe("s-2vcpu-4gb");
    expect(await valueOf(m.image)).toBe("debian-12-x64");
    expect(await valueOf(m.publicIp)).toMatch(/^198\.51\.100\.\d+$/);
    expect(await valueOf(m.privateIp)).toMatch(/^10\.110\.0\.\d+$/);
    expect(await valueOf(m.ssh)).toMatch(/^ssh root@198\.51\.100\.\d+$/);
    expect(await valueOf(m.details)).toMatchObject({
      dropletUrn: expect.stringMatching(/^do:droplet:/),
      vpcUuid: "vpc-1",
    });
  });

  it("makes no firewall without ports or keys, and passes VPC, image id and droplet overrides", async () => {
    const m = new Machine("worker", {
      region: "fra1",
      image: { id: "123456" },
      providerOptions: { digitalocean: { vpcUuid: "vpc-9", existingSshKeys: ["11:22"], droplet: { backups: true } } },
    });
    await valueOf(m.id);
    await settle();
    const droplet = ofType(recorded, DROPLET).find((r) => r.name === "worker")!;
    expect(droplet.inputs).toMatchObject({
      region: "fra1",
      size: "s-1vcpu-2gb",
      image: "123456",
      vpcUuid: "vpc-9",
      sshKeys: ["11:22"],
      backups: true,
    });
    expect(ofType(recorded, FIREWALL).some((r) => r.name === "worker-firewall")).toBe(false);
  });

  it("a machine without public networking reports no public IP and an ssh command on its private one", async () => {
    const m = new Machine("internal", { publicIp: false });
    await valueOf(m.id);
    await settle();
    expect(ofType(recorded, DROPLET).find((r) => r.name === "internal")!.inputs).toMatchObject({
      publicNetworking: false,
      ipv6: false,
    });
    expect(await valueOf(m.publicIp)).toBeUndefined();
    expect(await valueOf(m.ssh)).toMatch(/^ssh root@10\.110\.0\.\d+$/);
  });
});
