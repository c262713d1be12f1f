/**
 * `machina status --live`: each machine's state and drift as the platform has them now. A refresh
 * preview reads every resource from the platform without writing the state; its events say, per
 * resource, what a refresh would change or remove, and give the outputs read. They are grouped by the
 * Machine each resource belongs to, and the provider's `state` operation reads the live state.
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";
import type { StateOperation } from "../core/contract";
import type { MachineState } from "../core/power";

const MACHINE_TYPE = "machina:index:Machine";
/** Steps of a refresh that say the resource is no longer on the platform. */
const GONE_OPS = new Set(["delete", "discard", "read-discard", "delete-replaced"]);

/** What a refresh found of one resource that differs from the state. */
export interface ResourceDrift {
  /** The resource's name in the stack (`web-domain`). */
  resource: string;
  type: string;
  change: "changed" | "gone";
  /** The outputs that differ (for a change), as the engine names them. */
  fields: string[];
}

export interface LiveMachine {
  /** The live state, `gone` when the machine is no longer on the platform, `unknown` when nothing says. */
  state: MachineState | "gone";
  drift: ResourceDrift[];
}

/** One resource as the refresh preview read it. */
export interface RefreshedResource {
  urn: string;
  type: string;
  /** `same` when it is still there (changed or not), `delete` when the platform no longer has it. */
  op: string;
  /** The outputs whose value the platform changed (the engine's refresh events carry no diff of their own). */
  diffs: string[];
  outputs?: Record<string, unknown>;
}

/** A resource of the stored state, enough to find the Machine it belongs to. */
export interface StoredResource {
  urn: string;
  type: string;
  parent?: string;
}

export const nameOfUrn = (urn: string): string => urn.slice(urn.lastIndexOf("::") + 2);

function changedKeys(before: Record<string, unknown> = {}, after: Record<string, unknown> = {}): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k])).sort();
}

/**
 * Collects each resource as a refresh preview read it. Its events say `refresh` before each read and,
 * after, `same` with the outputs read (changed or not) or `delete` when the platform has it no more.
 */
export class RefreshObserver {
  readonly resources = new Map<string, RefreshedResource>();

  observe(event: EngineEvent): void {
    const step = event.resOutputsEvent?.metadata;
    if (!step || step.type === "pulumi:pulumi:Stack") return;
    const before = step.old?.outputs as Record<string, unknown> | undefined;
    const after = step.new?.outputs as Record<string, unknown> | undefined;
    this.resources.set(step.urn, {
      urn: step.urn,
      type: step.type,
      op: String(step.op),
      diffs: after ? changedKeys(before, after) : [],
      outputs: after,
    });
  }
}

/** The Machine (its name) each stored resource belongs to: itself, or its nearest Machine ancestor. */
function machineOf(resources: StoredResource[]): (urn: string) => string | undefined {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  return (urn) => {
    // Parents form a tree; the bound only guards against a malformed state.
    for (let at = byUrn.get(urn), hops = 0; at && hops < 64; at = at.parent ? byUrn.get(at.parent) : undefined, hops++)
      if (at.type === MACHINE_TYPE) return nameOfUrn(at.urn);
    return undefined;
  };
}

/** Each Machine of the stored state with its live state and drift, from what the refresh read. */
export function liveMachines(
  stored: StoredResource[],
  refreshed: Iterable<RefreshedResource>,
  readState: StateOperation | undefined,
): Record<string, LiveMachine> {
  const owner = machineOf(stored);
  const machines: Record<string, LiveMachine> = {};
  for (const r of stored) if (r.type === MACHINE_TYPE) machines[nameOfUrn(r.urn)] = { state: "unknown", drift: [] };
  // A machine whose platform resource a refresh already dropped from the state is gone too.
  if (readState) {
    const carried = new Set(stored.filter((r) => readState(r.type, {}) !== undefined).map((r) => owner(r.urn)));
    for (const [name, machine] of Object.entries(machines)) if (!carried.has(name)) machine.state = "gone";
  }
  for (const r of refreshed) {
    const name = owner(r.urn);
    const machine = name === undefined ? undefined : machines[name];
    if (!machine) continue;
    const gone = GONE_OPS.has(r.op) || r.outputs === undefined;
    const live = !gone && r.outputs ? readState?.(r.type, r.outputs) : undefined;
    if (live !== undefined) machine.state = live;
    if (gone && readState?.(r.type, {}) !== undefined) machine.state = "gone";
    if (gone) machine.drift.push({ resource: nameOfUrn(r.urn), type: r.type, change: "gone", fields: [] });
    else if (r.diffs.length > 0)
      machine.drift.push({ resource: nameOfUrn(r.urn), type: r.type, change: "changed", fields: r.diffs });
  }
  return machines;
}

/** `web: stopped; drift: web-domain (memoryMiB, state changed)` lines for the CLI. */
export function liveText(machines: Record<string, LiveMachine>): string[] {
  return Object.entries(machines).map(([name, m]) => {
    const drift = m.drift.map((d) =>
      d.change === "gone" ? `${d.resource} gone` : `${d.resource} (${d.fields.join(", ")} changed)`,
    );
    return `  ${name}: ${m.state} now${drift.length > 0 ? `; drift: ${drift.join(", ")}` : "; no drift"}`;
  });
}
