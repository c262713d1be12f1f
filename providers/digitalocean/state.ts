/** The droplet's `status` as a Machine state. */
import type { MachineState } from "../../core/power";
import { machineStateFrom } from "../../core/power";

export function dropletState(status: string | undefined): MachineState {
  return machineStateFrom(status, { new: "provisioning", active: "running", off: "stopped" });
}
