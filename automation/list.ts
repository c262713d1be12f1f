/**
 * `machina list`: every machine of every stack of a project, read from the file backend's
 * checkpoints without running the engine (a stack's outputs as its last run left them). `refresh`
 * first reads the real state of each stack's machines into it, through the engine.
 */
import { existsSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { MachinaError } from "../core/errors";
import { resolveProvider } from "../providers/registry";
import { projectName } from "../stacks/environment";
import { isSecretValue } from "./engine-facts";
import { fileBackendDir, readCheckpointText } from "./file-backend";
import type { Summary } from "./operations";
import { run } from "./operations";

export interface ListedMachine {
  stack: string;
  environment: string;
  provider: string;
  name: string;
  region?: string;
  type?: string;
  /** The public address, else the private one. */
  address?: string;
  ssh?: string;
  /** `running`, `stopped`, `provisioning`, `unknown` as the last `up` saw it; `gone` when a refresh found it deleted. */
  state: string;
  /** From the provider's catalog, when it lists the type. */
  hourlyPrice?: number;
  currency?: string;
  /** When the stack's state was last written. */
  updated?: string;
}

export interface MachineList {
  machines: ListedMachine[];
  /** Stacks a refresh failed on (their machines are listed as last stored). */
  problems: string[];
}

interface MachineOutput {
  region?: string;
  type?: string;
  publicIp?: string;
  privateIp?: string;
  ssh?: string;
  state?: string;
}

interface StoredStack {
  stack: string;
  environment?: string;
  provider?: string;
  machines: Record<string, MachineOutput>;
  updated?: string;
}

/** A stored value, or undefined where it is a secret (encrypted in the checkpoint) or not a string. */
function plain(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** The stacks of `project` that a file backend at `backendDir` holds, with their root outputs. */
export function storedStacks(backendDir: string, project: string): StoredStack[] {
  const dir = path.join(backendDir, ".pulumi", "stacks", project);
  if (!existsSync(dir)) return [];
  const stacks: StoredStack[] = [];
  for (const file of readdirSync(dir).sort()) {
    const m = /^(.+)\.json(\.gz)?$/.exec(file);
    if (!m) continue;
    const checkpoint = JSON.parse(readCheckpointText(path.join(dir, file))) as {
      checkpoint?: {
        latest?: { manifest?: { time?: string }; resources?: { type: string; outputs?: Record<string, unknown> }[] };
      };
    };
    const latest = checkpoint.checkpoint?.latest;
    const root = latest?.resources?.find((r) => r.type === "pulumi:pulumi:Stack");
    const outputs = root?.outputs ?? {};
    const machines = outputs.machineOutputs;
    stacks.push({
      stack: m[1],
      environment: plain(outputs.environment),
      provider: plain(outputs.providerName),
      machines:
        typeof machines === "object" && machines !== null && !isSecretValue(machines)
          ? (machines as Record<string, MachineOutput>)
          : {},
      updated: latest?.manifest?.time,
    });
  }
  return stacks;
}

function priceOf(provider: string, type: string | undefined): { hourlyPrice?: number; currency?: string } {
  try {
    const catalog = resolveProvider(provider).catalog;
    const size = catalog.sizes.find((s) => s.type === type);
    return size ? { hourlyPrice: size.hourlyPrice, currency: catalog.currency } : {};
  } catch {
    return {}; // a third-party provider not installed here: no price
  }
}

/** The backend directory of a project: PULUMI_BACKEND_URL when it is a file backend, else `<project>/.pulumi-state`. */
function backendDirFor(projectDir: string): string {
  const url = process.env.PULUMI_BACKEND_URL;
  if (!url) return path.join(projectDir, ".pulumi-state");
  const dir = fileBackendDir(url);
  if (!dir)
    throw new MachinaError(
      `machina list reads a local file backend; PULUMI_BACKEND_URL is ${url}: use \`pulumi stack ls\` and \`machina status\` there`,
    );
  return dir;
}

export async function listMachines(projectDir: string, options: { refresh?: boolean } = {}): Promise<MachineList> {
  const backendDir = backendDirFor(projectDir);
  const project = projectName(projectDir);
  const problems: string[] = [];
  const gone = new Set<string>();
  // A refresh rewrites resources, never the stack's outputs: what was read before it still holds.
  const stacks = storedStacks(backendDir, project);
  if (options.refresh) {
    for (const s of stacks) {
      if (!s.environment || Object.keys(s.machines).length === 0) continue;
      // The stack's name says whether it runs the environment on a provider other than its default.
      const provider = s.stack === s.environment ? undefined : s.provider;
      const summary: Summary = await run("refresh", { environment: s.environment, provider, projectDir });
      if (!summary.ok) problems.push(`${s.stack}: refresh failed: ${summary.error}`);
      for (const name of summary.goneMachines ?? []) gone.add(`${s.stack}/${name}`);
    }
  }
  const machines: ListedMachine[] = [];
  for (const s of stacks) {
    for (const [name, m] of Object.entries(s.machines)) {
      const provider = s.provider ?? "?";
      machines.push({
        stack: s.stack,
        environment: s.environment ?? s.stack,
        provider,
        name,
        region: plain(m.region),
        type: plain(m.type),
        address: plain(m.publicIp) ?? plain(m.privateIp),
        ssh: plain(m.ssh),
        state: gone.has(`${s.stack}/${name}`) ? "gone" : (plain(m.state) ?? "unknown"),
        ...priceOf(provider, plain(m.type)),
        updated: s.updated,
      });
    }
  }
  return { machines, problems };
}

/** The list as a table, one machine a line. */
export function machineListText(list: MachineList): string {
  if (list.machines.length === 0) return "no machines in this project's stacks";
  const header = ["STACK", "MACHINE", "PROVIDER", "REGION", "TYPE", "ADDRESS", "STATE", "PRICE/H"];
  const rows = list.machines.map((m) => [
    m.stack,
    m.name,
    m.provider,
    m.region ?? "-",
    m.type ?? "-",
    m.address ?? "-",
    m.state,
    m.hourlyPrice === undefined ? "-" : `${m.hourlyPrice} ${m.currency}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line), ...list.problems.map((p) => `problem: ${p}`)].join("\n");
}
