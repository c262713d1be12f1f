/** Power on libvirt: the machine's dynamic resource carries `powerState` (absent means running). */
import type { PowerInputs } from "../../core/contract";
import type { MachineState, PowerState } from "../../core/power";
import { machineStateFrom } from "../../core/power";

export const LIBVIRT_MACHINE_TYPE = "pulumi-nodejs:dynamic/machina:LibvirtMachine";

/** Only `stopped` is written: state recorded before powerState existed has none and means running. */
export function libvirtPower(state: PowerState): PowerInputs & { inputs: { powerState?: "stopped" } } {
  return { type: LIBVIRT_MACHINE_TYPE, inputs: { powerState: state === "stopped" ? "stopped" : undefined } };
}

/** `virsh dominfo`'s state (as the dynamic provider reads it) as a Machine state. */
export function libvirtState(state: string | undefined): MachineState {
  return machineStateFrom(state, { running: "running", "shut off": "stopped" });
}
