import { describe, expect, it } from "vitest";
import { machinaUnderMocks, KEY_A, KEY_B, ofType, settle, valueOf } from "../../dist/testing";

const { recorded, Machine } = machinaUnderMocks({
  project: "shop",
  stack: "staging",
  config: { "machina:provider": "gcp", "machina:region": "europe-west1" },
});

const INSTANCE = "gcp:compute/instance:Instance";
const FIREWALL = "gcp:compute/firewall:Firewall";

describe("gcp module", () => {
  it("registers firewalls per address family targeted by the machine's tag, and the instance with exact inputs", async () => {
    const m = new Machine("web", {
      size: "medium",
      image: "ubuntu-24.04",
      sshKeys: [KEY_A, KEY_B],
      userData: "#cloud-config\npackages: [nginx]\n",
      labels: { team: "shop" },
      ports: [443, { port: 5432, sources: ["10.0.0.0/8"] }, { port: 51820, protocol: "udp" }],
    });
    await valueOf(m.id);
    await settle();

    const tag = "machina-shop-staging-web";
    const firewalls = ofType(recorded, FIREWALL)
      .filter((r) => r.name.startsWith("web-fw-"))
      .sort((a, b) => a.name.localeCompare(b.name));
    expect(firewalls.map((f) => f.inputs)).toEqual([
      {
        name: "shop-staging-web-in-0",
        network: "default",
        direction: "INGRESS",
        sourceRanges: ["0.0.0.0/0"],
        targetTags: [tag],
        allows: [
          { protocol: "tcp", ports: ["22", "443"] },
          { protocol: "udp", ports: ["51820"] },
        ],
      },
      {
        name: "shop-staging-web-in-1",
        network: "default",
        direction: "INGRESS",
        sourceRanges: ["::/0"],
        targetTags: [tag],
        allows: [
          { protocol: "tcp", ports: ["22", "443"] },
          { protocol: "udp", ports: ["51820"] },
        ],
      },
      {
        name: "shop-staging-web-in-2",
        network: "default",
        direction: "INGRESS",
        sourceRanges: ["10.0.0.0/8"],
        targetTags: [tag],
        allows: [{ protocol: "tcp", ports: ["5432"] }],
      },
    ]);

    const instance = ofType(recorded, INSTANCE).find((r) => r.name === "web")!;
    expect(instance.inputs).toEqual({
      name: "shop-staging-web",
      machineType: "e2-medium",
      zone: "europe-west1-b",
      bootDisk: {
        initializeParams: { image: "ubuntu-os-cloud/ubuntu-2404-lts-amd64", size: 20, type: "pd-balanced" },
        autoDelete: true,
      },
      networkInterfaces: [{ network: "default", accessConfigs: [{}] }],
      metadata: { "ssh-keys": `machina:${KEY_A}\nmachina:${KEY_B}`, "user-data": "#cloud-config\npackages: [nginx]\n" },
      tags: [tag],
      labels: { team: "shop", "managed-by": "machina" },
      allowStoppingForUpdate: true,
      desiredStatus: "RUNNING",
    });
    expect(await valueOf(m.publicIp)).toMatch(/^34\.0\.0\.\d+$/);
    expect(await valueOf(m.privateIp)).toMatch(/^10\.128\.0\.\d+$/);
    expect(await valueOf(m.ssh)).toMatch(/^ssh machina@34\.0\.0\.\d+$/);
    expect(await valueOf(m.details)).toMatchObject({ zone: "europe-west1-b", networkTag: tag });
  });

  it("takes arm64 to T2A where it is sold, a given zone, a subnetwork, no external IP, a script as startup script", async () => {
    const m = new Machine("arm", {
      size: { cpus: 2, memoryGiB: 8 },
      arch: "arm64",
      image: "debian-12",
      region: "europe-west4",
      zone: "europe-west4-c",
      publicIp: false,
      userData: "#!/bin/bash\necho ready\n",
      providerOptions: { gcp: { subnetwork: "projects/p/regions/europe-west4/subnetworks/app" } },
    });
    await valueOf(m.id);
    await settle();
    const instance = ofType(recorded, INSTANCE).find((r) => r.name === "arm")!;
    expect(instance.inputs).toMatchObject({
      machineType: "t2a-standard-2",
      zone: "europe-west4-c",
      bootDisk: { initializeParams: { image: "debian-cloud/debian-12-arm64" } },
      networkInterfaces: [{ subnetwork: "projects/p/regions/europe-west4/subnetworks/app", accessConfigs: [] }],
      metadataStartupScript: "#!/bin/bash\necho ready\n",
    });
    expect(ofType(recorded, FIREWALL).some((r) => r.name.startsWith("arm-fw-"))).toBe(false);
    expect(await valueOf(m.publicIp)).toBeUndefined();
  });

  it("enforces GCP's label rules and regions before anything is created", () => {
    const before = recorded.length;
    expect(() => new Machine("b1", { labels: { Team: "shop" } })).toThrow(
      /b1.labels\["Team"\] = "Team": allowed a key of 1-63 characters on gcp: GCP label rules/,
    );
    expect(() => new Machine("b2", { labels: { team: "Shop.Web" } })).toThrow(/b2.labels.team = "Shop.Web"/);
    expect(() => new Machine("b3", { arch: "arm64", region: "us-east1" })).toThrow(
      /no arm64 type is sold in us-east1 on gcp/,
    );
    expect(() => new Machine("b4", { zone: "us-central1-a" })).toThrow(
      /b4.zone = "us-central1-a": allowed a zone of europe-west1/,
    );
    expect(recorded.length).toBe(before);
  });
});
