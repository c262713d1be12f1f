/** preview, up, refresh, destroy and status over the Automation API, each with a structured summary. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { EngineEvent, OutputMap } from "@pulumi/pulumi/automation";
import { InvalidEnvironmentError, MachinaError, renderValue, ValidationError } from "../core/errors";
import type { Failure } from "../core/failure";
import { classifyError, classifyFailure, FAILURE_CLASS_INFO } from "../core/failure";
import { projectName } from "../stacks/environment";
import { READINESS_TYPE } from "../core/readiness-type";
import { ImportDiffs } from "./import-mismatch";
import { EngineFacts, MASKED } from "./engine-facts";
import type { LiveMachine, StoredResource } from "./live-status";
import { liveMachines, RefreshObserver } from "./live-status";
import { checkEnvironment } from "./inspect";
import type { RecoveryReport, StackLock } from "./recover";
import { backendDirOf, describeLiveLock, LiveLockError, recoverInterrupted, stackLocks } from "./recover";
import { secretRunValues, withRunConfig } from "./run-config";
import { tightenStateFiles } from "./state-files";
import type { EnvironmentTarget, InlineTarget, SelectedStack, SelectOptions } from "./workspace";
import { selectEnvironmentStack, selectInlineStack, StackNeverCreated } from "./workspace";

export type Operation = "preview" | "up" | "refresh" | "destroy";

export interface ProgressEvent {
  /** `create`, `update`, `delete`, `replace`, `same`, `refresh`, `read`, ... */
  op: string;
  type: string;
  name: string;
  phase: "start" | "done" | "failed";
  message?: string;
}

export interface RunOptions {
  onProgress?: (event: ProgressEvent) => void;
  /** Diagnostics (warnings, errors, program output) as the engine reports them. */
  onMessage?: (severity: string, message: string) => void;
  /** preview: fail when anything would change. */
  expectNoChanges?: boolean;
  /**
   * up: change only these Machines (by name) and what they contain, a targeted up; the stack's other
   * resources are left as they are. Default: the whole stack.
   */
  machines?: string[];
  /** up: take (or delete, when gone from the program) only these Snapshots (by name), a targeted up. */
  snapshots?: string[];
  /** Clear stale locks and pending creates left by an interrupted run first (default true). */
  recover?: boolean;
  signal?: AbortSignal;
}

/** The run holding the stack's lock when this one was refused. */
export interface LockHolder {
  pid?: number;
  hostname?: string;
  /** When it took the lock (ISO 8601). */
  since?: string;
  /** Its engine command (`up`, `refresh`, ...), when it could be read. */
  operation?: string;
}

export interface Summary {
  operation: Operation | "status";
  stack: string;
  environment?: string;
  provider?: string;
  ok: boolean;
  /** Counts by operation, e.g. `{ create: 2, same: 1 }`. */
  changes: Record<string, number>;
  /** Whether anything would change or did change (same/read do not count). */
  changed: boolean;
  outputs: Record<string, unknown>;
  durationSeconds: number;
  recovered?: RecoveryReport;
  error?: string;
  /** Why a failed run failed: its class, whether running it again may succeed, how long to wait. */
  failure?: Failure;
  /** Another run holds the stack's lock (failure class `conflict`): nothing was changed. */
  lockedBy?: LockHolder;
  /**
   * Machines in the stack's outputs whose resources are gone (a refresh found them deleted outside the
   * stack): left out of `outputs.machineOutputs`, since those outputs are stale until the next up.
   */
  goneMachines?: string[];
}

export type Target = EnvironmentTarget | InlineTarget;

function isInline(target: Target): target is InlineTarget {
  return "program" in target;
}

export function selectStack(target: Target, options: SelectOptions = {}): Promise<SelectedStack> {
  return isInline(target) ? selectInlineStack(target, options) : selectEnvironmentStack(target, options);
}

/** The summary of a command on a stack that was never created: nothing to do, nothing changed. */
function neverCreated(base: SummaryBase, e: StackNeverCreated, started: number): Summary {
  return {
    ...base,
    stack: e.stackName,
    ...(e.environment ? { environment: e.environment, provider: e.provider } : {}),
    ok: true,
    changes: {},
    changed: false,
    outputs: {},
    durationSeconds: (Date.now() - started) / 1000,
  };
}

function plainOutputs(outputs: OutputMap): Record<string, unknown> {
  return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.secret ? MASKED : v.value]));
}

function progressFrom(event: EngineEvent): ProgressEvent | undefined {
  const pre = event.resourcePreEvent?.metadata;
  if (pre) return { op: pre.op, type: pre.type, name: pre.urn.split("::").pop() ?? pre.urn, phase: "start" };
  const done = event.resOutputsEvent?.metadata;
  if (done) return { op: done.op, type: done.type, name: done.urn.split("::").pop() ?? done.urn, phase: "done" };
  const failed = event.resOpFailedEvent?.metadata;
  if (failed)
    return { op: failed.op, type: failed.type, name: failed.urn.split("::").pop() ?? failed.urn, phase: "failed" };
  return undefined;
}

const NO_CHANGE = new Set(["same", "read", "refresh"]);

function countChanged(changes: Record<string, number>): boolean {
  return Object.entries(changes).some(([op, n]) => !NO_CHANGE.has(op) && n > 0);
}

type SummaryBase = Pick<Summary, "operation" | "stack" | "environment" | "provider">;

/** What a summary says about its target before the stack is selected (the stack name may change then). */
function summaryBase(operation: Summary["operation"], target: Target): SummaryBase {
  return isInline(target)
    ? { operation, stack: target.stackName }
    : { operation, stack: target.environment, environment: target.environment, provider: target.provider };
}

/** A summary of a run that failed: nothing changed, no outputs. */
function failedSummary(base: SummaryBase, started: number): Summary {
  return {
    ...base,
    ok: false,
    changes: {},
    changed: false,
    outputs: {},
    durationSeconds: (Date.now() - started) / 1000,
  };
}

/** `preview` with `expectNoChanges` that found changes: a failed run, with what would change. */
function unexpectedChanges(
  base: SummaryBase,
  started: number,
  changes: Record<string, number>,
  recovered: RecoveryReport | undefined,
): Summary {
  const found = Object.entries(changes)
    .filter(([op, n]) => !NO_CHANGE.has(op) && n > 0)
    .map(([op, n]) => `${op} ${n}`)
    .join(", ");
  return {
    ...failedSummary(base, started),
    changes,
    changed: true,
    recovered,
    error: `preview found changes where none were expected: ${found}`,
    failure: { class: "unexpected-changes", ...FAILURE_CLASS_INFO["unexpected-changes"] },
  };
}

/** Pulumi's rule for stack names, checked before the engine says it less plainly. */
function checkStackName(target: Target): void {
  if (isInline(target) && !/^[A-Za-z0-9_.-]+$/.test(target.stackName ?? "")) {
    throw new ValidationError(`stack ${JSON.stringify(target.stackName)}`, [
      {
        field: "stackName",
        value: renderValue(target.stackName),
        allowed: "letters, digits, '-', '_' and '.'",
        fix: "rename the stack, e.g. ci-1",
      },
    ]);
  }
}

function projectOf(target: Target): string {
  return isInline(target) ? target.projectName : projectName(path.resolve(target.projectDir ?? process.cwd()));
}

/**
 * Every problem of an environment's stack files before the engine starts (the program would stop at
 * the first Machine that fails): file syntax, stack-level keys, every machine.
 */
function precheck(target: EnvironmentTarget): void {
  const projectDir = path.resolve(target.projectDir ?? process.cwd());
  if (!existsSync(path.join(projectDir, "Pulumi.yaml"))) return; // selectEnvironmentStack says so
  const check = checkEnvironment(projectDir, target.environment, target.provider, {
    ...target.keepConfig,
    ...target.config,
  });
  if (check.problems.length > 0) throw new InvalidEnvironmentError(target.environment, check.problems);
}

/** Machine outputs whose resource (by the machine's platform id) is still in the stack's state. */
function withoutGoneMachines(
  outputs: Record<string, unknown>,
  resources: { id?: string }[],
): { outputs: Record<string, unknown>; gone: string[] } {
  const machines = outputs.machineOutputs;
  if (typeof machines !== "object" || machines === null) return { outputs, gone: [] };
  const ids = new Set(resources.map((r) => r.id).filter((id): id is string => typeof id === "string" && id !== ""));
  const kept: Record<string, unknown> = {};
  const gone: string[] = [];
  for (const [name, m] of Object.entries(machines as Record<string, { id?: unknown }>)) {
    const id = typeof m === "object" && m !== null ? m.id : undefined;
    if (typeof id === "string" && id !== "" && !ids.has(id)) gone.push(name);
    else kept[name] = m;
  }
  return { outputs: { ...outputs, machineOutputs: kept }, gone };
}

const MACHINE_TYPE = "machina:index:Machine";

/**
 * The URNs a targeted up of some Machines names: each Machine, everything under it in the state (and
 * those resources' provider), its readiness check, and the stack itself (its outputs). The engine
 * refuses a literal target it cannot find, and the readiness check may not exist yet (a stopped machine
 * that starts gets it again) or at all (no waitForReady): it is named by a glob, which the engine does
 * not require to match. Its `*` stands where no other type of Machina's can match.
 */
export function machineTargets(exported: { deployment?: unknown }, machines: string[]): string[] {
  const resources =
    (
      exported.deployment as
        { resources?: { urn: string; type: string; parent?: string; provider?: string }[] } | undefined
    )?.resources ?? [];
  const root = resources.find((r) => r.type === "pulumi:pulumi:Stack");
  // A stack never run has no root: nothing of it can be targeted.
  if (!root) return [];
  const prefix = root.urn.slice(0, root.urn.lastIndexOf("::pulumi:pulumi:Stack::"));
  const machineUrn = (name: string) => `${prefix}::${MACHINE_TYPE}::${name}`;
  const machineUrns = new Set(machines.map(machineUrn));
  const targets = new Set<string>([root.urn, ...machineUrns]);
  // The readiness check by pattern: a stopped machine has none, and the engine refuses a literal target it cannot find.
  for (const name of machines) targets.add(`${prefix}::${MACHINE_TYPE}$${READINESS_TYPE}*::${name}-ready`);
  const parentOf = new Map(resources.map((r) => [r.urn, r.parent]));
  for (const r of resources) {
    for (let at: string | undefined = r.urn, depth = 0; at && depth < 64; at = parentOf.get(at), depth++) {
      if (machineUrns.has(at)) {
        targets.add(r.urn);
        // Its provider too (`<urn>::<id>`): the default provider's inputs carry the stack's config, which the wish changed.
        if (r.provider) targets.add(r.provider.slice(0, r.provider.lastIndexOf("::")));
        break;
      }
    }
  }
  // A Machine not in the state yet (one being adopted): its children are new, and a literal target
  // cannot name what does not exist, so they are named by glob (`**` spans the `:` of their types).
  const known = new Set(resources.map((r) => r.urn));
  for (const name of machines) {
    if (known.has(machineUrn(name))) continue;
    targets.add(`${prefix}::${MACHINE_TYPE}$**::${name}`);
    targets.add(`${prefix}::${MACHINE_TYPE}$**::${name}-*`);
  }
  return [...targets];
}

const SNAPSHOT_TYPE = "machina:index:Snapshot";

/**
 * The URNs a targeted up of some Snapshots names: each Snapshot and what it contains, by a glob (`**`
 * spans the child's type, `machina:index:Snapshot$<its type>`), which the engine does not require to
 * match: a Snapshot about to be taken is not in the state yet. And the stack itself (its outputs).
 */
export function snapshotTargets(exported: { deployment?: unknown }, snapshots: string[]): string[] {
  const resources = (exported.deployment as { resources?: { urn: string; type: string }[] } | undefined)?.resources;
  const root = resources?.find((r) => r.type === "pulumi:pulumi:Stack");
  if (!root) return [];
  const prefix = root.urn.slice(0, root.urn.lastIndexOf("::pulumi:pulumi:Stack::"));
  return [root.urn, ...snapshots.map((name) => `${prefix}::${SNAPSHOT_TYPE}**::${name}`)];
}

async function stateResources(selected: SelectedStack): Promise<{ id?: string }[]> {
  const exported = await selected.stack.exportStack();
  return (exported.deployment as { resources?: { id?: string }[] })?.resources ?? [];
}

const ENGINE_TMP_PREFIX = ".machina-tmp-";

/**
 * A folder of this run, mode 0700, beside the state, for the engine's temporary files: the file
 * backend writes each new state to a temporary file first (in TMPDIR, mode 0644, by default). Folders
 * of runs whose process is gone are removed first.
 */
function engineTmpdir(selected: SelectedStack): string {
  const base = backendDirOf(selected) ?? tmpdir();
  mkdirSync(base, { recursive: true, mode: 0o700 });
  for (const entry of readdirSync(base)) {
    const pid = Number(new RegExp(`^${ENGINE_TMP_PREFIX.replace(/\./g, "\\.")}(\\d+)-`).exec(entry)?.[1]);
    if (!pid) continue;
    try {
      process.kill(pid, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ESRCH")
        rmSync(path.join(base, entry), { recursive: true, force: true });
    }
  }
  return mkdtempSync(path.join(base, `${ENGINE_TMP_PREFIX}${process.pid}-`));
}

function lockHolder(lock: StackLock): LockHolder {
  return { pid: lock.pid, hostname: lock.hostname, since: lock.timestamp, operation: lock.operation };
}

/** The failed summary's fields for an error: message, class, and who holds the lock if that was it. */
function failureOf(
  e: unknown,
  diagnostics: string[],
  selected: SelectedStack | undefined,
  project: string,
): Pick<Summary, "error" | "failure" | "lockedBy"> {
  const conflict = FAILURE_CLASS_INFO.conflict;
  if (e instanceof LiveLockError) {
    return {
      error: e.message,
      failure: { class: "conflict", retryable: conflict.retryable, hint: conflict.hint },
      lockedBy: lockHolder(e.locks[0]),
    };
  }
  const message = String((e as Error)?.message ?? e);
  // Another run took the lock after this one looked: name it as the lock check would have.
  if ((e as Error)?.name === "ConcurrentUpdateError" || /the stack is currently locked/i.test(message)) {
    const dir = selected ? backendDirOf(selected) : undefined;
    const live = dir && selected ? stackLocks(dir, project, selected.stackName).filter((l) => l.live) : [];
    const m = /created by (\S+?)@(\S+) \(pid (\d+)\) at (\S+)/.exec(message);
    const lock: StackLock | undefined =
      live[0] ?? (m ? { file: "", hostname: m[2], pid: Number(m[3]), timestamp: m[4], live: true } : undefined);
    const failure: Failure = { class: "conflict", retryable: conflict.retryable, hint: conflict.hint };
    return lock
      ? { error: describeLiveLock(lock), failure, lockedBy: lockHolder(lock) }
      : { error: explainEngineError(message), failure };
  }
  const failure = e instanceof MachinaError ? classifyError(e) : classifyFailure(...diagnostics, message);
  return { error: explainEngineError(message), failure };
}

/**
 * Runs one operation on an environment's stack (or an inline program's) and summarises it. Never
 * throws for a failure of the run: a missing engine, an invalid stack name or spec, a stack locked by
 * another run, a platform error each give a summary with `ok: false`, `error` and `failure`.
 */
export async function run(operation: Operation, target: Target, options: RunOptions = {}): Promise<Summary> {
  const started = Date.now();
  const base = summaryBase(operation, target);
  const diagnostics: string[] = [];
  let recovered: RecoveryReport | undefined;
  let selected: SelectedStack | undefined;
  let project = "";
  let engineTmp: string | undefined;
  // Credentials given for this run never appear in messages; after the stack is selected, neither do
  // values of keys its stack file keeps as secrets.
  let runSecrets = secretRunValues(target.config);
  const importDiffs = new ImportDiffs();
  try {
    checkStackName(target);
    project = projectOf(target);
    // The engine reads the program's config when the program runs: up and preview check it all first.
    if (!isInline(target) && (operation === "up" || operation === "preview")) precheck(target);
    // Refresh and destroy of a stack that was never created have nothing to do: they do not create it.
    try {
      selected = await selectStack(target, { create: operation === "up" || operation === "preview" });
    } catch (e) {
      if (!(e instanceof StackNeverCreated)) throw e;
      return neverCreated(base, e, started);
    }
    runSecrets = secretRunValues(target.config, selected.stackFile);
    Object.assign(base, { stack: selected.stackName, environment: selected.environment, provider: selected.provider });
    engineTmp = engineTmpdir(selected);
    selected.stack.workspace.envVars.TMPDIR = engineTmp;
    if (options.recover !== false) recovered = await recoverInterrupted(selected, project);
    const facts = new EngineFacts();
    const onEvent = (event: EngineEvent) => {
      facts.observe(event);
      importDiffs.observe(event);
      const progress = progressFrom(event);
      if (progress) options.onProgress?.(progress);
      const diag = event.diagnosticEvent;
      // Debug diagnostics are never passed on: the SDK logs resource registrations with their resolved (secret) values there.
      if (diag && String(diag.severity) !== "debug") {
        const message = redact(diag.message.trim(), runSecrets);
        if (diag.severity === "error") diagnostics.push(message);
        options.onMessage?.(diag.severity, message);
      }
    };
    const stack = selected.stack;
    // The outputs up already fetched are used as they are; preview and destroy print none.
    const result = await withRunConfig<{ changes: Record<string, number>; outputs?: OutputMap }>(
      selected,
      selected.runConfig,
      async (configFile) => {
        const common = { onEvent, color: "never" as const, signal: options.signal, configFile };
        const changesOf = (r: { summary: { resourceChanges?: unknown } }) =>
          (r.summary.resourceChanges ?? {}) as Record<string, number>;
        switch (operation) {
          case "preview":
            return {
              changes: (await stack.preview({ ...common, diff: false })).changeSummary as Record<string, number>,
            };
          case "up": {
            const exported = options.machines || options.snapshots ? await stack.exportStack() : undefined;
            const target = exported
              ? [
                  ...new Set([
                    ...(options.machines ? machineTargets(exported, options.machines) : []),
                    ...(options.snapshots ? snapshotTargets(exported, options.snapshots) : []),
                  ]),
                ]
              : undefined;
            const up = await facts.answering(stack, "update", () => stack.up(target ? { ...common, target } : common));
            return { changes: changesOf(up), outputs: up.outputs };
          }
          case "refresh":
            return facts.answering(stack, "refresh", async () => ({
              changes: changesOf(await stack.refresh(common)),
              outputs: await stack.outputs(),
            }));
          case "destroy":
            return { changes: changesOf(await facts.answering(stack, "destroy", () => stack.destroy(common))) };
        }
      },
    );
    const changes = result.changes;
    if (operation === "preview" && options.expectNoChanges && countChanged(changes))
      return unexpectedChanges(base, started, changes, recovered);
    let outputs = result.outputs ? plainOutputs(result.outputs) : {};
    let goneMachines: string[] | undefined;
    if (operation === "refresh") {
      // Outputs are written by up: after a refresh that removed a machine they still describe it.
      const kept = withoutGoneMachines(outputs, await stateResources(selected));
      outputs = kept.outputs;
      if (kept.gone.length > 0) goneMachines = kept.gone;
    }
    return {
      ...base,
      ok: true,
      changes,
      changed: countChanged(changes),
      outputs,
      durationSeconds: (Date.now() - started) / 1000,
      recovered,
      ...(goneMachines ? { goneMachines } : {}),
    };
  } catch (e) {
    const failure = failureOf(e, diagnostics, selected, project);
    // Pulumi's refusal of an adoption names no field: the engine's events do.
    const mismatch = importDiffs.explain([failure.error ?? "", ...diagnostics].join("\n"));
    if (mismatch) failure.error = `${mismatch}\n${failure.error ?? ""}`.trim();
    return {
      ...failedSummary(base, started),
      recovered,
      ...redactFailure(failure, runSecrets),
    };
  } finally {
    if (selected) delete selected.stack.workspace.envVars.TMPDIR;
    if (engineTmp) rmSync(engineTmp, { recursive: true, force: true });
    if (selected && selected.env.PULUMI_BACKEND_URL === `file://${selected.stateDir}`)
      tightenStateFiles(selected.stateDir);
  }
}

/** Values given for one run (a token passed with -c) never appear in what Machina prints or returns. */
export function redact(text: string, values: string[]): string {
  return values.reduce((out, value) => out.split(value).join(MASKED), text);
}

function redactFailure<T extends { error?: string }>(failure: T, values: string[]): T {
  return failure.error === undefined ? failure : { ...failure, error: redact(failure.error, values) };
}

export type StatusSummary = Summary & {
  resources: number;
  lastUpdate?: { result: string; kind: string; endTime?: string };
  /** With `live`: each machine's state on the platform now and what differs from the state (drift). */
  live?: Record<string, LiveMachine>;
};

/**
 * The last run of the stack, its resources and outputs, without changing anything; a failure gives
 * `ok: false`. With `live`, a refresh preview also reads every resource from the platform (nothing is
 * written): each machine's live state and drift.
 */
export async function status(target: Target, options: { live?: boolean } = {}): Promise<StatusSummary> {
  const started = Date.now();
  const base = summaryBase("status", target);
  let selected: SelectedStack | undefined;
  let project = "";
  try {
    checkStackName(target);
    project = projectOf(target);
    try {
      selected = await selectStack(target, { create: false });
    } catch (e) {
      if (!(e instanceof StackNeverCreated)) throw e;
      // Never run: nothing to read, and nothing is created to read it (the stack's file stays as it is).
      return { ...neverCreated(base, e, started), resources: 0, ...(options.live ? { live: {} } : {}) };
    }
    Object.assign(base, { stack: selected.stackName, environment: selected.environment, provider: selected.provider });
    const [history, outputs, exported] = await Promise.all([
      selected.stack.history(1),
      selected.stack.outputs(),
      selected.stack.exportStack(),
    ]);
    const resources = (exported.deployment as { resources?: (StoredResource & { id?: string })[] })?.resources ?? [];
    const kept = withoutGoneMachines(plainOutputs(outputs), resources);
    let live: Record<string, LiveMachine> | undefined;
    if (options.live) {
      const observer = new RefreshObserver();
      await selected.stack.previewRefresh({ onEvent: (e) => observer.observe(e), color: "never" });
      const { resolveProvider } = require("../providers/registry") as typeof import("../providers/registry");
      const module = selected.provider ? resolveProvider(selected.provider) : undefined;
      live = liveMachines(resources, observer.resources.values(), module?.state);
    }
    const last = history[0];
    return {
      ...base,
      ok: true,
      changes: last?.resourceChanges ?? {},
      changed: false,
      outputs: kept.outputs,
      ...(kept.gone.length > 0 ? { goneMachines: kept.gone } : {}),
      durationSeconds: (Date.now() - started) / 1000,
      resources: resources.length,
      ...(live ? { live } : {}),
      lastUpdate: last
        ? {
            result: last.result,
            kind: last.kind,
            endTime: last.endTime ? new Date(last.endTime).toISOString() : undefined,
          }
        : undefined,
    };
  } catch (e) {
    return { ...failedSummary(base, started), resources: 0, ...failureOf(e, [], selected, project) };
  }
}

/** Turns the engine's most common offline failures into a message that says what to do. */
export function explainEngineError(message: string): string {
  const plugin =
    /no resource plugin '([^']+)' found|could not find plugin.*?resource[ -]([\w-]+)|failed to load plugin.*?resource[- ]([\w-]+)/i.exec(
      message,
    );
  if (plugin) {
    const name = plugin[1] ?? plugin[2] ?? plugin[3];
    return (
      `${message.trim()}\nThe ${name} provider plugin is not installed and plugin downloads are off here. ` +
      `With internet: \`pulumi plugin install resource ${name}\`. Offline, only providers built on Machina's dynamic providers (libvirt) can run.`
    );
  }
  if (/spawn pulumi ENOENT|Command failed with ENOENT: pulumi/i.test(message)) {
    return (
      `the Pulumi engine (the pulumi command) is not on PATH: install Pulumi (https://www.pulumi.com/docs/install/), ` +
      `or offline run scripts/setup-engine.sh and put the directory it prints first on PATH.\n${message.trim()}`
    );
  }
  if (/the stack is currently locked/i.test(message)) {
    return `${message.trim()}\nAnother run holds the lock. If none is running, \`machina up\` clears a stale lock from a dead process on this machine by itself.`;
  }
  return message.trim();
}
