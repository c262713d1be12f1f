/** The droplet's `status` as a Machine state. */
import type { MachineState } from "../../core/power";
import { machineStateFrom } from "../../core/power";
import { stateReadFrom } from "../kit/state-reading";

export function dropletState(status: string | undefined): MachineState {
  return machineStateFrom(status, { new: "provisioning", active: "running", off: "stopped" });
}

export const DROPLET_TYPE = "digitalocean:index/droplet:Droplet";

/** The live state: the droplet's `status`. */
export const dropletLiveState = stateReadFrom(DROPLET_TYPE, (outputs) =>
  dropletState(outputs.status as string | undefined),
);
