import type { VirtualMachineArgs } from "@pulumi/azure-native/compute/virtualMachine";
import { VirtualMachine } from "@pulumi/azure-native/compute/virtualMachine";
import { NetworkInterface } from "@pulumi/azure-native/network/networkInterface";
import { NetworkSecurityGroup } from "@pulumi/azure-native/network/networkSecurityGroup";
import { PublicIPAddress } from "@pulumi/azure-native/network/publicIPAddress";
import { Subnet } from "@pulumi/azure-native/network/subnet";
import { VirtualNetwork } from "@pulumi/azure-native/network/virtualNetwork";
import { ResourceGroup } from "@pulumi/azure-native/resources/resourceGroup";
import type * as azureInputs from "@pulumi/azure-native/types/input";
import * as pulumi from "@pulumi/pulumi";
import { sharedPerStack } from "../kit/shared";
import { firewallRules } from "../kit/settled";
import { portRange } from "../kit/firewall";
import { transformed } from "../kit/transform";
import type { FirewallRule } from "../../core/firewall-rule";
import { MANAGED_LABELS } from "../../core/resolve/labels";
import { derivedName, platformNameFor } from "../../core/naming";
import type { MachineResult, ResolvedMachineSpec } from "../../core/contract";
import { azureOptions } from "./options";
import { azureCustomData } from "./user-data";
import { azureState } from "./state";
import { ADOPTED_AS_IS, azureAdopt, VIRTUAL_MACHINE_TYPE, vmRef } from "./adopt";
import { adoptionOptions } from "../kit/adoption";
import { requestedImage } from "../kit/requested-image";
import { machineStateOutput } from "../kit/machine-state";

const ANYWHERE = ["0.0.0.0/0", "::/0"];

export function imageReference(id: string): Record<string, string> {
  if (id.startsWith("/subscriptions/")) return { id };
  const [publisher, offer, sku, version] = id.split(":");
  return { publisher, offer, sku, version };
}

/** NSG rules: one per rule and address family (Azure rules do not mix IPv4 and IPv6), from priority 100. */
export function securityRules(rules: FirewallRule[]): azureInputs.network.SecurityRuleArgs[] {
  const out: azureInputs.network.SecurityRuleArgs[] = [];
  for (const rule of rules) {
    const anywhere = ANYWHERE.every((a) => rule.sources.includes(a)) && rule.sources.length === 2;
    const families = anywhere
      ? [["*"]]
      : [rule.sources.filter((s) => !s.includes(":")), rule.sources.filter((s) => s.includes(":"))].filter(
          (f) => f.length > 0,
        );
    for (const sources of families) {
      const priority = 100 + out.length;
      out.push({
        name: `machina-${rule.protocol}-${rule.port}${rule.toPort !== rule.port ? `-${rule.toPort}` : ""}-${priority}`,
        priority,
        direction: "Inbound",
        access: "Allow",
        protocol: rule.protocol === "tcp" ? "Tcp" : "Udp",
        sourcePortRange: "*",
        destinationPortRange: portRange(rule),
        ...(sources.length === 1 ? { sourceAddressPrefix: sources[0] } : { sourceAddressPrefixes: sources }),
        destinationAddressPrefix: "*",
      });
    }
  }
  return out;
}

export function createAzureVm(spec: ResolvedMachineSpec, parent: pulumi.Resource): MachineResult {
  const adopted = spec.adopt ? vmRef(spec.adopt.id) : undefined;
  return adopted ? adoptAzureVm(spec, adopted, parent) : createNewAzureVm(spec, parent);
}

/** The VM to restore from: a Snapshot's managed image, or the spec's image. */
function imageOf(spec: ResolvedMachineSpec): azureInputs.compute.ImageReferenceArgs {
  return spec.image.kind === "snapshot" ? { id: spec.image.snapshot ?? spec.image.id } : imageReference(spec.image.id);
}

/**
 * An existing VM taken over: imported into the VirtualMachine under its own resource group and name,
 * with its disks, OS profile and network interfaces kept (azureAdopt); no network is made for it.
 */
function adoptAzureVm(
  spec: ResolvedMachineSpec,
  adopted: { resourceGroupName: string; vmName: string },
  parent: pulumi.Resource,
): MachineResult {
  const options = azureOptions.read(spec);
  const vm = new VirtualMachine(
    ...transformed(
      options.transform?.virtualMachine,
      spec.name,
      {
        vmName: adopted.vmName,
        resourceGroupName: adopted.resourceGroupName,
        location: spec.region,
        hardwareProfile: { vmSize: spec.size.type },
        ...options.virtualMachine,
      } as VirtualMachineArgs,
      { parent, ignoreChanges: ADOPTED_AS_IS, ...adoptionOptions(spec, azureAdopt, VIRTUAL_MACHINE_TYPE) },
    ),
  );
  return {
    id: vm.vmId,
    state: machineStateOutput(pulumi.all([vm.instanceView, vm.provisioningState]), ([view, provisioning]) =>
      azureState(view, provisioning),
    ),
    publicIp: undefined,
    privateIp: undefined,
    details: {
      resourceGroupName: adopted.resourceGroupName,
      vmResourceId: vm.id,
      osDiskId: vm.storageProfile.apply((p) => p?.osDisk?.managedDisk?.id),
    },
  };
}

function createNewAzureVm(spec: ResolvedMachineSpec, parent: pulumi.Resource): MachineResult {
  const options = azureOptions.read(spec);
  const location = spec.region;
  const stackScope = derivedName("", platformNameFor(pulumi.getProject(), pulumi.getStack(), location), "", 60);

  // The resource group and network are shared by the stack's machines in a region.
  const resourceGroupName: pulumi.Input<string> =
    options.resourceGroupName ??
    sharedPerStack(
      "azure",
      `rg-${location}`,
      location,
      (name, _platformName, opts) =>
        new ResourceGroup(name, { resourceGroupName: `machina-${stackScope}`, location, tags: MANAGED_LABELS }, opts),
      { parent, type: "azure-native:resources:ResourceGroup" },
    ).name;
  const makeNetwork = (name: string, opts?: pulumi.CustomResourceOptions) => {
    const vnet = new VirtualNetwork(
      name,
      {
        virtualNetworkName: `machina-${stackScope}`,
        resourceGroupName,
        location,
        addressSpace: { addressPrefixes: ["10.42.0.0/16"] },
        tags: MANAGED_LABELS,
      },
      opts,
    );
    return new Subnet(
      `${name}-subnet`,
      {
        subnetName: "machines",
        resourceGroupName,
        virtualNetworkName: vnet.name,
        addressPrefix: "10.42.0.0/24",
      },
      opts,
    );
  };
  const subnetId: pulumi.Input<string> =
    options.subnetId ??
    sharedPerStack(
      "azure",
      `net-${location}`,
      { location, resourceGroupName: options.resourceGroupName ?? "shared" },
      (name, _platformName, opts) => makeNetwork(name, opts),
      { parent, type: "azure-native:network:VirtualNetwork" },
      { name: `${spec.name}-net`, platformName: spec.platformName },
    ).id;

  const nsg = new NetworkSecurityGroup(
    `${spec.name}-nsg`,
    {
      networkSecurityGroupName: spec.platformName,
      resourceGroupName,
      location,
      securityRules: firewallRules(spec, securityRules),
      tags: spec.labels,
    },
    { parent },
  );
  const publicIp = spec.publicIp
    ? new PublicIPAddress(
        `${spec.name}-ip`,
        {
          publicIpAddressName: spec.platformName,
          resourceGroupName,
          location,
          publicIPAllocationMethod: "Static",
          sku: { name: "Standard" },
          zones: spec.zone ? [spec.zone] : undefined,
          tags: spec.labels,
        },
        { parent },
      )
    : undefined;
  const nic = new NetworkInterface(
    `${spec.name}-nic`,
    {
      networkInterfaceName: spec.platformName,
      resourceGroupName,
      location,
      networkSecurityGroup: { id: nsg.id },
      ipConfigurations: [
        {
          name: "primary",
          primary: true,
          privateIPAllocationMethod: "Dynamic",
          subnet: { id: subnetId },
          publicIPAddress: publicIp ? { id: publicIp.id } : undefined,
        },
      ],
      tags: spec.labels,
    },
    { parent },
  );

  const customData =
    spec.userData === undefined ? undefined : pulumi.output(spec.userData).apply((u) => azureCustomData(u));
  const vm = new VirtualMachine(
    ...transformed(
      options.transform?.virtualMachine,
      spec.name,
      {
        vmName: spec.platformName,
        resourceGroupName,
        location,
        zones: spec.zone ? [spec.zone] : undefined,
        hardwareProfile: { vmSize: spec.size.type },
        storageProfile: {
          imageReference: imageOf(spec),
          osDisk: {
            createOption: "FromImage",
            diskSizeGB: spec.diskGiB ?? 30,
            deleteOption: "Delete",
            managedDisk: { storageAccountType: "StandardSSD_LRS" },
          },
        },
        osProfile: {
          computerName: spec.hostname,
          adminUsername: spec.sshUser,
          customData,
          linuxConfiguration: {
            disablePasswordAuthentication: true,
            ssh: {
              publicKeys: spec.sshKeys.map((keyData) => ({
                path: `/home/${spec.sshUser}/.ssh/authorized_keys`,
                keyData,
              })),
            },
          },
        },
        networkProfile: { networkInterfaces: [{ id: nic.id, primary: true, deleteOption: "Delete" }] },
        tags: spec.labels,
        ...options.virtualMachine,
      } as VirtualMachineArgs,
      // Azure refuses to change a VM's image in place (the provider would plan an update): another image replaces it.
      { parent, replacementTrigger: requestedImage(spec) },
    ),
  );

  return {
    id: vm.vmId,
    state: machineStateOutput(pulumi.all([vm.instanceView, vm.provisioningState]), ([view, provisioning]) =>
      azureState(view, provisioning),
    ),
    publicIp: publicIp?.ipAddress,
    privateIp: nic.ipConfigurations.apply((c) => c?.[0]?.privateIPAddress),
    details: {
      resourceGroupName,
      networkInterfaceId: nic.id,
      networkSecurityGroupId: nsg.id,
      vmResourceId: vm.id,
      osDiskId: vm.storageProfile.apply((p) => p?.osDisk?.managedDisk?.id),
    },
  };
}
