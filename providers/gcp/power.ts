/** Power on Compute Engine: the instance's `desiredStatus` (TERMINATED is GCE's word for stopped). */
import type { PowerInputs } from "../../core/contract";
import type { MachineState, PowerState } from "../../core/power";
import { machineStateFrom } from "../../core/power";
import { stateReadFrom } from "../kit/state-reading";

export const INSTANCE_TYPE = "gcp:compute/instance:Instance";

export function gcpPower(state: PowerState): PowerInputs & { inputs: { desiredStatus: "RUNNING" | "TERMINATED" } } {
  return { type: INSTANCE_TYPE, inputs: { desiredStatus: state === "stopped" ? "TERMINATED" : "RUNNING" } };
}

/** The instance's `currentStatus`. */
export function gcpState(status: string | undefined): MachineState {
  return machineStateFrom(status, {
    PROVISIONING: "provisioning",
    STAGING: "provisioning",
    RUNNING: "running",
    STOPPING: "stopped",
    TERMINATED: "stopped",
    SUSPENDING: "stopped",
    SUSPENDED: "stopped",
  });
}

/** The live state: the instance's `currentStatus`. */
export const gcpLiveState = stateReadFrom(INSTANCE_TYPE, (outputs) =>
  gcpState(outputs.currentStatus as string | undefined),
);
