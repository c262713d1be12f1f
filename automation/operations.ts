/** preview, up, refresh, destroy and status over the Automation API, each with a structured summary. */
import type { EngineEvent, OutputMap } from "@pulumi/pulumi/automation";
import { recoverInterrupted, RecoveryReport } from "./recover";
import { withRunConfig } from "./run-config";
import { tightenStateFiles } from "./state-files";
import { EnvironmentTarget, InlineTarget, SelectedStack, selectEnvironmentStack, selectInlineStack } from "./workspace";

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
  /**
   * Diagnostics (warnings, errors, program output) as the engine reports them. Debug messages are
   * never passed on: the SDK logs resource registrations with their resolved (secret) values there.
   */
  onMessage?: (severity: string, message: string) => void;
  /** preview: fail when anything would change. */
  expectNoChanges?: boolean;
  /** Clear stale locks and pending creates left by an interrupted run first (default true). */
  recover?: boolean;
  signal?: AbortSignal;
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
}

export type Target = EnvironmentTarget | InlineTarget;

function isInline(target: Target): target is InlineTarget {
  return "program" in target;
}

export function selectStack(target: Target): Promise<SelectedStack> {
  return isInline(target) ? selectInlineStack(target) : selectEnvironmentStack(target);
}

function plainOutputs(outputs: OutputMap): Record<string, unknown> {
  return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.secret ? "[secret]" : v.value]));
}

function progressFrom(event: EngineEvent): ProgressEvent | undefined {
  const pre = event.resourcePreEvent?.metadata;
  if (pre) return { op: pre.op, type: pre.type, name: pre.urn.split("::").pop() ?? pre.urn, phase: "start" };
  const done = event.resOutputsEvent?.metadata;
  if (done) return { op: done.op, type: done.type, name: done.urn.split("::").pop() ?? done.urn, phase: "done" };
  const failed = event.resOpFailedEvent?.metadata;
  if (failed) return { op: failed.op, type: failed.type, name: failed.urn.split("::").pop() ?? failed.urn, phase: "failed" };
  return undefined;
}

const NO_CHANGE = new Set(["same", "read", "refresh"]);

function countChanged(changes: Record<string, number>): boolean {
  return Object.entries(changes).some(([op, n]) => !NO_CHANGE.has(op) && n > 0);
}

/** Runs one operation on an environment's stack (or an inline program's) and summarises it. */
export async function run(operation: Operation, target: Target, options: RunOptions = {}): Promise<Summary> {
  const started = Date.now();
  const selected = await selectStack(target);
  const base = { operation, stack: selected.stackName, environment: selected.environment, provider: selected.provider };
  const recovered = options.recover === false ? undefined : await recoverInterrupted(selected);
  const runSecrets = Object.values(selected.runConfig ?? {}).filter((v) => v.length >= 4);
  const onEvent = (event: EngineEvent) => {
    const progress = progressFrom(event);
    if (progress) options.onProgress?.(progress);
    const diag = event.diagnosticEvent;
    if (diag && String(diag.severity) !== "debug") options.onMessage?.(diag.severity, redact(diag.message.trim(), runSecrets));
  };
  try {
    const changes = await withRunConfig<Record<string, number>>(selected, selected.runConfig, async (configFile) => {
      const common = { onEvent, color: "never" as const, signal: options.signal, configFile };
      switch (operation) {
        case "preview":
          return (await selected.stack.preview({ ...common, diff: false })).changeSummary as Record<string, number>;
        case "up":
          return ((await selected.stack.up(common)).summary.resourceChanges ?? {}) as Record<string, number>;
        case "refresh":
          return ((await selected.stack.refresh(common)).summary.resourceChanges ?? {}) as Record<string, number>;
        case "destroy":
          return ((await selected.stack.destroy(common)).summary.resourceChanges ?? {}) as Record<string, number>;
      }
    });
    const outputs = operation === "destroy" ? {} : plainOutputs(await selected.stack.outputs());
    return { ...base, ok: true, changes, changed: countChanged(changes), outputs, durationSeconds: (Date.now() - started) / 1000, recovered };
  } catch (e) {
    return {
      ...base,
      ok: false,
      changes: {},
      changed: false,
      outputs: {},
      durationSeconds: (Date.now() - started) / 1000,
      recovered,
      error: redact(explainEngineError(String((e as Error).message ?? e)), runSecrets),
    };
  } finally {
    if (selected.env.PULUMI_BACKEND_URL === `file://${selected.stateDir}`) tightenStateFiles(selected.stateDir);
  }
}

/** Values given for one run (a token passed with -c) never appear in what Machina prints or returns. */
export function redact(text: string, values: string[]): string {
  return values.reduce((out, value) => out.split(value).join("[secret]"), text);
}

/** The last run of the stack, its resources and outputs, without running anything. */
export async function status(target: Target): Promise<Summary & { resources: number; lastUpdate?: { result: string; kind: string; endTime?: string } }> {
  const started = Date.now();
  const selected = await selectStack(target);
  const [history, outputs, exported] = await Promise.all([
    selected.stack.history(1),
    selected.stack.outputs(),
    selected.stack.exportStack(),
  ]);
  const resources = ((exported.deployment as { resources?: unknown[] })?.resources ?? []).length;
  const last = history[0];
  return {
    operation: "status",
    stack: selected.stackName,
    environment: selected.environment,
    provider: selected.provider,
    ok: true,
    changes: last?.resourceChanges ?? {},
    changed: false,
    outputs: plainOutputs(outputs),
    durationSeconds: (Date.now() - started) / 1000,
    resources,
    lastUpdate: last ? { result: last.result, kind: last.kind, endTime: last.endTime ? new Date(last.endTime).toISOString() : undefined } : undefined,
  };
}

/** Turns the engine's most common offline failures into a message that says what to do. */
export function explainEngineError(message: string): string {
  const plugin = /no resource plugin '([^']+)' found|could not find plugin.*?resource[ -]([\w-]+)|failed to load plugin.*?resource[- ]([\w-]+)/i.exec(message);
  if (plugin) {
    const name = plugin[1] ?? plugin[2] ?? plugin[3];
    return `${message.trim()}\nThe ${name} provider plugin is not installed and plugin downloads are off here. ` +
      `With internet: \`pulumi plugin install resource ${name}\`. Offline, only providers built on Machina's dynamic providers (libvirt) can run.`;
  }
  if (/the stack is currently locked/i.test(message)) {
    return `${message.trim()}\nAnother run holds the lock. If none is running, \`machina up\` clears a stale lock from a dead process on this machine by itself.`;
  }
  return message.trim();
}
