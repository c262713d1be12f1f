/** Adopting an existing Proxmox VE VM: `<node>/<vmid>` is the import id of the VM Machina registers. */
import type { AdoptionPlan, ResolvedMachineSpec } from "../../core/contract";
import type { FieldProblem } from "../../core/errors";
import { adoptIdProblem } from "../kit/adoption";
import { proxmoxOptions } from "./options";
import { VM_TYPE } from "./power";

/**
 * What an adopted VM keeps as the platform has it: what only its first boot read (clone source, disks
 * and their image, cloud-init settings and user data), its name, description, tags, CPU model, devices
 * and boot settings. Pulumi's import compares the rest (node, cores, memory, started) with the VM and
 * names each field that differs.
 */
export const ADOPTED_AS_IS = [
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
];

export function proxmoxAdopt(platformId: string, spec: ResolvedMachineSpec): AdoptionPlan | FieldProblem[] {
  const [, node, vmId] = /^([a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)\/([1-9][0-9]{2,8})$/.exec(platformId) ?? [];
  if (!node) {
    return adoptIdProblem(
      platformId,
      "a VM as <node>/<vmid>, e.g. pve/105",
      "use the node name and VM ID from `qm list` on the node (or the web UI)",
    );
  }
  const expected = proxmoxOptions.read(spec).node;
  if (node !== expected) {
    return adoptIdProblem(
      platformId,
      `a VM on node ${expected}, where this Machine runs`,
      `set providerOptions: { proxmox: { node: "${node}" } }, or adopt a VM on ${expected}`,
    );
  }
  return { type: VM_TYPE, importId: `${node}/${vmId}` };
}
