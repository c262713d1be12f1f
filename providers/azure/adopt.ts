/** Adopting an existing Azure VM: its resource id is the import id of the VirtualMachine Machina registers. */
import type { AdoptionPlan, ResolvedMachineSpec } from "../../core/contract";
import type { FieldProblem } from "../../core/errors";
import { adoptedPortsProblems as refusedAdoptedPorts, adoptIdProblem } from "../kit/adoption";

export const VIRTUAL_MACHINE_TYPE = "azure-native:compute:VirtualMachine";

/** The VM a resource id names. */
export interface VmRef {
  resourceGroupName: string;
  vmName: string;
}

const VM_ID =
  /^\/subscriptions\/[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}\/resourceGroups\/([-\w.()]{1,90})\/providers\/Microsoft\.Compute\/virtualMachines\/([-\w.]{1,64})$/i;

export function vmRef(platformId: string): VmRef | undefined {
  const [, resourceGroupName, vmName] = VM_ID.exec(platformId) ?? [];
  return resourceGroupName ? { resourceGroupName, vmName } : undefined;
}

/**
 * What an adopted VM keeps as the platform has it: what only its first boot read (image and OS disk,
 * OS profile with keys and custom data), its tags, and its networking (its network interfaces: Machina
 * makes no network, security group or address for it, and refuses `ports`). Pulumi's import compares
 * the rest (size, location, resource group and name) with the VM and names each field that differs.
 */
export const ADOPTED_AS_IS = ["storageProfile", "osProfile", "networkProfile", "tags"];

export function azureAdopt(platformId: string): AdoptionPlan | FieldProblem[] {
  if (!vmRef(platformId)) {
    return adoptIdProblem(
      platformId,
      "a VM resource id: /subscriptions/<subscription>/resourceGroups/<group>/providers/Microsoft.Compute/virtualMachines/<name>",
      "use the VM's id from `az vm show -g <group> -n <name> --query id`",
    );
  }
  return { type: VIRTUAL_MACHINE_TYPE, importId: platformId };
}

/** Ports on an adopted VM are refused: it keeps its own network security groups. */
export const adoptedPortsProblems = (spec: ResolvedMachineSpec): FieldProblem[] =>
  refusedAdoptedPorts(spec, "VM", "its own network security groups", "the VM's network security group");
