import { describe, expect, it } from "vitest";
import { machinaUnderMocks, KEY_A, ofType, settle, valueOf } from "../../dist/testing";

const { recorded, Machine } = machinaUnderMocks({
  project: "lab",
  stack: "development",
  config: { "machina:provider": "proxmox" },
});

const VM = "proxmoxve:index/vmLegacy:VmLegacy";
const DOWNLOAD = "proxmoxve:download/fileLegacy:FileLegacy";
const SNIPPET = "proxmoxve:index/fileLegacy:FileLegacy";
const one = (type: string, name: string) => ofType(recorded, type).find((r) => r.name === name)!;

describe("proxmox module", () => {
  it("imports a cloud image the node downloads once, with Proxmox's own cloud-init user and keys", async () => {
    const a = new Machine("web", {
      size: "medium",
      image: "debian-12",
      sshKeys: [KEY_A],
      labels: { team: "lab" },
      providerOptions: { proxmox: { node: "pve2", bridge: "vmbr1" } },
    });
    const b = new Machine("web2", {
      image: "debian-12",
      sshKeys: [KEY_A],
      providerOptions: { proxmox: { node: "pve2" } },
    });
    await Promise.all([valueOf(a.id), valueOf(b.id)]);
    await settle();

    const downloads = ofType(recorded, DOWNLOAD);
    expect(downloads).toHaveLength(1);
    expect(downloads[0].inputs).toEqual({
      contentType: "iso",
      datastoreId: "local",
      nodeName: "pve2",
      url: "https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-amd64.qcow2",
      fileName: expect.stringMatching(/^machina-[0-9a-f]{10}\.img$/),
      overwrite: false,
    });

    expect(one(VM, "web").inputs).toEqual({
      name: "web",
      nodeName: "pve2",
      description: "Machina lab-development-web",
      tags: ["managed-by-machina", "team-lab"],
      cpu: { cores: 2, type: "x86-64-v2-AES" },
      memory: { dedicated: 4096 },
      agent: { enabled: false },
      operatingSystem: { type: "l26" },
      serialDevices: [{}],
      disks: [{ interface: "virtio0", datastoreId: "local-lvm", size: 20, discard: "on", fileId: expect.any(String) }],
      networkDevices: [{ bridge: "vmbr1", model: "virtio" }],
      initialization: {
        datastoreId: "local-lvm",
        ipConfigs: [{ ipv4: { address: "dhcp" } }],
        userAccount: { username: "machina", keys: [KEY_A] },
      },
      onBoot: true,
      started: true,
      stopOnDestroy: true,
    });
    expect(one(VM, "web2").inputs.disks[0].fileId).toBe(one(VM, "web").inputs.disks[0].fileId);
    expect(await valueOf(a.privateIp)).toBeUndefined();
    expect(await valueOf(a.details)).toMatchObject({ node: "pve2", mode: "import", guestAgent: false });
  });

  it("clones a template, and puts user data with the user, keys and guest agent in a snippet", async () => {
    const m = new Machine("db", {
      size: { type: "3cpu-6gb" },
      sshKeys: [KEY_A],
      userData: "#cloud-config\npackages: [postgresql]\n",
      providerOptions: { proxmox: { templateVmId: 9000, snippetDatastore: "snippets" } },
    });
    await valueOf(m.id);
    await settle();
    const snippet = one(SNIPPET, "db-user-data");
    expect(snippet.inputs).toMatchObject({
      contentType: "snippets",
      datastoreId: "snippets",
      nodeName: "pve",
      sourceRaw: { fileName: "lab-development-db-user-data.yaml" },
    });
    const data: string = snippet.inputs.sourceRaw.data;
    expect(data).toContain(KEY_A);
    expect(data).toContain("name: machina");
    expect(data).toContain("packages: [qemu-guest-agent]");
    expect(data).toContain("packages: [postgresql]");

    const vm = one(VM, "db").inputs;
    expect(vm.clone).toEqual({ vmId: 9000, full: true });
    expect(vm).toMatchObject({ cpu: { cores: 3 }, memory: { dedicated: 6144 }, agent: { enabled: true } });
    expect(vm.disks[0].fileId).toBeUndefined();
    expect(vm.initialization).toEqual({
      datastoreId: "local-lvm",
      ipConfigs: [{ ipv4: { address: "dhcp" } }],
      userDataFileId: expect.any(String),
    });
    expect(await valueOf(m.privateIp)).toMatch(/^192\.168\.50\.\d+$/);
    expect(await valueOf(m.ssh)).toMatch(/^ssh machina@192\.168\.50\.\d+$/);
    expect(await valueOf(m.details)).toMatchObject({ mode: "clone", guestAgent: true });
  });

  it("refuses what it cannot honour, before anything is created", () => {
    const before = recorded.length;
    expect(() => new Machine("p1", { ports: [443] })).toThrow(
      /p1.ports = \[443\]: allowed no ports: Machina does not manage the Proxmox firewall/,
    );
    expect(() => new Machine("p2", { image: { id: "local:iso/custom.img" } })).toThrow(
      /p2.image = "local:iso\/custom.img": allowed an alias or an http\(s\) URL/,
    );
    expect(() => new Machine("p3", { providerOptions: { proxmox: { templateVmId: 7 } } })).toThrow(
      /p3.providerOptions.proxmox.templateVmId = 7/,
    );
    expect(() => new Machine("p4", { labels: { Team: "x" } })).toThrow(/p4.labels\["Team"\]/);
    expect(recorded.length).toBe(before);
  });
});
