/** Power on EC2: an `InstanceState` of the instance, running or stopped (a stop is a clean shutdown). */
import type { PowerInputs } from "../../core/contract";
import type { MachineState, PowerState } from "../../core/power";
import { machineStateFrom } from "../../core/power";
import { stateReadFrom } from "../kit/state-reading";

export const INSTANCE_STATE_TYPE = "aws:ec2transitgateway/instanceState:InstanceState";

export function awsPower(state: PowerState): PowerInputs & { inputs: { state: PowerState } } {
  return { type: INSTANCE_STATE_TYPE, inputs: { state } };
}

/** The live state: the InstanceState resource's `state`. */
export const awsLiveState = stateReadFrom(INSTANCE_STATE_TYPE, (outputs) =>
  awsState(outputs.state as string | undefined),
);

/** EC2's instance states (pending, running, stopping, stopped, shutting-down, terminated). */
export function awsState(state: string | undefined): MachineState {
  return machineStateFrom(state, {
    pending: "provisioning",
    running: "running",
    stopping: "stopped",
    stopped: "stopped",
  });
}
