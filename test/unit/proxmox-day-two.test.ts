/** Proxmox VE adoption under mocks (the exact resources, inputs and options), and its absent snapshot capability. */
import { describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { installMachinaMocks, settle, valueOf } from "../../dist/testing";
import type { ProviderModule } from "../../dist/core/contract";
import { recordingParent, resolvedSpec } from "./day-two-fixtures";

const recorded = installMachinaMocks({ project: "shop", stack: "production" });
const proxmox = (require("../../dist/providers/proxmox") as { default: ProviderModule }).default;

const VM = "proxmoxve:index/vmLegacy:VmLegacy";

describe("proxmox snapshot", () => {
  it("is not exported: the SDK has no resource for a VM snapshot", () => {
    expect(proxmox.snapshot).toBeUndefined();
  });
});

describe("proxmox adopt", () => {
  it("plans an import of the VM on the Machine's node", () => {
    expect(proxmox.adopt!("pve/105", resolvedSpec(proxmox))).toEqual({ type: VM, importId: "pve/105" });
    expect(proxmox.adopt!("node-2/4321", resolvedSpec(proxmox, { options: { node: "node-2" } }))).toEqual({
      type: VM,
      importId: "node-2/4321",
    });
  });

  it.each(["105", "pve/qemu/105", "pve/99", "pve/web", ""])("refuses %j with what is allowed and the fix", (id) => {
    expect(proxmox.adopt!(id, resolvedSpec(proxmox))).toEqual([
      {
        field: "adopt.id",
        value: JSON.stringify(id),
        allowed: "a VM as <node>/<vmid>, e.g. pve/105",
        fix: expect.stringContaining("qm list"),
      },
    ]);
  });

  it("refuses a VM on another node than the Machine's, with the option to set", () => {
    expect(proxmox.adopt!("node-2/105", resolvedSpec(proxmox))).toEqual([
      {
        field: "adopt.id",
        value: '"node-2/105"',
        allowed: "a VM on node pve, where this Machine runs",
        fix: 'set providerOptions: { proxmox: { node: "node-2" } }, or adopt a VM on pve',
      },
    ]);
  });

  it.each([true, false])(
    "imports the VM (retainOnDelete %s), keeping disks and cloud-init, with no image download or snippet",
    async (retainOnDelete) => {
      const before = recorded.length;
      const { parent, optionsOf } = recordingParent(`adopt-${retainOnDelete}`);
      const name = `adopted-${retainOnDelete}`;
      const spec = resolvedSpec(proxmox, {
        name,
        size: { type: "2cpu-4gb", cpus: 2, memoryGiB: 4, fromCatalog: false },
        userData: "#cloud-config\n",
        adopt: { id: "pve/105", retainOnDelete },
      });
      await valueOf(pulumi.output(proxmox.create(spec, parent).id));
      await settle();
      const made = recorded.slice(before);
      expect(made.map((r) => r.type)).toEqual(["test:index:Parent", VM]);
      expect(made[1]).toMatchObject({ name, importId: "pve/105", retainOnDelete });
      expect(made[1].inputs).toMatchObject({
        nodeName: "pve",
        cpu: { cores: 2 },
        memory: { dedicated: 4096 },
        started: true,
      });
      expect(optionsOf(name).ignoreChanges).toEqual([
        "name",
        "description",
        "tags",
        "clone",
        "cpu.type",
        "agent",
        "operatingSystem",
        "serialDevices",
        "disks",
        "networkDevices",
        "initialization",
        "onBoot",
        "stopOnDestroy",
      ]);
    },
  );

  it("registers a VM that is not adopted without an import", async () => {
    const before = recorded.length;
    const { parent, optionsOf } = recordingParent("fresh");
    await valueOf(pulumi.output(proxmox.create(resolvedSpec(proxmox, { name: "fresh" }), parent).id));
    await settle();
    const vm = recorded.slice(before).find((r) => r.type === VM)!;
    expect(vm).toMatchObject({ name: "fresh", retainOnDelete: false });
    expect(vm.importId).toBeUndefined();
    expect(optionsOf("fresh").ignoreChanges).toBeUndefined();
  });
});
