/**
 * Config given for one run (`machina up -c key=value`, `config` of a target) applies to that run only:
 * the stack's own config file is copied into a private folder, the values are set in the copy (a
 * known secret encrypted, as `pulumi config set --secret` does), and the engine reads the copy
 * (`--config-file`). The stack file is never rewritten; the copy is removed after the run.
 */
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { builtInProviderNames, resolveProvider } from "../providers/registry";
import { readYamlFile } from "../stacks/environment";

/** Config keys that hold credentials, as the built-in providers declare them. */
export function knownSecretKeys(): Set<string> {
  return new Set(
    builtInProviderNames().flatMap((name) =>
      resolveProvider(name).requirements.credentials.flatMap((c) => [
        ...(c.secret === false ? [] : c.configKeys),
        ...(c.secretConfigKeys ?? []),
      ]),
    ),
  );
}

/** Keys already stored as secrets (`secure:`) in a stack config file. */
function secureKeys(stackFile: string): Set<string> {
  if (!existsSync(stackFile)) return new Set();
  const doc = readYamlFile(stackFile) as { config?: Record<string, unknown> };
  return new Set(
    Object.entries(doc.config ?? {})
      .filter(([, v]) => typeof v === "object" && v !== null && "secure" in v)
      .map(([k]) => k),
  );
}

/** The key's top-level name: `machina:sshKeys[0]` → `machina:sshKeys`. */
function rootKey(key: string): string {
  return key.replace(/[[.].*$/, "");
}

/**
 * The values of a run's config that are secrets: a credential's key (as providers declare them), or a
 * key the stack file keeps as a secret. These are encrypted in the run's config copy and kept out of
 * every message; other values (a provider name, a region) are neither.
 */
export function secretRunValues(config: Record<string, string> | undefined, stackFile?: string): string[] {
  if (!config) return [];
  const secret = secretKeyTest(stackFile);
  return Object.entries(config)
    .filter(([key, value]) => value.length >= 4 && secret(key))
    .map(([, value]) => value);
}

function secretKeyTest(stackFile: string | undefined): (key: string) => boolean {
  const known = knownSecretKeys();
  const stored = stackFile ? secureKeys(stackFile) : new Set<string>();
  return (key) => known.has(rootKey(key)) || stored.has(rootKey(key));
}

export interface RunConfigTarget {
  stackName: string;
  /** The stack's config file, Pulumi.<stack>.yaml (it may not exist yet). */
  stackFile: string;
  /** The 0700 state folder: the private copy is made in it. */
  stateDir: string;
  /** The directory `pulumi` runs in (holds Pulumi.yaml) and the engine's environment. */
  workDir: string;
  env: Record<string, string>;
}

function pulumiConfigSet(
  target: RunConfigTarget,
  file: string,
  key: string,
  value: string,
  secret: boolean,
): Promise<void> {
  const args = [
    "config",
    "set",
    "--config-file",
    file,
    "--stack",
    target.stackName,
    "--path",
    secret ? "--secret" : "--plaintext",
    "--",
    key,
  ];
  return new Promise((resolve, reject) => {
    // The value goes in on stdin: never on a command line other users can read.
    const child = execFile(
      "pulumi",
      args,
      { cwd: target.workDir, env: { ...process.env, ...target.env }, timeout: 60_000 },
      (error, _stdout, stderr) =>
        error ? reject(new Error(`setting ${key} for this run failed: ${stderr.trim() || error.message}`)) : resolve(),
    );
    child.stdin?.end(value);
  });
}

/**
 * Runs `fn` with a config file holding the stack's config plus `config`; `fn` gets no file when
 * there is nothing to add. The copy is removed whatever happens.
 */
export async function withRunConfig<T>(
  target: RunConfigTarget,
  config: Record<string, string> | undefined,
  fn: (configFile?: string) => Promise<T>,
): Promise<T> {
  if (!config || Object.keys(config).length === 0) return fn(undefined);
  mkdirSync(target.stateDir, { recursive: true, mode: 0o700 });
  const dir = mkdtempSync(path.join(target.stateDir, "run-config-"));
  try {
    const file = path.join(dir, path.basename(target.stackFile));
    if (existsSync(target.stackFile)) copyFileSync(target.stackFile, file);
    else writeFileSync(file, "", { mode: 0o600 });
    const secret = secretKeyTest(target.stackFile);
    for (const [key, value] of Object.entries(config)) await pulumiConfigSet(target, file, key, value, secret(key));
    return await fn(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
