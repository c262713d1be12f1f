/**
 * After an interrupted run (killed `pulumi up`): the stale lock of a dead process on this machine is
 * removed, and pending creates of Machina's own dynamic resources are cleared - safe because their
 * create finds and cleans up what an interrupted create left, by its deterministic name. Pending
 * operations of other resources (cloud servers) are only reported: clearing those could leak them.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { hostname } from "node:os";
import * as path from "node:path";
import { READINESS_TYPE } from "../components/readiness";
import { builtInProviderNames, resolveProvider } from "../providers/registry";
import type { SelectedStack } from "./workspace";

export interface RecoveryReport {
  removedLocks: string[];
  clearedPendingCreates: string[];
  /** Pending operations left alone: check them on the platform, then `pulumi refresh --clear-pending-creates`. */
  remainingPending: string[];
}

/** Resource types whose interrupted create the next create cleans up by itself, as providers declare them. */
export function selfHealingTypes(): string[] {
  return [READINESS_TYPE, ...builtInProviderNames().flatMap((name) => resolveProvider(name).selfHealingResourceTypes ?? [])];
}

/** Whether a process runs; a zombie (killed, not yet reaped) does not. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true;
  }
}

function lockFiles(dir: string, stackName: string): string[] {
  const out: string[] = [];
  const walk = (d: string, depth: number) => {
    if (depth > 6 || !existsSync(d)) return;
    for (const entry of readdirSync(d)) {
      const p = path.join(d, entry);
      if (statSync(p).isDirectory()) walk(p, depth + 1);
      else if (entry.endsWith(".json") && path.basename(d) === stackName) out.push(p);
    }
  };
  walk(dir, 0);
  return out;
}

/** Removes locks of this stack held by processes of this machine that no longer exist. */
export function removeStaleLocks(stateDir: string, stackName: string): string[] {
  const removed: string[] = [];
  for (const file of lockFiles(path.join(stateDir, ".pulumi", "locks"), stackName)) {
    try {
      const lock = JSON.parse(readFileSync(file, "utf8")) as { pid?: number; hostname?: string };
      if (lock.hostname === hostname() && typeof lock.pid === "number" && !alive(lock.pid)) {
        rmSync(file);
        removed.push(`lock of dead process ${lock.pid} (${path.basename(file)})`);
      }
    } catch {
      // Not a lock we understand: leave it.
    }
  }
  return removed;
}

interface PendingOperation {
  resource: { urn: string; type: string };
  type: string;
}

export async function recoverInterrupted(selected: SelectedStack): Promise<RecoveryReport> {
  const report: RecoveryReport = { removedLocks: [], clearedPendingCreates: [], remainingPending: [] };
  if (!process.env.PULUMI_BACKEND_URL || process.env.PULUMI_BACKEND_URL === `file://${selected.stateDir}`) {
    report.removedLocks = removeStaleLocks(selected.stateDir, selected.stackName);
  }
  const exported = await selected.stack.exportStack();
  const deployment = exported.deployment as { pending_operations?: PendingOperation[] } | undefined;
  const pending = deployment?.pending_operations ?? [];
  if (pending.length === 0) return report;
  const keep: PendingOperation[] = [];
  const selfHealing = selfHealingTypes();
  for (const op of pending) {
    const name = `${op.type} ${op.resource.urn.split("::").pop()}`;
    if (op.type === "creating" && selfHealing.includes(op.resource.type)) report.clearedPendingCreates.push(name);
    else {
      keep.push(op);
      report.remainingPending.push(name);
    }
  }
  if (report.clearedPendingCreates.length > 0) {
    await selected.stack.importStack({ ...exported, deployment: { ...deployment, pending_operations: keep } });
  }
  return report;
}
