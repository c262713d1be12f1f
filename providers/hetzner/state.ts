/** The Hetzner server's `status` as a Machine state. */
import type { MachineState } from "../../core/power";
import { machineStateFrom } from "../../core/power";

export function hetznerState(status: string | undefined): MachineState {
  return machineStateFrom(status, {
    initializing: "provisioning",
    starting: "provisioning",
    running: "running",
    stopping: "stopped",
    off: "stopped",
  });
}
