import type { StateOperation } from "../../core/contract";
import type { MachineState } from "../../core/power";

/** A `state` operation reading the live state from the outputs of the one resource type that carries it. */
export function stateReadFrom(type: string, read: (outputs: Record<string, unknown>) => MachineState): StateOperation {
  return (resourceType, outputs) => (resourceType === type ? read(outputs) : undefined);
}
