/** Selecting the stack of an environment on a provider, with a local state backend by default. */
import { existsSync, mkdirSync, symlinkSync } from "node:fs";
import * as path from "node:path";
import type { PulumiFn, Stack } from "@pulumi/pulumi/automation";
import { MachinaError, UnknownEnvironmentError } from "../core/errors";
import { resolveProvider } from "../providers/registry";
import {
  checkEnvironmentConfig,
  listEnvironments,
  projectName,
  readEnvironmentFile,
  stackConfigDir,
  stackNameFor,
} from "../stacks/environment";
import { stampedPulumiCommand } from "./engine-command";
import { localPassphrase } from "./passphrase";
import { fileBackendDir } from "./file-backend";
import { openStack, storedInFileBackend } from "./open-stack";
import { closeStateDir } from "./state-files";

export interface EnvironmentTarget {
  environment: string;
  /** Run the environment on this provider instead of its default; it gets a stack of its own. */
  provider?: string;
  /** The Pulumi project holding Pulumi.yaml and stacks/ (default: the current directory). */
  projectDir?: string;
  /** Config for this run only, e.g. `{ "libvirt:network": "user" }`; the stack file is not changed. */
  config?: Record<string, string>;
  /**
   * Config written to the stack file, kept for later runs (the key of `--ssh-key-file`: a later `up`
   * without it must not take the key off the machines). Keys may be paths (`machina:sshKeys[0]`).
   */
  keepConfig?: Record<string, string>;
}

export interface InlineTarget {
  projectName: string;
  stackName: string;
  /** A Pulumi program that builds Machines (and anything else). */
  program: PulumiFn;
  /** Where state lives (default: ./.pulumi-state). */
  stateDir?: string;
  /** Config for this run only; see EnvironmentTarget.config. */
  config?: Record<string, string>;
}

/** State directory: PULUMI_BACKEND_URL when set, else `<projectDir>/.pulumi-state` (made, closed to others). */
export function backendUrl(stateDir: string): string {
  if (process.env.PULUMI_BACKEND_URL) return process.env.PULUMI_BACKEND_URL;
  closeStateDir(stateDir);
  return `file://${stateDir}`;
}

/**
 * Whether a file backend (Machina's own, or PULUMI_BACKEND_URL's) holds the stack: true, false, or
 * undefined for a backend that only the engine can ask. The state directory is not made.
 */
function stackStored(stateDir: string, project: string, stackName: string): boolean | undefined {
  const url = process.env.PULUMI_BACKEND_URL || `file://${stateDir}`;
  return fileBackendDir(url) === undefined ? undefined : storedInFileBackend(url, project, stackName);
}

/**
 * The secrets passphrase: PULUMI_CONFIG_PASSPHRASE(_FILE) when set, else one generated once into the
 * user's config directory (see passphrase.ts) so that local use needs no account and no prompt.
 */
export function passphraseEnv(stateDir: string): Record<string, string> {
  if (process.env.PULUMI_CONFIG_PASSPHRASE !== undefined)
    return { PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE };
  if (process.env.PULUMI_CONFIG_PASSPHRASE_FILE)
    return { PULUMI_CONFIG_PASSPHRASE_FILE: process.env.PULUMI_CONFIG_PASSPHRASE_FILE };
  return { PULUMI_CONFIG_PASSPHRASE: localPassphrase(stateDir) };
}

/** Environment for the engine: local backend, no update checks, no plugin downloads. */
export function engineEnv(stateDir: string): Record<string, string> {
  return {
    PULUMI_BACKEND_URL: backendUrl(stateDir),
    ...passphraseEnv(stateDir),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: process.env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION ?? "true",
  };
}

export interface SelectedStack {
  stack: Stack;
  stackName: string;
  environment?: string;
  provider?: string;
  stateDir: string;
  /** Where `pulumi` runs for this stack (holds Pulumi.yaml). */
  workDir: string;
  /** The stack's config file, Pulumi.<stack>.yaml. */
  stackFile: string;
  /** The engine's environment (backend, passphrase). */
  env: Record<string, string>;
  /** Config for this run only; keys may be paths (`machina:sshKeys[0]`). */
  runConfig?: Record<string, string>;
}

/**
 * A stack that was never created, asked for by a command that reads or removes (status, refresh,
 * destroy): those answer without creating it, which would write a salt into the stack's file.
 */
export class StackNeverCreated extends Error {
  constructor(
    readonly stackName: string,
    readonly environment?: string,
    readonly provider?: string,
  ) {
    super(`stack ${stackName} was never created`);
  }
}

export interface SelectOptions {
  /** Create the stack when the backend has none (up and preview); otherwise throw StackNeverCreated. */
  create?: boolean;
}

/** The stack that runs `environment` on `provider` (each combination its own stack and state). */
export async function selectEnvironmentStack(
  target: EnvironmentTarget,
  options: SelectOptions = {},
): Promise<SelectedStack> {
  const projectDir = path.resolve(target.projectDir ?? process.cwd());
  if (!existsSync(path.join(projectDir, "Pulumi.yaml"))) {
    throw new MachinaError(`${projectDir} has no Pulumi.yaml: pass --project-dir, or run from the project`);
  }
  const environments = listEnvironments(projectDir);
  if (!environments.includes(target.environment)) throw new UnknownEnvironmentError(target.environment, environments);
  // Only the default provider is needed to name the stack: a config problem elsewhere must not stop a
  // refresh or destroy (up and preview check the whole environment before they get here).
  const { env } = checkEnvironmentConfig(readEnvironmentFile(projectDir, target.environment));
  const provider = target.provider ?? env.provider;
  if (!provider)
    throw new MachinaError(
      `environment ${target.environment} names no provider: set machina:provider in its stack file or pass --provider`,
    );
  resolveProvider(provider);
  const stackName = stackNameFor(target.environment, provider, env.provider);
  const stateDir = path.join(projectDir, ".pulumi-state");
  const stored = stackStored(stateDir, projectName(projectDir), stackName);
  if (stored === false && options.create === false)
    throw new StackNeverCreated(stackName, target.environment, provider);
  const engine: Record<string, string> = { ...engineEnv(stateDir), MACHINA_PROJECT_DIR: projectDir };
  const { LocalWorkspace } = require("@pulumi/pulumi/automation") as typeof import("@pulumi/pulumi/automation");
  const workspace = await LocalWorkspace.create({
    workDir: projectDir,
    envVars: engine,
    pulumiCommand: stampedPulumiCommand(),
  });
  const stack = await openStack(workspace, stackName, stored === true);
  if (target.keepConfig && Object.keys(target.keepConfig).length > 0) {
    await stack.setAllConfig(
      Object.fromEntries(Object.entries(target.keepConfig).map(([k, v]) => [k, { value: v }])),
      true,
    );
  }
  const stackFile = path.join(stackConfigDir(projectDir), `Pulumi.${stackName}.yaml`);
  return {
    stack,
    stackName,
    environment: target.environment,
    provider,
    stateDir,
    workDir: projectDir,
    stackFile,
    env: engine,
    runConfig: target.config,
  };
}

/**
 * The work directory of an inline program. Dynamic providers run with it as their working directory
 * and find @pulumi/pulumi and pulumi-machina from there, so it links the program's node_modules.
 */
function inlineWorkDir(stateDir: string, project: string): string {
  const dir = path.join(stateDir, "workspaces", project);
  mkdirSync(dir, { recursive: true });
  const pulumiPackage = require.resolve("@pulumi/pulumi/package.json", { paths: [process.cwd(), __dirname] });
  const nodeModules = path.resolve(path.dirname(pulumiPackage), "..", "..");
  const link = path.join(dir, "node_modules");
  if (!existsSync(link)) symlinkSync(nodeModules, link);
  return dir;
}

/** A stack for a program given in code (an npm user's machines), with the same local backend. */
export async function selectInlineStack(target: InlineTarget, options: SelectOptions = {}): Promise<SelectedStack> {
  const stateDir = path.resolve(target.stateDir ?? ".pulumi-state");
  const storedBefore = stackStored(stateDir, target.projectName, target.stackName);
  if (storedBefore === false && options.create === false) throw new StackNeverCreated(target.stackName);
  const env = engineEnv(stateDir);
  const { LocalWorkspace } = require("@pulumi/pulumi/automation") as typeof import("@pulumi/pulumi/automation");
  const workDir = inlineWorkDir(stateDir, target.projectName);
  const workspace = await LocalWorkspace.create({
    workDir,
    program: target.program,
    envVars: env,
    pulumiCommand: stampedPulumiCommand(),
    projectSettings: { name: target.projectName, runtime: "nodejs", backend: { url: env.PULUMI_BACKEND_URL } },
  });
  const stack = await openStack(workspace, target.stackName, storedBefore === true);
  const stackFile = path.join(workDir, `Pulumi.${target.stackName}.yaml`);
  return { stack, stackName: target.stackName, stateDir, workDir, stackFile, env, runConfig: target.config };
}

export { projectName };
