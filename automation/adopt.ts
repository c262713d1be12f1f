/**
 * `machina adopt <platform-id> --as <machine>`: the adoption is recorded in the stack's
 * `machina:adopted` map and a targeted up takes the machine over. The machine must be one of the
 * environment's machines (its entry is the spec that must describe the existing machine); when the up
 * fails (the machine differs from the spec, the id names nothing), the stack file is put back as it was.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { UsageError } from "../core/errors";
import type { RunOptions, Summary } from "./operations";
import { run } from "./operations";
import { editConfigMap } from "./config-map";
import { checkedMachine } from "./machine-target";
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
  const { stackFile } = checkedMachine(target, machine, {
    capability: "adopt",
    cannot: "take over an existing machine",
    unknownMachineFix:
      "add it to machina:machines with the spec of the machine it adopts (its size above all), then run adopt again",
  });
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
