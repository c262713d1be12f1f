/** Power on Proxmox VE: the VM's `started`. */
import type { PowerInputs } from "../../core/contract";
import type { MachineState, PowerState } from "../../core/power";
import { machineStateFrom } from "../../core/power";
import { stateReadFrom } from "../kit/state-reading";

export const VM_TYPE = "proxmoxve:index/vmLegacy:VmLegacy";

export function proxmoxPower(state: PowerState): PowerInputs & { inputs: { started: boolean } } {
  return { type: VM_TYPE, inputs: { started: state !== "stopped" } };
}

/** The VM's `started` as the provider read it. */
export function proxmoxState(started: boolean | undefined): MachineState {
  return machineStateFrom(started, { true: "running", false: "stopped" });
}

/** The live state: the VM's `started`. */
export const proxmoxLiveState = stateReadFrom(VM_TYPE, (outputs) =>
  proxmoxState(outputs.started as boolean | undefined),
);
