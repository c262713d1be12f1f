/**
 * The `pulumi` CLI a workspace runs. The Automation API asks `pulumi version` each time a workspace is
 * made (0.2 s here); an engine whose version is stamped beside its binary (scripts/setup-engine.sh
 * writes `pulumi.version` when it assembles the engine) is used without asking. The stamp names the
 * binary's size and modification time, so a binary replaced since is asked again, never trusted on
 * an old stamp; a stamped version older than the Automation API's minimum fails with a plain error.
 */
import { accessSync, constants, readFileSync, realpathSync, statSync } from "node:fs";
import * as path from "node:path";
import type { PulumiCommand } from "@pulumi/pulumi/automation";
import { MachinaError } from "../core/errors";

export const STAMP_SUFFIX = ".version";

interface Stamp {
  version: string;
  size: number;
  /** Modification time of the binary, whole seconds since the epoch. */
  mtime: number;
}

/** The first executable `pulumi` on a PATH, as an absolute path. */
export function findPulumi(pathEnv = process.env.PATH ?? ""): string | undefined {
  for (const dir of pathEnv.split(path.delimiter)) {
    if (!dir) continue;
    const file = path.resolve(dir, "pulumi");
    try {
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The stamped version of a binary when its stamp describes this very file, else undefined. */
export function stampedVersion(binary: string): string | undefined {
  const real = realpathSync(binary);
  for (const candidate of new Set([binary, real])) {
    let stamp: Stamp;
    try {
      stamp = JSON.parse(readFileSync(`${candidate}${STAMP_SUFFIX}`, "utf8")) as Stamp;
    } catch {
      continue;
    }
    const stat = statSync(real);
    if (
      typeof stamp.version === "string" &&
      stamp.size === stat.size &&
      stamp.mtime === Math.floor(stat.mtimeMs / 1000)
    )
      return stamp.version.replace(/^v/, "");
  }
  return undefined;
}

type SemVerLike = { compare(other: unknown): number; toString(): string };

/**
 * The command for a stamped engine on PATH (no process started), or undefined: the Automation API
 * then asks the CLI its version itself, as before.
 */
export function stampedPulumiCommand(pathEnv = process.env.PATH ?? ""): PulumiCommand | undefined {
  const binary = findPulumi(pathEnv);
  const version = binary ? stampedVersion(binary) : undefined;
  if (!binary || !version) return undefined;
  // The Automation API's own minimum and SemVer class, so the version compares as its check would.
  const { minimumVersion } = require("@pulumi/pulumi/automation/minimumVersion") as { minimumVersion: SemVerLike };
  const SemVer = minimumVersion.constructor as new (v: string) => SemVerLike;
  let parsed: SemVerLike;
  try {
    parsed = new SemVer(version);
  } catch {
    return undefined;
  }
  if (parsed.compare(minimumVersion) < 0) {
    throw new MachinaError(
      `the Pulumi CLI at ${binary} is v${version}, older than v${minimumVersion.toString()} that the Automation API needs: ` +
        "run scripts/setup-engine.sh, or install a current Pulumi",
    );
  }
  const { PulumiCommand: Command } = require("@pulumi/pulumi/automation") as typeof import("@pulumi/pulumi/automation");
  // The constructor is private in the typings; get() would run `pulumi version`, which is what this saves.
  const Constructor = Command as unknown as new (command: string, version: SemVerLike) => PulumiCommand;
  return new Constructor(binary, parsed);
}
