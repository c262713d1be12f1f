import { FileLegacy as DownloadedFile } from "@muhlba91/pulumi-proxmoxve/download/fileLegacy";
import { FileLegacy } from "@muhlba91/pulumi-proxmoxve/fileLegacy";
import { VmLegacy } from "@muhlba91/pulumi-proxmoxve/vmLegacy";
import type * as pulumi from "@pulumi/pulumi";
import { labelValues, withKeys } from "../kit/settled";
import { transformed } from "../kit/transform";
import { contentHash, sharedPerStack } from "../kit/shared";
import { cpusAndMemory } from "../../core/sizes";
import type { MachineResult, ResolvedMachineSpec } from "../../core/contract";
import { proxmoxOptions } from "./options";
import { guestAgentEnabled, snippetUserData } from "./user-data";
import { proxmoxPower, proxmoxState, VM_TYPE } from "./power";
import { ADOPTED_AS_IS, proxmoxAdopt } from "./adopt";
import { adoptionOptions, isAdopted } from "../kit/adoption";
import { machineStateOutput } from "../kit/machine-state";

/** The first non-loopback IPv4 address the guest agent reports, if any. */
export function firstAddress(addresses: string[][] | undefined): string | undefined {
  return (addresses ?? []).flat().find((a) => a && !a.startsWith("127."));
}

export function createProxmoxVm(spec: ResolvedMachineSpec, parent: pulumi.Resource): MachineResult {
  const o = proxmoxOptions.read(spec);
  const node = o.node;
  const datastore = o.datastore;
  const guestAgent = guestAgentEnabled(spec);
  const { cpus: cores, memoryMiB } = cpusAndMemory(spec.size);

  // Cloud images are downloaded once per node and shared; a template is cloned instead. An adopted VM
  // booted long ago: neither an image nor a user-data snippet is made for it.
  const adopted = isAdopted(spec);
  const image =
    o.templateVmId === undefined && !adopted
      ? sharedPerStack(
          "proxmox",
          `image-${node}`,
          spec.image.id,
          (name, _platformName, opts) =>
            new DownloadedFile(
              name,
              {
                contentType: "iso",
                datastoreId: o.imageDatastore,
                nodeName: node,
                url: spec.image.id,
                fileName: `machina-${contentHash(spec.image.id)}.img`,
                overwrite: false,
              },
              opts,
            ),
          { parent, type: "proxmoxve:download/fileLegacy:FileLegacy" },
        )
      : undefined;

  // Custom user data is a snippet on the node (uploaded over SSH), see snippetUserData.
  const snippet =
    spec.userData === undefined || adopted
      ? undefined
      : new FileLegacy(
          `${spec.name}-user-data`,
          {
            contentType: "snippets",
            datastoreId: o.snippetDatastore,
            nodeName: node,
            sourceRaw: {
              fileName: `${spec.platformName}-user-data.yaml`,
              data: withKeys(spec, (settled, u) => snippetUserData(settled, u) as string),
            },
          },
          { parent },
        );

  const vm = new VmLegacy(
    ...transformed(
      o.transform?.vm,
      spec.name,
      {
        name: spec.hostname,
        nodeName: node,
        description: `Machina ${spec.platformName}`,
        tags: labelValues(spec, (labels) =>
          Object.entries(labels)
            .map(([k, v]) => (v ? `${k}-${v}` : k))
            .sort(),
        ),
        clone: o.templateVmId === undefined ? undefined : { vmId: o.templateVmId, full: true },
        cpu: { cores, type: "x86-64-v2-AES" },
        memory: { dedicated: memoryMiB },
        agent: { enabled: guestAgent },
        operatingSystem: { type: "l26" },
        serialDevices: [{}],
        disks: [
          {
            interface: "virtio0",
            datastoreId: datastore,
            size: spec.diskGiB ?? 20,
            discard: "on",
            ...(image ? { fileId: image.id } : {}),
          },
        ],
        networkDevices: [{ bridge: o.bridge, model: "virtio" }],
        initialization: {
          datastoreId: datastore,
          ipConfigs: [{ ipv4: { address: "dhcp" } }],
          ...(snippet
            ? { userDataFileId: snippet.id }
            : { userAccount: { username: spec.sshUser, keys: spec.sshKeys } }),
        },
        onBoot: true,
        ...proxmoxPower(spec.powerState ?? "running").inputs,
        stopOnDestroy: true,
        ...o.vm,
      },
      { parent, ...(adopted ? { ignoreChanges: ADOPTED_AS_IS } : {}), ...adoptionOptions(spec, proxmoxAdopt, VM_TYPE) },
    ),
  );

  return {
    id: vm.vmId.apply(String),
    state: machineStateOutput(vm.started, proxmoxState),
    publicIp: undefined,
    privateIp: vm.ipv4Addresses.apply((a) => firstAddress(a)),
    details: {
      node,
      vmId: vm.vmId,
      datastore,
      guestAgent,
      imageFileId: image?.id,
      mode: o.templateVmId === undefined ? "import" : "clone",
    },
  };
}
