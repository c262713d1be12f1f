import { describe, expect, it } from "vitest";
import { baseCloudConfig, mergedUserData, metaData } from "../../dist/providers/libvirt/cloud-init";
import type { DomainSpec } from "../../dist/providers/libvirt/domain-xml";
import { domainXml } from "../../dist/providers/libvirt/domain-xml";
import { probeBootSector } from "../../dist/providers/libvirt/accelerator";
import { ownerOf } from "../../dist/providers/libvirt/machine-operations";
import { machinaUnderMocks, KEY_A, ofType, settle, valueOf } from "../../dist/testing";

const { recorded, Machine } = machinaUnderMocks({
  project: "shop",
  stack: "development",
  config: {
    "machina:provider": "libvirt",
    "libvirt:network": "user",
    "libvirt:stateDir": "/srv/machina",
    "libvirt:uri": "qemu:///system",
  },
});

const MACHINE = "pulumi-nodejs:dynamic/machina:LibvirtMachine";
const BASE = "pulumi-nodejs:dynamic/machina:LibvirtBaseImage";
const READY = "pulumi-nodejs:dynamic/machina:ReadinessCheck";

describe("libvirt module under mocks", () => {
  it("registers a shared base image, the machine with exact inputs, and the readiness check", async () => {
    const m = new Machine("dev", {
      size: "small",
      image: "debian-12-offline",
      diskGiB: 8,
      sshKeys: [KEY_A],
      userData: "#cloud-config\nruncmd: [touch /ok]\n",
      labels: { team: "dev" },
      ports: [8080],
      waitForReady: { timeoutSeconds: 120 },
    });
    expect(await valueOf(m.ready)).toBe(true);
    await settle();

    const base = ofType(recorded, BASE);
    expect(base).toHaveLength(1);
    expect(base[0].inputs).toEqual({ source: "offline:debian-12", image: undefined });

    const machine = ofType(recorded, MACHINE)[0];
    expect(machine.name).toBe("dev");
    const { image, ...rest } = machine.inputs;
    expect(image).toEqual({ diskPath: "/cache/base.qcow2", diskFormat: "qcow2" });
    expect(rest).toMatchObject({
      uri: "qemu:///system",
      name: "shop-development-dev",
      hostname: "dev",
      cpus: 1,
      memoryMiB: 2048,
      diskGiB: 8,
      network: "user",
      ports: [
        { protocol: "tcp", port: 22 },
        { protocol: "tcp", port: 8080 },
      ],
      sshUser: "machina",
      sshKeys: [KEY_A],
      userData: "#cloud-config\nruncmd: [touch /ok]\n",
      accelerator: "auto",
      stateDir: "/srv/machina",
      shutdownTimeoutSeconds: 30,
      metadata: { project: "shop", stack: "development", machine: "dev" },
      labels: { team: "dev", "managed-by": "machina" },
    });

    const ready = ofType(recorded, READY)[0];
    expect(ready.inputs).toMatchObject({
      host: "127.0.0.1",
      port: expect.any(Number),
      expect: "ssh",
      timeoutSeconds: 120,
      machineId: expect.stringMatching(/^uuid-/),
    });
    expect(ready.inputs.port).toBeGreaterThanOrEqual(40000);

    expect(await valueOf(m.publicIp)).toBeUndefined();
    expect(await valueOf(m.privateIp)).toBe("10.0.2.15");
    expect(await valueOf(m.ssh)).toMatch(/^ssh -p 4\d{4} machina@127\.0\.0\.1$/);
    expect(await valueOf(m.details)).toMatchObject({
      accelerator: "qemu",
      network: "user",
      domain: "shop-development-dev",
    });
  });

  it("shares the base image between machines, and takes a direct kernel boot option", async () => {
    const before = ofType(recorded, BASE).length;
    const kernel = { kernel: "/boot/vmlinuz", initrd: "/boot/initrd.img", cmdline: "console=ttyS0" };
    const a = new Machine("k1", { image: "debian-12-offline", providerOptions: { libvirt: { kernel } } });
    const b = new Machine("k2", { image: "debian-12-offline", size: { type: "3cpu-6gb" } });
    await Promise.all([valueOf(a.id), valueOf(b.id)]);
    await settle();
    expect(ofType(recorded, BASE).length).toBe(before);
    const k1 = ofType(recorded, MACHINE).find((r) => r.name === "k1")!;
    const k2 = ofType(recorded, MACHINE).find((r) => r.name === "k2")!;
    expect(k1.inputs.image.kernel).toEqual(kernel);
    expect(k2.inputs).toMatchObject({ cpus: 3, memoryMiB: 6144 });
  });

  it("stores as each resource's provider one line that requires the stable entry point", () => {
    const entries: [string, string][] = [
      [MACHINE, "libvirtMachine"],
      [BASE, "libvirtBaseImage"],
      [READY, "readiness"],
    ];
    for (const [type, entry] of entries) {
      expect(ofType(recorded, type).length).toBeGreaterThan(0);
      for (const r of ofType(recorded, type))
        expect(r.provider).toBe(`exports.handler = () => require("pulumi-machina/internal/dynamic/v1").${entry};\n`);
    }
  });

  it("refuses libvirt-specific bad input", () => {
    expect(() => new Machine("bad1", { size: { type: "huge" } })).toThrow(
      /bad1.size.type = "huge": allowed a catalog type .* or <cpus>cpu-<memory>gb/,
    );
    expect(() => new Machine("bad2", { image: { id: "relative.qcow2" } })).toThrow(
      /bad2.image = "relative.qcow2": allowed an alias, an http\(s\) URL, an absolute path/,
    );
    expect(() => new Machine("bad3", { providerOptions: { libvirt: { kernel: { kernel: "vmlinuz" } } } })).toThrow(
      /bad3.providerOptions.libvirt.kernel/,
    );
    expect(() => new Machine("bad4", { ports: [{ port: 1000, toPort: 2000 }] })).toThrow(/ranges of at most 16 ports/);
    expect(() => new Machine("bad5", { arch: "arm64" })).toThrow(/libvirt has no arm64 machines/);
  });

  it("probes readiness on another port where a client connects: the port's forward on 127.0.0.1", async () => {
    const m = new Machine("svc", {
      image: "debian-12-offline",
      ports: [9999],
      waitForReady: { port: 9999, timeoutSeconds: 60 },
    });
    expect(await valueOf(m.ready)).toBe(true);
    await settle();
    const machine = ofType(recorded, MACHINE).find((r) => r.name === "svc")!;
    const forwards = (await valueOf(m.details)).forwardedPorts as Record<string, number>;
    expect(forwards["tcp/9999"]).toEqual(expect.any(Number));
    expect(forwards["tcp/9999"]).not.toBe(9999);
    expect(machine.inputs.ports).toContainEqual({ protocol: "tcp", port: 9999 });
    const check = ofType(recorded, READY).find((r) => r.name === "svc-ready")!;
    // The forward accepts while the guest boots: the guest's SSH forward must answer first.
    expect(check.inputs).toMatchObject({
      host: "127.0.0.1",
      port: forwards["tcp/9999"],
      expect: "tcp",
      guestUp: { host: "127.0.0.1", port: forwards["tcp/22"] },
    });
  });

  it("refuses ports on a libvirt network, where nothing would open them, and names the fix", () => {
    const nat = { providerOptions: { libvirt: { network: "default" } } };
    expect(() => new Machine("nat1", { ...nat, ports: [80, { port: 53, protocol: "udp" }] })).toThrow(
      /nat1\.ports = "53\/udp, 80\/tcp": allowed no ports on the libvirt network "default".*Fix: set libvirt:network to "user"/,
    );
    // SSH and readiness need no published port there: the host reaches the guest on the network.
    expect(() => new Machine("nat2", { ...nat, sshKeys: [KEY_A], waitForReady: { port: 8080 } })).not.toThrow();
  });
});

describe("libvirt ownership", () => {
  const xml = (meta: Record<string, string>) =>
    domainXml({ ...SPEC, metadata: meta })
      .replace("<machina:machine", "<machina:machine")
      .replace(/\n/g, "\n");

  it("reads the recorded project, stack and Machine from a domain's metadata", () => {
    expect(ownerOf(xml({ project: "shop", stack: "rel_col", machine: "a<b" }))).toEqual({
      project: "shop",
      stack: "rel_col",
      machine: "a<b",
    });
    // libvirt may dump the element under its own prefix.
    const dumped = `<domain><metadata><m:machine xmlns:m="https://pulumi-machina.dev/xmlns/machine/1"><m:project>p</m:project><m:stack>s</m:stack><m:machine>w</m:machine></m:machine>
</metadata></domain>`;
    expect(ownerOf(dumped)).toEqual({ project: "p", stack: "s", machine: "w" });
    expect(ownerOf("<domain><name>someone-else</name></domain>")).toBeUndefined();
  });
});

const SPEC: DomainSpec = {
  name: "p-s-web",
  accelerator: "qemu",
  cpus: 2,
  memoryMiB: 2048,
  diskPath: "/state/p-s-web/disk.qcow2",
  diskFormat: "qcow2",
  seedPath: "/state/p-s-web/seed.iso",
  consoleLogPath: "/state/p-s-web/console.log",
  network: {
    mode: "user",
    forwards: [
      { protocol: "tcp", hostPort: 40022, guestPort: 22 },
      { protocol: "udp", hostPort: 40053, guestPort: 53 },
    ],
  },
  metadata: { stack: "s", machine: "web" },
  labels: { team: "a&b" },
};

describe("domain XML", () => {
  it("user-mode networking forwards each port from 127.0.0.1 only", () => {
    const xml = domainXml(SPEC);
    expect(xml).toContain("<domain type='qemu'");
    expect(xml).toContain("hostfwd=tcp:127.0.0.1:40022-:22,hostfwd=udp:127.0.0.1:40053-:53");
    expect(xml).not.toMatch(/hostfwd=\w+:(0\.0\.0\.0)?:/);
    expect(xml).not.toContain("<interface");
    expect(xml).not.toContain("host-passthrough");
    expect(xml).toContain("<feature policy='disable' name='svm'/>");
    expect(xml).toContain("<vcpu placement='static'>2</vcpu>");
    expect(xml).toContain("<memory unit='MiB'>2048</memory>");
    expect(xml).toContain("<machina:label key='team'>a&amp;b</machina:label>");
    expect(xml).toContain("<boot dev='hd'/>");
    expect(xml).not.toContain("<uuid>");
    expect(domainXml({ ...SPEC, uuid: "1234-abcd" })).toContain("<uuid>1234-abcd</uuid>");
  });

  it("a libvirt network, KVM and direct kernel boot", () => {
    const xml = domainXml({
      ...SPEC,
      accelerator: "kvm",
      network: { mode: "network", name: "default" },
      kernel: { kernel: "/k", initrd: "/i", cmdline: "root=/dev/vda" },
    });
    expect(xml).toContain("<domain type='kvm'");
    expect(xml).toContain("<cpu mode='host-passthrough'/>");
    expect(xml).not.toContain("svm");
    expect(xml).toContain("<source network='default'/>");
    expect(xml).not.toContain("qemu:commandline");
    expect(xml).toMatch(/<kernel>\/k<\/kernel>\s+<initrd>\/i<\/initrd>\s+<cmdline>root=\/dev\/vda<\/cmdline>/);
    expect(xml).not.toContain("<boot dev='hd'/>");
  });
});

describe("cloud-init seed", () => {
  const seed = { instanceId: "i-1", hostname: "web", sshUser: "machina", sshKeys: [KEY_A] };

  it("creates the SSH user with the keys", () => {
    const config = baseCloudConfig(seed);
    expect(config.startsWith("#cloud-config\n")).toBe(true);
    expect(config).toContain("name: machina");
    expect(config).toContain(KEY_A);
    expect(mergedUserData(seed)).toBe(config);
    expect(metaData(seed)).toBe("instance-id: i-1\nlocal-hostname: web\n");
  });

  it("merges the user's cloud-config with lists appended, and passes scripts as scripts", () => {
    const merged = mergedUserData({ ...seed, userData: "#cloud-config\nwrite_files:\n  - path: /x\n" });
    expect(merged).toMatch(/^Content-Type: multipart\/mixed; boundary="([^"]+)"/);
    expect(merged).toContain("Merge-Type: list(append)+dict(no_replace,recurse_list)+str()");
    expect(merged).toContain("write_files:\n  - path: /x\n");
    expect(merged.match(/Content-Type: text\/cloud-config/g)).toHaveLength(2);
    const script = mergedUserData({ ...seed, userData: "#!/bin/sh\necho hi" });
    expect(script).toContain("Content-Type: text/x-shellscript");
    expect(script).toContain("#!/bin/sh\necho hi\n");
  });
});

describe("KVM probe", () => {
  it("is a valid boot sector that prints OK on COM1", () => {
    const sector = probeBootSector();
    expect(sector.length).toBe(512);
    expect([sector[510], sector[511]]).toEqual([0x55, 0xaa]);
    expect(sector.includes(Buffer.from([0xb0, 0x4f, 0xee, 0xb0, 0x4b, 0xee]))).toBe(true);
  });
});
