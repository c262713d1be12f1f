/** The Hetzner server's `status` as a Machine state. */
import type { MachineState } from "../../core/power";
import { machineStateFrom } from "../../core/power";
import { stateReadFrom } from "../kit/state-reading";

export function hetznerState(status: string | undefined): MachineState {
  return machineStateFrom(status, {
    initializing: "provisioning",
    starting: "provisioning",
    running: "running",
    stopping: "stopped",
    off: "stopped",
  });
}

export const SERVER_TYPE = "hcloud:index/server:Server";

/** The live state: the server's `status`. */
export const hetznerLiveState = stateReadFrom(SERVER_TYPE, (outputs) =>
  hetznerState(outputs.status as string | undefined),
);
