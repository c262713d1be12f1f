/** Power on Proxmox VE: the VM's `started`. */
import type { PowerInputs } from "../../core/contract";
import type { MachineState, PowerState } from "../../core/power";
import { machineStateFrom } from "../../core/power";

export const VM_TYPE = "proxmoxve:index/vmLegacy:VmLegacy";

export function proxmoxPower(state: PowerState): PowerInputs & { inputs: { started: boolean } } {
  return { type: VM_TYPE, inputs: { started: state !== "stopped" } };
}

/** The VM's `started` as the provider read it. */
export function proxmoxState(started: boolean | undefined): MachineState {
  return machineStateFrom(started, { true: "running", false: "stopped" });
}
