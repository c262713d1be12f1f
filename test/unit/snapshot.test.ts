/** The Snapshot component under mocks, on libvirt (the snapshot capability) and on a provider without it. */
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../dist/core/errors";
import { domainXml } from "../../dist/providers/libvirt/domain-xml";
import { diffSnapshot, diskAndKernelOf } from "../../dist/providers/libvirt/snapshot-operations";
import { KEY_A, loadSnapshot, machinaUnderMocks, ofType, settle, valueOf } from "../../dist/testing";

process.env.MACHINA_CACHE_DIR = "/cache/machina";
const { recorded, Machine } = machinaUnderMocks({
  project: "shop",
  stack: "development",
  config: { "machina:provider": "libvirt", "libvirt:network": "user", "libvirt:uri": "qemu:///system" },
});
const Snapshot = loadSnapshot();

const SNAPSHOT = "pulumi-nodejs:dynamic/machina:LibvirtSnapshot";
const MACHINE = "pulumi-nodejs:dynamic/machina:LibvirtMachine";
const BASE = "pulumi-nodejs:dynamic/machina:LibvirtBaseImage";

function problemsOf(build: () => unknown) {
  try {
    build();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).problems;
  }
  throw new Error("expected a ValidationError");
}

describe("Snapshot on libvirt", () => {
  it("copies the Machine's domain into the image cache under a deterministic name, and a Machine restores it whole", async () => {
    const web = new Machine("web", {
      image: "busybox-offline",
      providerOptions: { libvirt: { shutdownTimeoutSeconds: 45 } },
    });
    const snap = new Snapshot("web-before-upgrade", { machine: web, labels: { reason: "upgrade" } });
    const id = await valueOf(snap.id);
    await settle();

    const copies = ofType(recorded, SNAPSHOT);
    expect(copies).toHaveLength(1);
    const copy = path.join("/cache/machina", "snapshots", "shop-development-web-before-upgrade.qcow2");
    expect(copies[0].inputs).toEqual({
      uri: "qemu:///system",
      domain: "shop-development-web",
      machineId: await valueOf(web.id),
      path: copy,
      shutdownTimeoutSeconds: 45,
      owner: { project: "shop", stack: "development", snapshot: "web-before-upgrade" },
      labels: { reason: "upgrade", "managed-by": "machina" },
    });
    expect(id).toBe(copy);
    expect(await valueOf(snap.provider)).toBe("libvirt");
    expect(await valueOf(snap.machine)).toBe("web");
    expect(await valueOf(snap.details)).toMatchObject({
      path: copy,
      domain: "shop-development-web",
      restore: "full copy",
    });
    expect(await valueOf(snap.image.snapshot)).toBe(copy);

    const restored = new Machine("restored", { image: snap.image });
    expect(await valueOf(restored.image)).toBe(copy);
    await settle();
    // The restore's base image is the Machine's own (not shared by content), read from the copy.
    const base = ofType(recorded, BASE).filter((r) => r.name === "restored-snapshot-image");
    expect(base.map((r) => r.inputs)).toEqual([{ source: `snapshot:${copy}` }]);
    expect(ofType(recorded, MACHINE).find((r) => r.name === "restored")!.inputs.name).toBe("shop-development-restored");
  });

  it("refuses what is not a Machine, a bad label, and a second Snapshot of the same name, registering nothing", async () => {
    const db = new Machine("db", { image: "busybox-offline" });
    await valueOf(db.id);
    await settle();
    const before = recorded.length;
    expect(problemsOf(() => new Snapshot("loose", { machine: {} as never }))[0]).toMatchObject({
      field: "loose.machine",
      allowed: "a Machine of this program",
    });
    expect(problemsOf(() => new Snapshot("badlabel", { machine: db, labels: { "bad key!": "x" } }))[0].field).toBe(
      'badlabel.labels["bad key!"]',
    );
    new Snapshot("db-nightly", { machine: db });
    expect(problemsOf(() => new Snapshot("db-nightly", { machine: db }, { parent: db }))[0]).toMatchObject({
      field: "db-nightly",
      fix: "give the two Snapshots different names",
    });
    await settle();
    expect(recorded.slice(before).map((r) => r.name)).toEqual(["db-nightly", "db-nightly"]);
  });

  it("refuses a Machine on a provider without the snapshot capability, with the fix", async () => {
    const cloud = new Machine("cloud", { provider: "proxmox", sshKeys: [KEY_A] });
    await valueOf(cloud.id);
    await settle();
    const problems = problemsOf(() => new Snapshot("cloud-snap", { machine: cloud }));
    expect(problems).toEqual([
      {
        field: "cloud-snap.machine",
        value: 'Machine "cloud" on proxmox',
        allowed:
          "a Machine on a provider with the snapshot capability: proxmox cannot snapshot (its module does not export snapshot)",
        fix: "remove the Snapshot, or run the Machine on a provider with the snapshot capability (`machina providers` lists them)",
      },
    ]);
  });
});

describe("libvirt snapshot operations (pure parts)", () => {
  it("reads the disk to copy and the kernel to boot from the domain Machina defined", () => {
    const xml = domainXml({
      name: "shop-development-web",
      accelerator: "qemu",
      cpus: 1,
      memoryMiB: 256,
      diskPath: "/state/web & co/disk.qcow2",
      diskFormat: "qcow2",
      seedPath: "/state/web/seed.iso",
      consoleLogPath: "/state/web/console.log",
      network: { mode: "user", forwards: [] },
      kernel: {
        kernel: "/images/busybox/vmlinuz",
        initrd: "/images/busybox/initrd.img",
        cmdline: "console=ttyS0 quiet",
      },
      metadata: {},
      labels: {},
    });
    expect(diskAndKernelOf(xml)).toEqual({
      disk: "/state/web & co/disk.qcow2",
      kernel: {
        kernel: "/images/busybox/vmlinuz",
        initrd: "/images/busybox/initrd.img",
        cmdline: "console=ttyS0 quiet",
      },
    });
  });

  it("is taken once: only its place makes a new copy; labels and the timeout are recorded, a new Machine id is not", () => {
    const olds = {
      uri: "qemu:///system",
      domain: "d",
      machineId: "u1",
      path: "/c/s.qcow2",
      shutdownTimeoutSeconds: 30,
      owner: {},
      labels: { a: "1" },
      sourceDisk: "/state/d/disk.qcow2",
      sizeBytes: 1,
      virtualSizeBytes: 1,
      takenAt: "t",
      guestWasRunning: true,
      stopSeconds: 1,
      copySeconds: 1,
    };
    expect(diffSnapshot(olds, { ...olds, machineId: "u2" })).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: true,
    });
    expect(diffSnapshot(olds, { ...olds, labels: { a: "2" } }).changes).toBe(true);
    expect(diffSnapshot(olds, { ...olds, path: "/c/t.qcow2" }).replaces).toEqual(["path"]);
  });
});
