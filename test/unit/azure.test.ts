import { describe, expect, it } from "vitest";
import { machinaUnderMocks, KEY_A, ofType, settle, valueOf } from "../../dist/testing";

const { recorded, Machine } = machinaUnderMocks({
  project: "shop",
  stack: "production",
  config: { "machina:provider": "azure", "machina:region": "westeurope" },
});

const one = (type: string, name: string) => ofType(recorded, type).find((r) => r.name === name)!;

describe("azure module", () => {
  it("builds the chain resource group, network, subnet, NSG, public IP, NIC and VM with exact inputs", async () => {
    const m = new Machine("web", {
      size: "medium",
      image: "ubuntu-24.04",
      sshKeys: [KEY_A],
      userData: "#cloud-config\npackages: [nginx]\n",
      labels: { team: "shop" },
      ports: [443, { port: 5432, sources: ["10.0.0.0/8", "fd00::/8"] }],
      zone: "2",
    });
    await valueOf(m.id);
    await settle();

    const rgs = ofType(recorded, "azure-native:resources:ResourceGroup");
    expect(rgs.map((r) => r.inputs)).toEqual([
      {
        resourceGroupName: "machina-shop-production-westeurope",
        location: "westeurope",
        tags: { "managed-by": "machina" },
      },
    ]);
    const vnet = ofType(recorded, "azure-native:network:VirtualNetwork")[0];
    expect(vnet.inputs).toMatchObject({
      virtualNetworkName: "machina-shop-production-westeurope",
      resourceGroupName: "machina-shop-production-westeurope",
      location: "westeurope",
      addressSpace: { addressPrefixes: ["10.42.0.0/16"] },
      tags: { "managed-by": "machina" },
    });
    expect(ofType(recorded, "azure-native:network:Subnet")[0].inputs).toMatchObject({
      subnetName: "machines",
      addressPrefix: "10.42.0.0/24",
    });

    const nsg = one("azure-native:network:NetworkSecurityGroup", "web-nsg");
    const base = { direction: "Inbound", access: "Allow", sourcePortRange: "*", destinationAddressPrefix: "*" };
    expect(nsg.inputs.securityRules).toEqual([
      {
        ...base,
        name: "machina-tcp-22-100",
        priority: 100,
        protocol: "Tcp",
        destinationPortRange: "22",
        sourceAddressPrefix: "*",
      },
      {
        ...base,
        name: "machina-tcp-443-101",
        priority: 101,
        protocol: "Tcp",
        destinationPortRange: "443",
        sourceAddressPrefix: "*",
      },
      {
        ...base,
        name: "machina-tcp-5432-102",
        priority: 102,
        protocol: "Tcp",
        destinationPortRange: "5432",
        sourceAddressPrefix: "10.0.0.0/8",
      },
      {
        ...base,
        name: "machina-tcp-5432-103",
        priority: 103,
        protocol: "Tcp",
        destinationPortRange: "5432",
        sourceAddressPrefix: "fd00::/8",
      },
    ]);

    expect(one("azure-native:network:PublicIPAddress", "web-ip").inputs).toMatchObject({
      publicIPAllocationMethod: "Static",
      sku: { name: "Standard" },
      zones: ["2"],
    });
    const nic = one("azure-native:network:NetworkInterface", "web-nic");
    expect(nic.inputs.ipConfigurations[0]).toMatchObject({
      primary: true,
      subnet: { id: expect.any(String) },
      publicIPAddress: { id: expect.any(String) },
    });
    expect(nic.inputs.networkSecurityGroup).toEqual({ id: expect.any(String) });

    const vm = one("azure-native:compute:VirtualMachine", "web");
    expect(vm.inputs).toEqual({
      vmName: "shop-production-web",
      resourceGroupName: "machina-shop-production-westeurope",
      location: "westeurope",
      zones: ["2"],
      hardwareProfile: { vmSize: "Standard_B2s" },
      storageProfile: {
        imageReference: { publisher: "Canonical", offer: "ubuntu-24_04-lts", sku: "server", version: "latest" },
        osDisk: {
          createOption: "FromImage",
          diskSizeGB: 30,
          deleteOption: "Delete",
          managedDisk: { storageAccountType: "StandardSSD_LRS" },
        },
      },
      osProfile: {
        computerName: "web",
        adminUsername: "azureuser",
        customData: Buffer.from("#cloud-config\npackages: [nginx]\n").toString("base64"),
        linuxConfiguration: {
          disablePasswordAuthentication: true,
          ssh: { publicKeys: [{ path: "/home/azureuser/.ssh/authorized_keys", keyData: KEY_A }] },
        },
      },
      networkProfile: { networkInterfaces: [{ id: expect.any(String), primary: true, deleteOption: "Delete" }] },
      tags: { team: "shop", "managed-by": "machina" },
    });
    expect(await valueOf(m.publicIp)).toMatch(/^20\.0\.0\.\d+$/);
    expect(await valueOf(m.privateIp)).toMatch(/^10\.42\.0\.\d+$/);
    expect(await valueOf(m.ssh)).toMatch(/^ssh azureuser@20\.0\.0\.\d+$/);
  });

  it("shares the group and network, maps arm64 and Debian images, and goes private in a given subnet", async () => {
    const before = ofType(recorded, "azure-native:resources:ResourceGroup").length;
    const a = new Machine("arm", {
      arch: "arm64",
      size: { cpus: 2, memoryGiB: 8 },
      image: "debian-12",
      sshKeys: [KEY_A],
    });
    const b = new Machine("inner", {
      sshKeys: [KEY_A],
      publicIp: false,
      providerOptions: {
        azure: {
          resourceGroupName: "ops",
          subnetId: "/subscriptions/s/resourceGroups/ops/providers/Microsoft.Network/virtualNetworks/v/subnets/s",
        },
      },
    });
    await Promise.all([valueOf(a.id), valueOf(b.id)]);
    await settle();
    expect(ofType(recorded, "azure-native:resources:ResourceGroup").length).toBe(before);
    expect(one("azure-native:compute:VirtualMachine", "arm").inputs).toMatchObject({
      hardwareProfile: { vmSize: "Standard_B2ps_v2" },
      storageProfile: {
        imageReference: { publisher: "Debian", offer: "debian-12", sku: "12-arm64", version: "latest" },
      },
    });
    expect(one("azure-native:compute:VirtualMachine", "inner").inputs.resourceGroupName).toBe("ops");
    expect(ofType(recorded, "azure-native:network:PublicIPAddress").some((r) => r.name === "inner-ip")).toBe(false);
    expect(await valueOf(b.publicIp)).toBeUndefined();
  });

  it("refuses what Azure would refuse, before anything is created", () => {
    const before = recorded.length;
    expect(() => new Machine("nokey", {})).toThrow(/nokey.sshKeys = \[\]: allowed at least one key/);
    expect(() => new Machine("badimg", { sshKeys: [KEY_A], image: { id: "ubuntu" } })).toThrow(
      /badimg.image.id = "ubuntu": allowed a marketplace URN/,
    );
    expect(() => new Machine("badzone", { sshKeys: [KEY_A], zone: "4" })).toThrow(
      /badzone.zone = "4": allowed a zone of westeurope: 1, 2, 3/,
    );
    expect(recorded.length).toBe(before);
  });
});
