import type * as pulumi from "@pulumi/pulumi";
import type { MachineState } from "../../core/power";
import { isMachineState } from "../../core/power";

/** The states made by `machineStateOutput`: uniform already, so the Machine maps them no second time. */
const uniform = new WeakSet<object>();

/**
 * A platform's status mapped to the uniform state in one apply. A Machine maps any other `state` a
 * module gives once more itself (contract 1.1: anything but a uniform state is `unknown`); at a
 * thousand Machines that second apply is a cost worth saving.
 */
export function machineStateOutput<T>(
  status: pulumi.Output<T>,
  map: (status: T) => MachineState,
): pulumi.Output<MachineState> {
  const state = status.apply((s): MachineState => {
    const mapped = map(s);
    return isMachineState(mapped) ? mapped : "unknown";
  });
  uniform.add(state);
  return state;
}

/** Whether `state` came from `machineStateOutput`. */
export function isUniformStateOutput(state: unknown): state is pulumi.Output<MachineState> {
  return typeof state === "object" && state !== null && uniform.has(state);
}
