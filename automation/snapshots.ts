/**
 * `machina snapshot <machine>`, `machina delete-snapshot <name>` and `machina snapshots`: a Snapshot is
 * recorded in the stack's `machina:snapshots` map (so a later `up` keeps it, and a machine can restore
 * from it by name) and a targeted up takes or deletes it alone; the list is read from the stack's
 * checkpoint without the engine.
 */
import { existsSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { InvalidEnvironmentError, UsageError } from "../core/errors";
import { SNAPSHOT_NAME } from "../stacks/environment";
import { projectName } from "../stacks/environment";
import { isSecretValue } from "./engine-facts";
import { fileBackendDir, readCheckpointText } from "./file-backend";
import { checkEnvironment } from "./inspect";
import type { RunOptions, Summary } from "./operations";
import { run } from "./operations";
import { forgetSnapshot, recordedSnapshots, recordSnapshot } from "./snapshot-config";
import { checkedMachine, checkedStack } from "./machine-target";
import type { EnvironmentTarget } from "./workspace";

/** `<machine>-<UTC time to the second>`: a new name each time, sorted by when it was taken. */
export function defaultSnapshotName(machine: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `${machine}-${stamp}`.toLowerCase();
}

function checkedStackProblems(target: EnvironmentTarget) {
  const projectDir = path.resolve(target.projectDir ?? process.cwd());
  return checkEnvironment(projectDir, target.environment, target.provider, { ...target.keepConfig, ...target.config })
    .problems;
}

/**
 * Records the Snapshot and takes it with a targeted up. Throws before anything is written for a usage
 * mistake (an unknown machine, a name in use or unusable, a provider without the snapshot capability).
 */
export async function takeSnapshot(
  machine: string,
  target: EnvironmentTarget,
  options: RunOptions & { name?: string } = {},
): Promise<Summary & { snapshot: string }> {
  const { check, stackFile } = checkedMachine(target, machine, { capability: "snapshot", cannot: "take snapshots" });
  const name = options.name ?? defaultSnapshotName(machine);
  if (!SNAPSHOT_NAME.test(name))
    throw new UsageError(
      `--name ${JSON.stringify(name)}: a snapshot name is letters, digits and hyphens, starting with a letter, at most 63 characters`,
    );
  const existing = recordedSnapshots(stackFile)[name];
  if (existing !== undefined)
    throw new UsageError(
      `stack ${check.stack} has a snapshot ${name} already (of ${String(existing)}): choose another --name, or machina delete-snapshot ${name} first`,
    );
  recordSnapshot(stackFile, name, machine);
  const summary = await run("up", target, { ...options, snapshots: [name] });
  return { ...summary, snapshot: name };
}

/** Forgets the Snapshot and deletes its copy with a targeted up. */
export async function deleteSnapshot(
  name: string,
  target: EnvironmentTarget,
  options: RunOptions = {},
): Promise<Summary> {
  const { check, stackFile } = checkedStack(target);
  const recorded = recordedSnapshots(stackFile);
  if (recorded[name] === undefined)
    throw new UsageError(
      `stack ${check.stack} has no snapshot ${JSON.stringify(name)}: its snapshots are ${Object.keys(recorded).join(", ") || "(none)"}`,
    );
  forgetSnapshot(stackFile, name);
  // A machine that still restores from it by name would no longer resolve: nothing is deleted then.
  const after = checkedStackProblems(target);
  if (after.length > 0) {
    recordSnapshot(stackFile, name, String(recorded[name]));
    throw new InvalidEnvironmentError(target.environment, after);
  }
  return run("up", target, { ...options, snapshots: [name] });
}

export interface ListedSnapshot {
  stack: string;
  name: string;
  machine: string;
  provider: string;
  /** What `image: { snapshot }` takes. */
  id?: string;
  details?: Record<string, unknown>;
}

/** The Snapshots the stacks of the project hold, from their checkpoints (the last `up`'s outputs). */
export function listSnapshots(projectDir: string, stack?: string): ListedSnapshot[] {
  const url = process.env.PULUMI_BACKEND_URL;
  const backendDir = url ? fileBackendDir(url) : path.join(projectDir, ".pulumi-state");
  if (!backendDir)
    throw new UsageError(
      `machina snapshots reads a local file backend; PULUMI_BACKEND_URL is ${url}: use machina status`,
    );
  const dir = path.join(backendDir, ".pulumi", "stacks", projectName(projectDir));
  if (!existsSync(dir)) return [];
  const listed: ListedSnapshot[] = [];
  for (const file of readdirSync(dir).sort()) {
    const m = /^(.+)\.json(\.gz)?$/.exec(file);
    if (!m || (stack !== undefined && m[1] !== stack)) continue;
    const checkpoint = JSON.parse(readCheckpointText(path.join(dir, file))) as {
      checkpoint?: { latest?: { resources?: { type: string; outputs?: Record<string, unknown> }[] } };
    };
    const root = checkpoint.checkpoint?.latest?.resources?.find((r) => r.type === "pulumi:pulumi:Stack");
    const snapshots = root?.outputs?.snapshotOutputs;
    if (typeof snapshots !== "object" || snapshots === null || isSecretValue(snapshots)) continue;
    for (const [name, s] of Object.entries(snapshots as Record<string, Record<string, unknown>>)) {
      const text = (v: unknown) => (typeof v === "string" ? v : undefined);
      listed.push({
        stack: m[1],
        name,
        machine: text(s.machine) ?? "?",
        provider: text(s.provider) ?? "?",
        id: text(s.id),
        details:
          typeof s.details === "object" && s.details !== null ? (s.details as Record<string, unknown>) : undefined,
      });
    }
  }
  return listed;
}

export function snapshotListText(list: ListedSnapshot[]): string {
  if (list.length === 0) return "no snapshots";
  const header = ["STACK", "SNAPSHOT", "MACHINE", "PROVIDER", "TAKEN", "ID"];
  const rows = list.map((s) => [
    s.stack,
    s.name,
    s.machine,
    s.provider,
    typeof s.details?.takenAt === "string" ? s.details.takenAt : "-",
    s.id ?? "-",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}
