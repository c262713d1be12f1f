/** `powerState`: running (the default) or stopped, on a provider that can set it in place. */
import { POWER_STATES, isPowerState, type PowerState } from "../power";
import type { Resolution } from "./problems";
import { problem } from "./problems";

/** The shape alone: a known power state when given. */
export function checkPowerStateShape(value: unknown): Resolution<PowerState> {
  if (value === undefined) return { value: "running", problems: [] };
  if (isPowerState(value)) return { value, problems: [] };
  return {
    value: "running",
    problems: [
      problem("powerState", value, POWER_STATES.join(" or "), 'write powerState: "stopped" (or leave it out)'),
    ],
  };
}

/**
 * The power state on this provider: without the power capability (its module exports no `power`),
 * only the default is possible, and a stop is refused with what to do instead.
 */
export function resolvePowerState(value: unknown, provider: { name: string; power?: unknown }): Resolution<PowerState> {
  const shape = checkPowerStateShape(value);
  if (shape.problems.length > 0 || shape.value === "running" || typeof provider.power === "function") return shape;
  return {
    value: "running",
    problems: [
      problem(
        "powerState",
        value,
        `"running" only: ${provider.name} cannot stop a machine in place (it has no power capability)`,
        `remove powerState, or run the machine on a provider with the power capability (\`machina providers\` lists them); removing the machine instead deletes it`,
      ),
    ],
  };
}
