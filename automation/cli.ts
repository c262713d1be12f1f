#!/usr/bin/env node
/**
 * The `machina` command. It switches Node's compile cache on (for the modules it loads from disk), then
 * runs the commands from their bundle: one file holding Machina's modules, `yaml`, `js-yaml` and
 * `commander` (the Pulumi packages stay outside, loaded only by commands that drive the engine), which
 * scripts/bundle-cli.js makes in `npm run build`, with a code cache of what the same command compiled
 * before (code-cache.ts). Reading and compiling one file instead of about a hundred is most of an
 * engine-free command's start-up. A bundle that is missing or older than the modules (a build that
 * skipped it) is not used: the commands then run from their modules, as they are.
 */
import "./compile-cache";
import { statSync } from "node:fs";
import * as path from "node:path";
import { requireWithCodeCache } from "./code-cache";

type Commands = typeof import("./commands");

export const BUNDLE = path.join(__dirname, "commands.bundle.js");

/** The commands: from the bundle when it is as new as the modules, else from the modules. */
export function loadCommands(command = "other"): Commands {
  const bundle = statSync(BUNDLE, { throwIfNoEntry: false });
  const modules = statSync(path.join(__dirname, "commands.js"), { throwIfNoEntry: false });
  if (bundle && (!modules || bundle.mtimeMs >= modules.mtimeMs))
    return requireWithCodeCache(BUNDLE, command) as Commands;
  return require("./commands") as Commands;
}

/** The command a command line runs (its first word that is not an option or an option's value), for its code cache. */
export function commandOf(argv: string[]): string {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--project-dir") i++;
    else if (!argv[i].startsWith("-")) return argv[i];
  }
  return "other";
}

if (require.main === module) loadCommands(commandOf(process.argv.slice(2))).runCli(process.argv.slice(2));
