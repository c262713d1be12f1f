/** Azure snapshots (snapshot + managed image) and adoption under mocks: the exact resources, inputs and options. */
import { describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { installMachinaMocks, ofType, settle, valueOf } from "../../dist/testing";
import type { ProviderModule } from "../../dist/core/contract";
import { MANAGED, recordingParent, resolvedSpec, snapshotRequest } from "./day-two-fixtures";

const recorded = installMachinaMocks({ project: "shop", stack: "production" });
const azure = (require("../../dist/providers/azure") as { default: ProviderModule }).default;

const VM = "azure-native:compute:VirtualMachine";
const SUB = "/subscriptions/00000000-0000-0000-0000-000000000000";
const VM_ID = `${SUB}/resourceGroups/legacy-rg/providers/Microsoft.Compute/virtualMachines/legacy-web`;
const OS_DISK = `${SUB}/resourceGroups/machina-rg/providers/Microsoft.Compute/disks/shop-production-web_OsDisk_1`;
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk3m0d0Zb8o9H0vJ3yqvY3wQmQ5b6r9fL3e0Jm1xYzA a@b";
const LABELS = { team: "shop", ...MANAGED };

describe("azure snapshot", () => {
  it("registers a full snapshot of the OS disk and a generalized Linux image from it, named and tagged", async () => {
    const { parent, optionsOf } = recordingParent("snap");
    const machine = new pulumi.ComponentResource("test:index:Machine", "web-machine", {});
    const request = snapshotRequest(
      resolvedSpec(azure),
      "vm-1",
      { resourceGroupName: "machina-rg", osDiskId: OS_DISK },
      machine,
    );
    const id = await valueOf(pulumi.output(azure.snapshot!(request, parent).id));
    await settle();
    const [snapshot] = ofType(recorded, "azure-native:compute:Snapshot");
    const [image] = ofType(recorded, "azure-native:compute:Image");
    expect(snapshot.name).toBe("web-before-upgrade-disk");
    expect(snapshot.inputs).toEqual({
      snapshotName: "shop-production-web-before-upgrade",
      resourceGroupName: "machina-rg",
      location: "eastus",
      creationData: { createOption: "Copy", sourceResourceId: OS_DISK },
      incremental: false,
      tags: LABELS,
    });
    expect(image.name).toBe("web-before-upgrade");
    expect(image.inputs).toEqual({
      imageName: "shop-production-web-before-upgrade",
      resourceGroupName: "machina-rg",
      location: "eastus",
      hyperVGeneration: "V2",
      storageProfile: { osDisk: { osType: "Linux", osState: "Generalized", snapshot: { id: snapshot.id } } },
      tags: LABELS,
    });
    expect(id).toBe(image.id);
    expect(optionsOf("web-before-upgrade-disk").dependsOn).toEqual([machine]);
    expect(optionsOf("web-before-upgrade").dependsOn).toEqual([machine]);
  });

  it("restores a VM from the image's resource id", async () => {
    const { parent } = recordingParent("restore");
    const imageId = `${SUB}/resourceGroups/machina-rg/providers/Microsoft.Compute/images/shop-production-web-b`;
    const spec = resolvedSpec(azure, {
      name: "restored",
      sshKeys: [KEY],
      image: { id: "web-before-upgrade", kind: "snapshot", snapshot: pulumi.output(imageId) },
    });
    await valueOf(pulumi.output(azure.create(spec, parent).id));
    await settle();
    const vm = ofType(recorded, VM).find((r) => r.name === "restored")!;
    expect(vm.inputs.storageProfile.imageReference).toEqual({ id: imageId });
    expect(vm.inputs.storageProfile.osDisk.createOption).toBe("FromImage");
  });

  it("checks a plain snapshot id's shape, and takes a Snapshot's id as it comes", () => {
    const check = (snapshot: pulumi.Input<string>) =>
      azure.validate!(resolvedSpec(azure, { sshKeys: [KEY], image: { id: "s", kind: "snapshot", snapshot } }), {
        config: () => undefined,
      });
    expect(check("my-image")).toMatchObject([{ field: "image.snapshot", value: '"my-image"' }]);
    expect(check(`${SUB}/resourceGroups/g/providers/Microsoft.Compute/images/i`)).toEqual([]);
    expect(check(pulumi.output("anything"))).toEqual([]);
  });
});

describe("azure adopt", () => {
  it("plans an import of the VM by its resource id", () => {
    expect(azure.adopt!(VM_ID, resolvedSpec(azure))).toEqual({ type: VM, importId: VM_ID });
  });

  it.each([
    "legacy-web",
    `${SUB}/resourceGroups/legacy-rg/providers/Microsoft.Compute/disks/legacy-web`,
    "/subscriptions/not-a-guid/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/v",
    "",
  ])("refuses %j with what is allowed and the fix", (id) => {
    expect(azure.adopt!(id, resolvedSpec(azure))).toEqual([
      {
        field: "adopt.id",
        value: JSON.stringify(id),
        allowed:
          "a VM resource id: /subscriptions/<subscription>/resourceGroups/<group>/providers/Microsoft.Compute/virtualMachines/<name>",
        fix: expect.stringContaining("az vm show"),
      },
    ]);
  });

  it.each([true, false])(
    "imports the VM (retainOnDelete %s) under its own group and name, keeping disks, OS profile and network, making nothing else",
    async (retainOnDelete) => {
      const before = recorded.length;
      const { parent, optionsOf } = recordingParent(`adopt-${retainOnDelete}`);
      const name = `adopted-${retainOnDelete}`;
      const spec = resolvedSpec(azure, {
        name,
        sshKeys: [KEY],
        firewall: [{ protocol: "tcp", port: 22, toPort: 22, sources: ["0.0.0.0/0"] }],
        adopt: { id: VM_ID, retainOnDelete },
      });
      const result = azure.create(spec, parent);
      await valueOf(pulumi.output(result.id));
      await settle();
      const made = recorded.slice(before);
      expect(made.map((r) => r.type)).toEqual(["test:index:Parent", VM]);
      expect(made[1]).toMatchObject({ name, importId: VM_ID, retainOnDelete });
      expect(made[1].inputs).toEqual({
        vmName: "legacy-web",
        resourceGroupName: "legacy-rg",
        location: "eastus",
        hardwareProfile: { vmSize: spec.size.type },
      });
      expect(optionsOf(name).ignoreChanges).toEqual(["storageProfile", "osProfile", "networkProfile", "tags"]);
      expect(await valueOf(pulumi.output(result.details))).toMatchObject({ resourceGroupName: "legacy-rg" });
    },
  );

  it("refuses ports on an adopted VM and needs no key for it", () => {
    const ports = [{ protocol: "tcp" as const, port: 443, toPort: 443, sources: ["0.0.0.0/0"] }];
    const adopted = resolvedSpec(azure, {
      requestedFirewall: ports,
      firewall: ports,
      adopt: { id: VM_ID, retainOnDelete: true },
    });
    expect(azure.validate!(adopted, { config: () => undefined })).toEqual([
      {
        field: "ports",
        value: "[443]",
        allowed: "no ports on an adopted VM: it keeps its own network security groups",
        fix: "open the ports in the VM's network security group yourself and leave ports out",
      },
    ]);
    expect(azure.validate!({ ...adopted, adopt: undefined }, { config: () => undefined })).toMatchObject([
      { field: "sshKeys" },
    ]);
  });

  it("registers a VM that is not adopted without an import, its details naming the OS disk", async () => {
    const { parent, optionsOf } = recordingParent("fresh");
    const result = azure.create(resolvedSpec(azure, { name: "fresh", sshKeys: [KEY] }), parent);
    await valueOf(pulumi.output(result.id));
    await settle();
    expect(ofType(recorded, VM).find((r) => r.name === "fresh")).toMatchObject({ retainOnDelete: false });
    expect(optionsOf("fresh").import).toBeUndefined();
    expect(optionsOf("fresh").ignoreChanges).toBeUndefined();
    expect(Object.keys((await valueOf(pulumi.output(result.details))) as object)).toContain("osDiskId");
  });
});
