import * as pulumi from "@pulumi/pulumi";
import type { FieldProblem } from "../core/errors";
import { renderValue, ValidationError } from "../core/errors";
import { platformNameFor } from "../core/naming";
import { checkLabels, DEFAULT_LABEL_RULES, MANAGED_LABELS } from "../core/resolve/labels";
import { underMachine } from "../core/resolve/problems";
import { nameSnapshotId } from "../core/snapshot-ids";
import { perRun } from "../providers/kit/per-run";
import { withChildOptions } from "./child-options";
import { machineInternalsOf } from "./machine-internals";

export const SNAPSHOT_TYPE = "machina:index:Snapshot";

export interface SnapshotArgs {
  /** The Machine whose disk is copied (a Machine of this program, on a provider with the snapshot capability). */
  machine: pulumi.Resource;
  /** Labels the platform's copy carries besides Machina's; keys plain, values may be Outputs. */
  labels?: Record<string, pulumi.Input<string>>;
}

/** A second Snapshot of one name in this stack (under another component) would take the first one's copy. */
function claimSnapshotName(provider: string, platformName: string, snapshot: string): FieldProblem[] {
  const claimed = perRun<string>("snapshot-names");
  const key = `${provider}/${platformName}`;
  const holder = claimed.get(key);
  if (holder !== undefined)
    return [
      {
        field: snapshot,
        value: JSON.stringify(platformName),
        allowed: `a platform name of its own; Snapshot ${JSON.stringify(holder)} of this stack already has this one`,
        fix: "give the two Snapshots different names",
      },
    ];
  claimed.set(key, snapshot);
  return [];
}

/**
 * A consistent copy of a Machine's disk, kept by the platform (a Hetzner snapshot, an AMI, a
 * VirtualMachineSnapshot, a qcow2 in libvirt's image cache), from which a new Machine restores with
 * `image: snap.image`. Deleting the Snapshot deletes the copy. Only on a provider whose module exports
 * `snapshot`; elsewhere it is refused before anything is registered.
 */
export class Snapshot extends pulumi.ComponentResource {
  /** The platform's id of the copy: what `image: { snapshot }` takes. */
  readonly id: pulumi.Output<string>;
  readonly provider: pulumi.Output<string>;
  /** The name of the Machine the copy was taken of. */
  readonly machine: pulumi.Output<string>;
  /** Provider-specific facts (size, where the copy is kept, the platform's name for it). */
  readonly details: pulumi.Output<Record<string, unknown>>;
  /** `{ snapshot: id }`: `new Machine("restored", { image: snap.image })` restores from this Snapshot. */
  readonly image: { snapshot: pulumi.Output<string> };

  constructor(name: string, args: SnapshotArgs, opts?: pulumi.ComponentResourceOptions) {
    const source = machineInternalsOf((args as Partial<SnapshotArgs> | undefined)?.machine);
    if (!source) {
      throw new ValidationError(`Snapshot ${JSON.stringify(name)}`, [
        {
          field: `${name}.machine`,
          value: renderValue((args as Partial<SnapshotArgs> | undefined)?.machine),
          allowed: "a Machine of this program",
          fix: "pass the Machine itself: new Snapshot(name, { machine: web })",
        },
      ]);
    }
    const { module, spec, result } = source;
    const subject = `Snapshot ${JSON.stringify(name)} of Machine ${JSON.stringify(source.name)} on ${module.name}`;
    const snapshot = module.snapshot;
    if (typeof snapshot !== "function") {
      throw new ValidationError(subject, [
        {
          field: `${name}.machine`,
          value: `Machine ${JSON.stringify(source.name)} on ${module.name}`,
          allowed: `a Machine on a provider with the snapshot capability: ${module.name} cannot snapshot (its module does not export snapshot)`,
          fix: "remove the Snapshot, or run the Machine on a provider with the snapshot capability (`machina providers` lists them)",
        },
      ]);
    }
    const labels = checkLabels(args.labels, module.catalog.labelRules ?? DEFAULT_LABEL_RULES, module.name);
    const platformName = platformNameFor(pulumi.getProject(), pulumi.getStack(), name);
    const problems = [...underMachine(name, labels.problems), ...claimSnapshotName(module.name, platformName, name)];
    if (problems.length > 0) throw new ValidationError(subject, problems);

    super(SNAPSHOT_TYPE, name, {}, withChildOptions(opts));
    const machine = args.machine;
    const made = snapshot(
      {
        name,
        platformName,
        labels: { ...labels.value, ...MANAGED_LABELS },
        source: {
          spec,
          id: pulumi.output(result.id),
          details: pulumi.output(result.details) as unknown as pulumi.Output<Record<string, unknown>>,
          machine,
        },
      },
      this,
    );
    this.id = pulumi.output(made.id);
    nameSnapshotId(this.id, name);
    this.provider = pulumi.output(module.name);
    this.machine = pulumi.output(source.name);
    this.details = pulumi.output(made.details) as unknown as pulumi.Output<Record<string, unknown>>;
    this.image = { snapshot: this.id };
    this.registerOutputs({ id: this.id, provider: this.provider, machine: this.machine, details: this.details });
  }
}
