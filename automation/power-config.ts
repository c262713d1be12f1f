/** The per-stack power wishes, `machina:power: { web: stopped }` in Pulumi.<stack>.yaml (see stack-map.ts). */
import type { PowerState } from "../core/power";
import { setStackMapEntry } from "./stack-map";

export const POWER_KEY = "machina:power";

/** Records that `machine` should be `state` in the stack file `file` (created when missing). */
export function recordPowerWish(file: string, machine: string, state: PowerState): void {
  setStackMapEntry(file, POWER_KEY, machine, state);
}
