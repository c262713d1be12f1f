/**
 * `machina stop|start|restart <machine>`: the wish is recorded in the stack's `machina:power` map (so a
 * later `up` keeps it) and a targeted up applies it to that machine alone. Restart is a stop and a
 * start of the same machine: its disk, address and platform id are kept.
 */
import type { PowerState } from "../core/power";
import type { RunOptions, Summary } from "./operations";
import { run } from "./operations";
import { recordPowerWish } from "./power-config";
import { checkedMachine } from "./machine-target";
import type { EnvironmentTarget } from "./workspace";

export type PowerVerb = "stop" | "start" | "restart";

const STEPS: Record<PowerVerb, PowerState[]> = {
  stop: ["stopped"],
  start: ["running"],
  restart: ["stopped", "running"],
};

/**
 * Records the wish and runs a targeted up per step; stops at the first failed step. Throws before
 * anything is written for a usage mistake (an unknown machine, a provider without the power capability).
 */
export async function changePower(
  verb: PowerVerb,
  machine: string,
  target: EnvironmentTarget,
  options: RunOptions = {},
): Promise<Summary[]> {
  const { stackFile } = checkedMachine(target, machine, {
    capability: "power",
    cannot: "stop and start machines in place",
  });
  const summaries: Summary[] = [];
  for (const state of STEPS[verb]) {
    recordPowerWish(stackFile, machine, state);
    const summary = await run("up", target, { ...options, machines: [machine] });
    summaries.push(summary);
    if (!summary.ok) break;
  }
  return summaries;
}
