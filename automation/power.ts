/**
 * `machina stop|start|restart <machine>`: the wish is recorded in the stack's `machina:power` map (so a
 * later `up` keeps it) and a targeted up applies it to that machine alone. Restart is a stop and a
 * start of the same machine: its disk, address and platform id are kept.
 */
import * as path from "node:path";
import { capabilitiesOf } from "../core/capabilities";
import { InvalidEnvironmentError, UsageError } from "../core/errors";
import type { PowerState } from "../core/power";
import { stackConfigDir } from "../stacks/environment";
import { checkEnvironment } from "./inspect";
import type { RunOptions, Summary } from "./operations";
import { run } from "./operations";
import { recordPowerWish } from "./power-config";
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
  const projectDir = path.resolve(target.projectDir ?? process.cwd());
  const check = checkEnvironment(projectDir, target.environment, target.provider, {
    ...target.keepConfig,
    ...target.config,
  });
  if (check.problems.length > 0) throw new InvalidEnvironmentError(target.environment, check.problems);
  const names = check.machines.map((m) => m.name);
  if (!names.includes(machine)) {
    throw new UsageError(
      `environment ${target.environment} has no machine ${JSON.stringify(machine)} on ${check.provider}: its machines are ${names.join(", ") || "(none)"}`,
    );
  }
  if (check.module && !capabilitiesOf(check.module).power) {
    throw new UsageError(
      `${check.provider} cannot stop and start machines in place (it has no power capability): ` +
        "`machina providers` lists the providers that have it",
    );
  }
  const stackFile = path.join(stackConfigDir(projectDir), `Pulumi.${check.stack}.yaml`);
  const summaries: Summary[] = [];
  for (const state of STEPS[verb]) {
    recordPowerWish(stackFile, machine, state);
    const summary = await run("up", target, { ...options, machines: [machine] });
    summaries.push(summary);
    if (!summary.ok) break;
  }
  return summaries;
}
