/**
 * `machina adopt <platform-id> --as <machine>`: the adoption is recorded in the stack's
 * `machina:adopted` map and a targeted up takes the machine over. The machine must be one of the
 * environment's machines (its entry is the spec that must describe the existing machine); when the up
 * fails (the machine differs from the spec, the id names nothing), the stack file is put back as it was.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { capabilitiesOf } from "../core/capabilities";
import { InvalidEnvironmentError, UsageError } from "../core/errors";
import { stackConfigDir } from "../stacks/environment";
import { checkEnvironment } from "./inspect";
import type { RunOptions, Summary } from "./operations";
import { run } from "./operations";
import { editConfigMap } from "./config-map";
import type { EnvironmentTarget } from "./workspace";

export const ADOPTED_KEY = "machina:adopted";

export interface AdoptOptions {
  /** Destroying the Machine deletes the adopted machine too (default: it is left where it is). */
  deleteOnDestroy?: boolean;
}

/** Records the adoption and runs a targeted up of that machine. */
export async function adoptMachine(
  platformId: string,
  machine: string,
  target: EnvironmentTarget,
  adopt: AdoptOptions = {},
  options: RunOptions = {},
): Promise<Summary> {
  if (platformId.trim() === "") throw new UsageError("give the platform id of the machine to adopt");
  const projectDir = path.resolve(target.projectDir ?? process.cwd());
  const check = checkEnvironment(projectDir, target.environment, target.provider, {
    ...target.keepConfig,
    ...target.config,
  });
  if (check.problems.length > 0) throw new InvalidEnvironmentError(target.environment, check.problems);
  const names = check.machines.map((m) => m.name);
  if (!names.includes(machine)) {
    throw new UsageError(
      `environment ${target.environment} has no machine ${JSON.stringify(machine)} on ${check.provider}: add it to machina:machines ` +
        `with the spec of the machine it adopts (its size above all), then run adopt again. Its machines are ${names.join(", ") || "(none)"}`,
    );
  }
  if (check.module && !capabilitiesOf(check.module).adopt) {
    throw new UsageError(
      `${check.provider} cannot take over an existing machine (it has no adopt capability): ` +
        "`machina providers` lists the providers that have it",
    );
  }
  const stackFile = path.join(stackConfigDir(projectDir), `Pulumi.${check.stack}.yaml`);
  const before = existsSync(stackFile) ? readFileSync(stackFile, "utf8") : undefined;
  editConfigMap(
    stackFile,
    ADOPTED_KEY,
    machine,
    adopt.deleteOnDestroy ? { id: platformId, retainOnDelete: false } : platformId,
  );
  const summary = await run("up", target, { ...options, machines: [machine] });
  if (!summary.ok) {
    if (before === undefined) rmSync(stackFile, { force: true });
    else writeFileSync(stackFile, before);
  }
  return summary;
}
