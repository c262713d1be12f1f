/** Power on libvirt: the machine's dynamic resource carries `powerState` (absent means running). */
import type { PowerInputs } from "../../core/contract";
import type { MachineState, PowerState } from "../../core/power";
import { machineStateFrom } from "../../core/power";
import { stateReadFrom } from "../kit/state-reading";

export const LIBVIRT_MACHINE_TYPE = "pulumi-nodejs:dynamic/machina:LibvirtMachine";

/** Only `stopped` is written: state recorded before powerState existed has none and means running. */
export function libvirtPower(state: PowerState): PowerInputs & { inputs: { powerState?: "stopped" } } {
  return { type: LIBVIRT_MACHINE_TYPE, inputs: { powerState: state === "stopped" ? "stopped" : undefined } };
}

/** The live state: the machine resource's `state`, as a refresh reads it with `virsh dominfo`. */
export const libvirtLiveState = stateReadFrom(LIBVIRT_MACHINE_TYPE, (outputs) =>
  libvirtState(outputs.state as string | undefined),
);

/** `virsh dominfo`'s state (as the dynamic provider reads it) as a Machine state. */
export function libvirtState(state: string | undefined): MachineState {
  return machineStateFrom(state, { running: "running", "shut off": "stopped" });
}
