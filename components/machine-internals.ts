/**
 * What a Machine's module made of it, for the components that act on a Machine (a Snapshot): kept here,
 * out of the Machine's public fields, so that a user's program sees only the uniform outputs.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { MachineResult, ProviderModule, ResolvedMachineSpec } from "../core/contract";

export interface MachineInternals {
  name: string;
  module: ProviderModule;
  spec: ResolvedMachineSpec;
  result: MachineResult;
}

const internals = new WeakMap<pulumi.Resource, MachineInternals>();

export function recordMachineInternals(machine: pulumi.Resource, recorded: MachineInternals): void {
  internals.set(machine, recorded);
}

/** The Machine's internals; undefined for anything that is not a Machine of this Machina. */
export function machineInternalsOf(machine: unknown): MachineInternals | undefined {
  return typeof machine === "object" && machine !== null ? internals.get(machine as pulumi.Resource) : undefined;
}
