#!/usr/bin/env node
/**
 * The `machina` command. It switches Node's compile cache on before any of the CLI's code is compiled,
 * then runs the commands from their bundle: one file holding Machina's modules, `yaml` and `commander`
 * (the Pulumi packages stay outside, loaded only by commands that drive the engine), which
 * scripts/bundle-cli.js makes in `npm run build`. Reading and compiling one file instead of about a hundred
 * is most of an engine-free command's start-up. A bundle that is missing or older than the modules (a build
 * that skipped it) is not used: the commands then run from their modules, as they are.
 */
import "./compile-cache";
import { statSync } from "node:fs";
import * as path from "node:path";

type Commands = typeof import("./commands");

export const BUNDLE = path.join(__dirname, "commands.bundle.js");

/** The commands: from the bundle when it is as new as the modules, else from the modules. */
export function loadCommands(): Commands {
  const bundle = statSync(BUNDLE, { throwIfNoEntry: false });
  const modules = statSync(path.join(__dirname, "commands.js"), { throwIfNoEntry: false });
  if (bundle && (!modules || bundle.mtimeMs >= modules.mtimeMs)) return require(BUNDLE) as Commands;
  return require("./commands") as Commands;
}

if (require.main === module) loadCommands().runCli(process.argv.slice(2));
