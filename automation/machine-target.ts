/**
 * What a verb on one machine of an environment (`stop`, `snapshot`, `adopt`) checks before it writes the
 * stack's file: the environment's files are valid, the machine is one of its machines and its provider
 * has the capability the verb needs. Each failure is a usage mistake that says what to do.
 */
import * as path from "node:path";
import { capabilitiesOf } from "../core/capabilities";
import type { ProviderCapabilities } from "../core/contract";
import { InvalidEnvironmentError, UsageError } from "../core/errors";
import { stackConfigDir } from "../stacks/environment";
import { checkEnvironment } from "./inspect";
import type { EnvironmentTarget } from "./workspace";

/** The environment's stack, checked (its problems refused), and the stack's own file. */
export function checkedStack(target: EnvironmentTarget) {
  const projectDir = path.resolve(target.projectDir ?? process.cwd());
  const check = checkEnvironment(projectDir, target.environment, target.provider, {
    ...target.keepConfig,
    ...target.config,
  });
  if (check.problems.length > 0) throw new InvalidEnvironmentError(target.environment, check.problems);
  return { check, stackFile: path.join(stackConfigDir(projectDir), `Pulumi.${check.stack}.yaml`) };
}

export interface MachineVerb {
  /** The capability the verb needs. */
  capability: keyof ProviderCapabilities;
  /** What a provider without it cannot do: "stop and start machines in place". */
  cannot: string;
  /** What to do about a machine that is not one of the environment's, before its list. */
  unknownMachineFix?: string;
}

/** `checkedStack`, with `machine` one of the environment's machines on a provider that can do `verb`. */
export function checkedMachine(target: EnvironmentTarget, machine: string, verb: MachineVerb) {
  const checked = checkedStack(target);
  const { check } = checked;
  const names = check.machines.map((m) => m.name);
  if (!names.includes(machine)) {
    const list = names.join(", ") || "(none)";
    throw new UsageError(
      `environment ${target.environment} has no machine ${JSON.stringify(machine)} on ${check.provider}: ` +
        (verb.unknownMachineFix ? `${verb.unknownMachineFix}. Its machines are ${list}` : `its machines are ${list}`),
    );
  }
  if (check.module && !capabilitiesOf(check.module)[verb.capability]) {
    throw new UsageError(
      `${check.provider} cannot ${verb.cannot} (it has no ${verb.capability} capability): ` +
        "`machina providers` lists the providers that have it",
    );
  }
  return checked;
}
