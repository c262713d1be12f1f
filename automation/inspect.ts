/** What `machina providers|environments|info|validate` report; pure functions over the registry and stack files. */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { MachinaError, UnknownProviderError } from "../components/errors";
import { portRange } from "../components/firewall";
import { resolveMachineSpec } from "../components/validation";
import type { ProviderModule } from "../providers/contract";
import { builtInProviderNames, resolveProvider } from "../providers/registry";
import {
  expandMachines, listEnvironments, parseEnvironmentConfig, parseStackName, projectName, readEnvironmentFile, stackConfigDir, stackNameFor,
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
      capabilities: Object.entries(m.capabilities).filter(([, on]) => on).map(([k]) => k),
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
  const lines = [`${m.name}: ${m.description}`, ""];
  if (m.requirements.sdkPackage) {
    lines.push(`SDK: ${m.requirements.sdkPackage} (${sdkInstalled(m.requirements.sdkPackage, projectDir) ? "installed" : `not installed: npm install ${m.requirements.sdkPackage}`})`);
  }
  lines.push("Credentials:");
  if (m.requirements.credentials.length === 0) lines.push("  none");
  for (const cred of m.requirements.credentials) {
    const via = [...cred.configKeys.map((k) => `config ${k}`), ...cred.envVars.map((e) => `env ${e}`), ...(cred.files ?? []).map((f) => `file ${f}`)].join(" or ");
    lines.push(`  ${cred.name}: ${via}`, `    ${cred.howTo}`);
  }
  lines.push("Local tools:");
  if (m.requirements.tools.length === 0) lines.push("  none");
  for (const tool of m.requirements.tools) lines.push(`  ${tool.command} (${onPath(tool.command) ? "found" : "missing"}): ${tool.howTo}`);
  lines.push(`Capabilities: ${Object.entries(m.capabilities).map(([k, v]) => `${k}=${v ? "yes" : "no"}`).join(", ")}`);
  lines.push(`Regions: ${c.regions.map((r) => r.id).join(", ")} (default ${c.defaults.region})`);
  lines.push(`Images: ${Object.entries(c.images).map(([alias, byArch]) => `${alias} [${Object.keys(byArch).join(", ")}]`).join(", ")} (default ${c.defaults.image})`);
  lines.push(`Sizes (${c.currency} per hour, as of ${c.pricesAsOf}):`);
  for (const s of [...c.sizes].sort((a, b) => a.hourlyPrice - b.hourlyPrice)) {
    lines.push(`  ${s.type.padEnd(20)} ${s.arch.padEnd(7)} ${String(s.cpus).padStart(3)} vCPU ${String(s.memoryGiB).padStart(6)} GiB${s.diskGiB ? ` ${String(s.diskGiB).padStart(5)} GiB disk` : ""}  ${s.hourlyPrice}${s.regions ? `  (${s.regions.join(", ")})` : ""}`);
  }
  lines.push(`Source: ${c.source}`);
  return lines.join("\n");
}

/** Stack config keys present in Pulumi.<stack>.yaml (secure values count as present). */
function stackConfigKeys(projectDir: string, stack: string): Set<string> {
  const file = path.join(stackConfigDir(projectDir), `Pulumi.${stack}.yaml`);
  if (!existsSync(file)) return new Set();
  const doc = (parse(readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  return new Set(Object.keys(doc.config ?? {}));
}

/** Credentials, tools and SDK a provider needs that are missing here, each with how to supply it. */
export function missingPrerequisites(m: ProviderModule, projectDir: string, stack: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const missing: string[] = [];
  if (m.requirements.sdkPackage && !sdkInstalled(m.requirements.sdkPackage, projectDir)) {
    missing.push(`the Pulumi SDK ${m.requirements.sdkPackage} is not installed: npm install ${m.requirements.sdkPackage}`);
  }
  const keys = stackConfigKeys(projectDir, stack);
  for (const cred of m.requirements.credentials) {
    const found =
      cred.envVars.some((e) => (env[e] ?? "") !== "") ||
      cred.configKeys.some((k) => keys.has(k)) ||
      (cred.files ?? []).some((f) => existsSync(f.replace(/^~(?=\/)/, env.HOME ?? homedir())));
    if (!found) {
      const secret = cred.secret === false ? "" : "--secret ";
      const via = [...cred.configKeys.map((k) => `\`pulumi config set ${secret}${k} <value> --stack ${stack}\``), ...cred.envVars.map((e) => `export ${e}`)];
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
}

/** Everything `pulumi up` would check first, without the engine: config, specs, prerequisites. */
export function validateEnvironment(projectDir: string, environment: string, provider?: string, env: NodeJS.ProcessEnv = process.env): ValidationReport {
  const config = readEnvironmentFile(projectDir, environment);
  const report: ValidationReport = { environment, provider: provider ?? "", stack: "", machines: [], currency: "", problems: [] };
  let parsed;
  try {
    parsed = parseEnvironmentConfig(config, `environment ${environment}`);
  } catch (e) {
    report.problems.push((e as Error).message);
    return report;
  }
  const chosen = provider ?? parsed.provider;
  if (!chosen) {
    report.problems.push(`environment ${environment} names no provider: set machina:provider in its stack file or pass --provider`);
    return report;
  }
  report.provider = chosen;
  report.stack = stackNameFor(environment, chosen, parsed.provider);
  let module: ProviderModule;
  try {
    module = resolveProvider(chosen);
  } catch (e) {
    if (e instanceof UnknownProviderError || e instanceof MachinaError) report.problems.push(e.message);
    else throw e;
    return report;
  }
  report.currency = module.catalog.currency;
  for (const { name, args } of expandMachines(parsed, chosen)) {
    try {
      const spec = resolveMachineSpec(name, { ...args, labels: { environment, ...args.labels } }, module, {
        stack: report.stack,
        project: projectName(projectDir),
        config: (key) => (typeof config[key] === "string" ? (config[key] as string) : undefined),
      });
      report.machines.push({
        name,
        type: spec.size.type,
        image: spec.image.id,
        region: spec.region,
        hourlyPrice: module.catalog.sizes.find((s) => s.type === spec.size.type)?.hourlyPrice,
        ports: spec.firewall.map((r) => `${portRange(r)}/${r.protocol}`),
      });
    } catch (e) {
      report.problems.push((e as Error).message);
    }
  }
  report.problems.push(...missingPrerequisites(module, projectDir, report.stack, env));
  return report;
}

/** The provider's own check of its platform (e.g. KubeVirt CRDs in the cluster), when it has one. */
export async function probePlatform(provider: string): Promise<string[]> {
  const m = resolveProvider(provider);
  return m.probe ? await m.probe() : [];
}
