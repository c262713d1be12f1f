/**
 * After an interrupted run (killed `pulumi up`): the stale lock of a dead process on this machine is
 * removed with its companion files, and pending creates of Machina's own dynamic resources are
 * cleared - safe because their create finds and cleans up what an interrupted create left, by its
 * deterministic name. Pending operations of other resources (cloud servers) are only reported:
 * clearing those could leak them. Nothing is touched while a live process holds the stack's lock:
 * its pending creates are its own work in progress, and the run is reported as a conflict.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import * as path from "node:path";
import { MachinaError } from "../core/errors";
import { READINESS_TYPE } from "../core/readiness-type";
import { builtInProviderNames, resolveProvider } from "../providers/registry";
import { checkpointFiles, fileBackendDir, readCheckpointText } from "./file-backend";
import type { SelectedStack } from "./workspace";

export interface RecoveryReport {
  removedLocks: string[];
  clearedPendingCreates: string[];
  /** Pending operations left alone: check them on the platform, then `pulumi refresh --clear-pending-creates`. */
  remainingPending: string[];
}

/** A lock of the local (file) backend: `<state>/.pulumi/locks/organization/<project>/<stack>/<id>.json`. */
export interface StackLock {
  file: string;
  pid?: number;
  hostname?: string;
  username?: string;
  /** When the run took the lock (ISO 8601). */
  timestamp?: string;
  /** The engine command holding it (`up`, `refresh`, ...), when its process can be read. */
  operation?: string;
  /** Whether its process runs; a lock of another host counts as live (its process cannot be checked). */
  live: boolean;
}

/** Another run holds the stack's lock: nothing was changed. */
export class LiveLockError extends MachinaError {
  constructor(
    readonly stackName: string,
    readonly locks: StackLock[],
  ) {
    super(locks.map((l) => describeLiveLock(l)).join("\n"));
  }
}

export function describeLiveLock(lock: StackLock): string {
  const host = lock.hostname && lock.hostname !== hostname() ? ` on host ${lock.hostname}` : "";
  const since = lock.timestamp ? ` since ${lock.timestamp}` : "";
  return `another \`${lock.operation ?? "run"}\` of this stack is running, pid ${lock.pid ?? "?"}${host}${since}: wait until it ends, then run again`;
}

/** Resource types whose interrupted create the next create cleans up by itself, as providers declare them. */
export function selfHealingTypes(): string[] {
  return [
    READINESS_TYPE,
    ...builtInProviderNames().flatMap((name) => resolveProvider(name).selfHealingResourceTypes ?? []),
  ];
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

const ENGINE_COMMANDS = [
  "up",
  "update",
  "preview",
  "refresh",
  "destroy",
  "import",
  "cancel",
  "stack",
  "state",
  "watch",
];

/** The engine command a process runs (`pulumi up ...` -> `up`), when /proc tells. */
function operationOf(pid: number): string | undefined {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    if (!/pulumi$/.test(path.basename(argv[0] ?? ""))) return undefined;
    const command = argv.slice(1).find((a) => !a.startsWith("-"));
    if (command === "update") return "up";
    return command && ENGINE_COMMANDS.includes(command) ? command : undefined;
  } catch {
    return undefined;
  }
}

/** The folder of the stack's state backend, when it is a local file backend. */
export function backendDirOf(selected: SelectedStack): string | undefined {
  const url =
    selected.stack.workspace.envVars?.PULUMI_BACKEND_URL ??
    process.env.PULUMI_BACKEND_URL ??
    `file://${selected.stateDir}`;
  return fileBackendDir(url);
}

/** The locks of one stack, in a project-scoped backend (`organization/<project>/<stack>`) or a legacy one (`<stack>`). */
export function stackLocks(backendDir: string, project: string, stackName: string): StackLock[] {
  const root = path.join(backendDir, ".pulumi", "locks");
  const dirs = [path.join(root, "organization", project, stackName), path.join(root, stackName)];
  const locks: StackLock[] = [];
  for (const dir of dirs) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) continue;
    for (const entry of readdirSync(dir)) {
      const file = path.join(dir, entry);
      if (!entry.endsWith(".json") || !statSync(file).isFile()) continue;
      let content: { pid?: unknown; hostname?: unknown; username?: unknown; timestamp?: unknown };
      try {
        content = JSON.parse(readFileSync(file, "utf8")) as typeof content;
      } catch {
        // Being written, or not a lock we understand: treat it as held.
        locks.push({ file, live: true });
        continue;
      }
      const pid = typeof content.pid === "number" ? content.pid : undefined;
      const host = typeof content.hostname === "string" ? content.hostname : undefined;
      const here = host === hostname();
      const live = !here || pid === undefined || alive(pid);
      locks.push({
        file,
        pid,
        hostname: host,
        username: typeof content.username === "string" ? content.username : undefined,
        timestamp: typeof content.timestamp === "string" ? content.timestamp : undefined,
        operation: here && live && pid !== undefined ? operationOf(pid) : undefined,
        live,
      });
    }
  }
  return locks;
}

/**
 * Removes a lock file and what the file backend writes beside it: the `.attrs` metadata sidecar and
 * any `<name>.<n>.tmp` left by an interrupted write.
 */
export function removeLockFiles(file: string): string[] {
  const dir = path.dirname(file);
  const base = path.basename(file);
  const companions = existsSync(dir)
    ? readdirSync(dir).filter((e) => e === `${base}.attrs` || (e.startsWith(`${base}.`) && e.endsWith(".tmp")))
    : [];
  const removed: string[] = [];
  for (const f of [base, ...companions]) {
    rmSync(path.join(dir, f), { force: true });
    removed.push(f);
  }
  return removed;
}

/** Removes the given stale (not live) locks of a stack with their companion files; says what it removed. */
export function removeStaleLocks(locks: StackLock[]): string[] {
  return locks
    .filter((l) => !l.live)
    .map((l) => `lock of dead process ${l.pid ?? "?"} (${removeLockFiles(l.file).join(", ")})`);
}

/**
 * Runs an Automation API call that writes a temporary copy of the state (importStack writes the whole
 * deployment to os.tmpdir(), readable by others, and keeps it when the import fails) with os.tmpdir()
 * pointing at a folder of its own, mode 0700, removed afterwards whatever happens. The SDK picks the
 * path synchronously, so the process-wide TMPDIR is changed only for that synchronous part.
 */
export async function withPrivateTmpdir<T>(fn: () => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(tmpdir(), "machina-state-"));
  try {
    const previous = process.env.TMPDIR;
    let promise: Promise<T>;
    process.env.TMPDIR = dir;
    try {
      promise = fn();
    } finally {
      if (previous === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previous;
    }
    return await promise;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Whether the stack's checkpoint may record pending operations. The engine writes the key only when
 * there are some (`omitempty`), so its absence from every checkpoint file proves there are none; no
 * checkpoint where the backend keeps it, or one that cannot be read, counts as maybe.
 */
export function mayHavePendingOperations(backendDir: string, project: string, stackName: string): boolean {
  const files = checkpointFiles(backendDir, project, stackName).filter((f) => existsSync(f));
  if (files.length === 0) return true;
  for (const file of files) {
    try {
      if (readCheckpointText(file).includes('"pending_operations"')) return true;
    } catch {
      return true;
    }
  }
  return false;
}

interface PendingOperation {
  resource: { urn: string; type: string };
  type: string;
}

/**
 * Recovers from an interrupted run, acting only when no live process holds the stack's lock (a live
 * one throws LiveLockError and nothing is touched). Without a file backend, whose locks can be read
 * here, pending operations are only reported.
 */
export async function recoverInterrupted(selected: SelectedStack, project: string): Promise<RecoveryReport> {
  const report: RecoveryReport = { removedLocks: [], clearedPendingCreates: [], remainingPending: [] };
  const backendDir = backendDirOf(selected);
  if (backendDir) {
    const locks = stackLocks(backendDir, project, selected.stackName);
    const live = locks.filter((l) => l.live);
    if (live.length > 0) throw new LiveLockError(selected.stackName, live);
    report.removedLocks = removeStaleLocks(locks);
    // Exporting the stack costs a run of the engine: only when there is evidence of an interrupted run.
    if (report.removedLocks.length === 0 && !mayHavePendingOperations(backendDir, project, selected.stackName))
      return report;
  }
  const exported = await selected.stack.exportStack();
  const deployment = exported.deployment as { pending_operations?: PendingOperation[] } | undefined;
  const pending = deployment?.pending_operations ?? [];
  if (pending.length === 0) return report;
  const keep: PendingOperation[] = [];
  const selfHealing = backendDir ? selfHealingTypes() : [];
  for (const op of pending) {
    const name = `${op.type} ${op.resource.urn.split("::").pop()}`;
    if (op.type === "creating" && selfHealing.includes(op.resource.type)) report.clearedPendingCreates.push(name);
    else {
      keep.push(op);
      report.remainingPending.push(name);
    }
  }
  if (report.clearedPendingCreates.length > 0) {
    await withPrivateTmpdir(() =>
      selected.stack.importStack({ ...exported, deployment: { ...deployment, pending_operations: keep } }),
    );
  }
  return report;
}
