/**
 * Power: the state a user asks a machine to be in (`powerState`), and the uniform `state` a Machine
 * reports, mapped from whatever the platform says.
 */

/** What a Machine's `powerState` asks for. */
export const POWER_STATES = ["running", "stopped"] as const;
export type PowerState = (typeof POWER_STATES)[number];

/** What a Machine's `state` output says, on every provider. */
export const MACHINE_STATES = ["running", "stopped", "provisioning", "unknown"] as const;
export type MachineState = (typeof MACHINE_STATES)[number];

export const isPowerState = (value: unknown): value is PowerState =>
  typeof value === "string" && (POWER_STATES as readonly string[]).includes(value);

export const isMachineState = (value: unknown): value is MachineState =>
  typeof value === "string" && (MACHINE_STATES as readonly string[]).includes(value);

/**
 * A platform's status as a MachineState, defensively: the table's keys are compared without case,
 * and anything the table does not name (a new status, undefined, a non-string) is `unknown`.
 */
export function machineStateFrom(status: unknown, table: Record<string, MachineState>): MachineState {
  if (typeof status !== "string" && typeof status !== "boolean") return "unknown";
  const wanted = String(status).toLowerCase();
  for (const [key, state] of Object.entries(table)) if (key.toLowerCase() === wanted) return state;
  return "unknown";
}
