/** What `machina providers|environments|info|validate` report; pure functions over the registry and stack files. */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";
import { MachinaError, StackFileError, UnknownProviderError, ValidationError } from "../core/errors";
import { portRange } from "../providers/kit/firewall";
import { DEFAULT_LABEL_RULES, machineShapeProblems, resolveMachineSpec } from "../core/validation";
import type { PlatformProbe, ProviderModule } from "../core/contract";
import { CAPABILITY_NAMES, capabilitiesOf, capabilityList } from "../core/capabilities";
import { describeOptions } from "../core/provider-options";
import { builtInProviderNames, resolveProvider } from "../providers/registry";
import {
  checkEnvironmentConfig,
  CONFIG_NAMESPACE,
  environmentNameProblem,
  expandMachines,
  listEnvironments,
  parseEnvironmentConfig,
  parseStackName,
  projectName,
  readEnvironmentFile,
  PER_STACK_KEYS,
  readYamlFile,
  stackConfigDir,
  stackNameFor,
  withPendingSnapshot,
} from "../stacks/environment";

export interface ProviderSummary {
  name: string;
  description: string;
  capabilities: string[];
}

export function providerSummaries(): ProviderSummary[] {
  return builtInProviderNames().map((name) => {
    const m = resolveProvider(name);
    return {
      name,
      description: m.description,
      capabilities: capabilityList(capabilitiesOf(m)),
    };
  });
}

export interface EnvironmentSummary {
  name: string;
  provider?: string;
  machines: number;
}

/** The environments, leaving out stack files of an environment run on another provider (`staging-hetzner`). */
export function environmentSummaries(projectDir: string): EnvironmentSummary[] {
  const names = listEnvironments(projectDir);
  const providers = builtInProviderNames();
  return names
    .filter((name) => parseStackName(name, names, providers).provider === undefined)
    .map((name) => {
      const env = parseEnvironmentConfig(readEnvironmentFile(projectDir, name), `environment ${name}`);
      return { name, provider: env.provider, machines: expandMachines(env).length };
    });
}

function sdkInstalled(pkg: string, projectDir: string): boolean {
  try {
    require.resolve(`${pkg}/package.json`, { paths: [projectDir, __dirname] });
    return true;
  } catch {
    return false;
  }
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? "").split(path.delimiter).some((dir) => dir && existsSync(path.join(dir, command)));
}

export function providerInfo(name: string, projectDir: string): string {
  const m = resolveProvider(name);
  const c = m.catalog;
  const capabilities = capabilitiesOf(m);
  const lines = [`${m.name}: ${m.description}`, ""];
  if (m.requirements.sdkPackage) {
    lines.push(
      `SDK: ${m.requirements.sdkPackage} (${sdkInstalled(m.requirements.sdkPackage, projectDir) ? "installed" : `not installed: npm install ${m.requirements.sdkPackage}`})`,
    );
  }
  lines.push("Credentials:");
  if (m.requirements.credentials.length === 0) lines.push("  none");
  for (const cred of m.requirements.credentials) {
    const via = [
      ...cred.configKeys.map((k) => `config ${k}`),
      ...cred.envVars.map((e) => `env ${e}`),
      ...(cred.files ?? []).map((f) => `file ${f}`),
    ].join(" or ");
    lines.push(`  ${cred.name}: ${via}`, `    ${cred.howTo}`);
  }
  lines.push("Local tools:");
  if (m.requirements.tools.length === 0) lines.push("  none");
  for (const tool of m.requirements.tools)
    lines.push(`  ${tool.command} (${onPath(tool.command) ? "found" : "missing"}): ${tool.howTo}`);
  lines.push(`Capabilities: ${CAPABILITY_NAMES.map((k) => `${k}=${capabilities[k] ? "yes" : "no"}`).join(", ")}`);
  const options = describeOptions(m);
  if (options.length > 0) {
    lines.push(`Options (providerOptions.${m.name}):`);
    for (const o of options)
      lines.push(
        `  ${o.name} (${o.type}${o.input ? ", Input" : ""}${o.default === undefined ? "" : `, default ${o.default}`}): ${o.description}`,
      );
  }
  lines.push(`Regions: ${c.regions.map((r) => r.id).join(", ")} (default ${c.defaults.region})`);
  lines.push(
    `Images: ${Object.entries(c.images)
      .map(([alias, byArch]) => `${alias} [${Object.keys(byArch).join(", ")}]`)
      .join(", ")} (default ${c.defaults.image})`,
  );
  lines.push(`Sizes (${c.currency} per hour, as of ${c.pricesAsOf}):`);
  for (const s of [...c.sizes].sort((a, b) => a.hourlyPrice - b.hourlyPrice)) {
    lines.push(
      `  ${s.type.padEnd(20)} ${s.arch.padEnd(7)} ${String(s.cpus).padStart(3)} vCPU ${String(s.memoryGiB).padStart(6)} GiB${s.diskGiB ? ` ${String(s.diskGiB).padStart(5)} GiB disk` : ""}  ${s.hourlyPrice}${s.regions ? `  (${s.regions.join(", ")})` : ""}`,
    );
  }
  lines.push(`Source: ${c.source}`);
  return lines.join("\n");
}

/** Stack config keys present in Pulumi.<stack>.yaml (secure values count as present). */
function stackConfigKeys(projectDir: string, stack: string): Set<string> {
  const file = path.join(stackConfigDir(projectDir), `Pulumi.${stack}.yaml`);
  if (!existsSync(file)) return new Set();
  try {
    const doc = readYamlFile(file) as { config?: Record<string, unknown> | null };
    return new Set(Object.keys(doc.config ?? {}));
  } catch (e) {
    // Reported as a problem of the file itself.
    if (e instanceof StackFileError) return new Set();
    throw e;
  }
}

/** Credentials, tools and SDK a provider needs that are missing here, each with how to supply it. */
export function missingPrerequisites(
  m: ProviderModule,
  projectDir: string,
  stack: string,
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  const missing: string[] = [];
  if (m.requirements.sdkPackage && !sdkInstalled(m.requirements.sdkPackage, projectDir)) {
    missing.push(
      `the Pulumi SDK ${m.requirements.sdkPackage} is not installed: npm install ${m.requirements.sdkPackage}`,
    );
  }
  const keys = stackConfigKeys(projectDir, stack);
  for (const cred of m.requirements.credentials) {
    const found =
      cred.envVars.some((e) => (env[e] ?? "") !== "") ||
      cred.configKeys.some((k) => keys.has(k)) ||
      (cred.files ?? []).some((f) => existsSync(f.replace(/^~(?=\/)/, env.HOME ?? homedir())));
    if (!found) {
      const secret = cred.secret === false ? "" : "--secret ";
      const via = [
        ...cred.configKeys.map((k) => `\`pulumi config set ${secret}${k} <value> --stack ${stack}\``),
        ...cred.envVars.map((e) => `export ${e}`),
      ];
      missing.push(`missing ${cred.name}: ${via.join(" or ")}. ${cred.howTo}`);
    }
  }
  for (const tool of m.requirements.tools) {
    if (!onPath(tool.command)) missing.push(`the command ${tool.command} is not on PATH: ${tool.howTo}`);
  }
  return missing;
}

export interface ValidationReport {
  environment: string;
  provider: string;
  stack: string;
  machines: { name: string; type: string; image: string; region: string; hourlyPrice?: number; ports: string[] }[];
  currency: string;
  problems: string[];
  /** What the provider's probe learnt of the platform (versions, features), when it has a probe. */
  platform?: string[];
}

/**
 * The config a stack runs with, as the stack program merges it: the environment file, then for a stack
 * of another name (`staging-hetzner`) its own file's plain values, then per-run config (`-c`). Secure
 * values are left out (they cannot be read without the passphrase, and are checked by the program).
 */
export function stackConfig(
  projectDir: string,
  environment: string,
  stack: string,
  extra: Record<string, string> = {},
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...readEnvironmentFile(projectDir, environment) };
  // Power wishes, snapshots and adoptions are per stack: the environment file's belong to the environment's own stack.
  if (stack !== environment) for (const key of PER_STACK_KEYS) delete merged[`${CONFIG_NAMESPACE}:${key}`];
  const parseJson = (v: unknown) => {
    if (typeof v !== "string" || !/^\s*[[{]/.test(v)) return v;
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return v;
    }
  };
  const keysOf = (v: unknown) => (Array.isArray(parseJson(v)) ? (parseJson(v) as unknown[]) : []);
  const overlay = (config: Record<string, unknown>) => {
    for (const [key, value] of Object.entries(config)) {
      if (key === `${CONFIG_NAMESPACE}:sshKeys`) merged[key] = [...keysOf(merged[key]), ...keysOf(value)];
      else if (/^machina:sshKeys\[\d+\]$/.test(key))
        merged[`${CONFIG_NAMESPACE}:sshKeys`] = [...keysOf(merged[`${CONFIG_NAMESPACE}:sshKeys`]), value];
      else if (!/[[\]]/.test(key)) merged[key] = value;
    }
  };
  const ownFile = path.join(stackConfigDir(projectDir), `Pulumi.${stack}.yaml`);
  if (stack !== environment && existsSync(ownFile)) overlay(readEnvironmentFile(projectDir, stack));
  overlay(extra);
  return merged;
}

export interface EnvironmentCheck {
  provider: string;
  stack: string;
  module?: ProviderModule;
  machines: ValidationReport["machines"];
  problems: string[];
}

/**
 * Every problem of an environment's stack files at once: the file itself (YAML, with line and column),
 * its stack-level keys, the environment's name, and each machine against the provider (or, when the
 * provider is itself a problem, each machine's provider-independent fields). Prerequisites are not
 * checked here. An unknown environment throws UnknownEnvironmentError.
 */
export function checkEnvironment(
  projectDir: string,
  environment: string,
  provider?: string,
  extra: Record<string, string> = {},
): EnvironmentCheck {
  const check: EnvironmentCheck = { provider: provider ?? "", stack: "", machines: [], problems: [] };
  const file = path.join(path.relative(projectDir, stackConfigDir(projectDir)) || ".", `Pulumi.${environment}.yaml`);
  let config: Record<string, unknown>;
  try {
    // The default stack first: its name is needed to find its own file, which needs the provider.
    const envConfig = stackConfig(projectDir, environment, environment, extra);
    const declared = checkEnvironmentConfig(envConfig).env.provider;
    const stack = provider === undefined ? environment : stackNameFor(environment, provider, declared);
    config = stack === environment ? envConfig : stackConfig(projectDir, environment, stack, extra);
  } catch (e) {
    if (e instanceof StackFileError) {
      check.problems.push(e.message);
      return check;
    }
    throw e;
  }
  const { env: parsed, problems: configProblems } = checkEnvironmentConfig(config);
  if (configProblems.length > 0)
    check.problems.push(new ValidationError(`environment ${environment} (${file})`, configProblems).message);
  const chosen = provider ?? parsed.provider;
  if (!chosen) {
    if (!configProblems.some((p) => p.field === `${CONFIG_NAMESPACE}:provider`)) {
      check.problems.push(
        `environment ${environment} names no provider: set machina:provider in its stack file or pass --provider`,
      );
    }
  } else {
    check.provider = chosen;
    check.stack = stackNameFor(environment, chosen, parsed.provider);
    try {
      check.module = resolveProvider(chosen);
    } catch (e) {
      if (e instanceof UnknownProviderError || e instanceof MachinaError) check.problems.push(e.message);
      else throw e;
    }
  }
  const module = check.module;
  const nameProblem = module
    ? environmentNameProblem(environment, module.catalog.labelRules ?? DEFAULT_LABEL_RULES, module.name)
    : undefined;
  if (nameProblem)
    check.problems.push(new ValidationError(`environment ${environment} on ${module!.name}`, [nameProblem]).message);
  for (const { name, args } of expandMachines(parsed, chosen)) {
    // The environment label carries the environment's name; a name it cannot carry is reported once, above.
    const labels = nameProblem ? args.labels : { environment, ...args.labels };
    if (!module) {
      const problems = machineShapeProblems(name, { ...withPendingSnapshot(args, parsed), labels });
      if (problems.length > 0)
        check.problems.push(new ValidationError(`Machine ${JSON.stringify(name)}`, problems).message);
      continue;
    }
    try {
      const spec = resolveMachineSpec(name, { ...withPendingSnapshot(args, parsed), labels }, module, {
        stack: check.stack,
        project: projectName(projectDir),
        config: (key) => (typeof config[key] === "string" ? (config[key] as string) : undefined),
      });
      check.machines.push({
        name,
        type: spec.size.type,
        image: spec.image.id,
        region: spec.region,
        hourlyPrice: module.catalog.sizes.find((s) => s.type === spec.size.type)?.hourlyPrice,
        ports: spec.firewall.map((r) => `${portRange(r)}/${r.protocol}`),
      });
    } catch (e) {
      if (e instanceof MachinaError) check.problems.push(e.message);
      else throw e;
    }
  }
  return check;
}

/** Everything `pulumi up` would check first, without the engine: config, specs, prerequisites; every problem at once. */
export function validateEnvironment(
  projectDir: string,
  environment: string,
  provider?: string,
  env: NodeJS.ProcessEnv = process.env,
): ValidationReport {
  const check = checkEnvironment(projectDir, environment, provider);
  const report: ValidationReport = {
    environment,
    provider: check.provider,
    stack: check.stack,
    machines: check.machines,
    currency: check.module?.catalog.currency ?? "",
    problems: check.problems,
  };
  if (check.module) report.problems.push(...missingPrerequisites(check.module, projectDir, report.stack, env));
  return report;
}

/** The provider's own check of its platform (e.g. KubeVirt CRDs in the cluster), when it has one. */
export async function probePlatform(
  provider: string,
  target?: { projectDir: string; environment: string; stack: string; images: string[] },
): Promise<PlatformProbe> {
  const m = resolveProvider(provider);
  if (!m.probe) return { problems: [], facts: [] };
  // The stack's plain config (a server name, a flag); secrets stay encrypted: the probe reads those from the environment.
  const config = target ? stackConfig(target.projectDir, target.environment, target.stack) : {};
  return m.probe({
    config: (key) => (typeof config[key] === "string" ? (config[key] as string) : undefined),
    images: [...new Set(target?.images ?? [])],
  });
}
