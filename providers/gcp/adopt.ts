/**
 * Adopting an existing Compute Engine instance: `projects/<project>/zones/<zone>/instances/<name>` (or
 * `<project>/<zone>/<name>`) is the import id of the Instance Machina registers, in the spec's region.
 */
import type { AdoptionPlan, ResolvedMachineSpec } from "../../core/contract";
import type { FieldProblem } from "../../core/errors";
import { INSTANCE_TYPE } from "./power";
import { adoptedPortsProblems as refusedAdoptedPorts, adoptIdProblem } from "../kit/adoption";

/** The instance an import id names. */
export interface InstanceRef {
  project: string;
  zone: string;
  name: string;
}

const LONG =
  /^projects\/([a-z][-a-z0-9.:]*[a-z0-9])\/zones\/([a-z]+-[a-z]+[0-9]+-[a-z])\/instances\/([a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)$/;
const SHORT = /^([a-z][-a-z0-9.:]*[a-z0-9])\/([a-z]+-[a-z]+[0-9]+-[a-z])\/([a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)$/;

export function instanceRef(platformId: string): InstanceRef | undefined {
  const [, project, zone, name] = LONG.exec(platformId) ?? SHORT.exec(platformId) ?? [];
  return project ? { project, zone, name } : undefined;
}

/**
 * What an adopted instance keeps as the platform has it: what only its first boot read (boot disk
 * image, metadata keys and user data), its tags, labels and networking (Machina's firewalls target a
 * network tag: it makes none for an adopted instance, and refuses `ports`), and a flag the API does not
 * keep (allowStoppingForUpdate: resize an adopted instance by stopping it first). desiredStatus is kept
 * while the wish is running, so that the import compares nothing the API does not report; a wish of
 * stopped applies in place. Pulumi's import compares the rest (machine type, zone, name) with the
 * instance and names each field that differs.
 */
export function adoptedAsIs(spec: Pick<ResolvedMachineSpec, "powerState">): string[] {
  return [
    "bootDisk",
    "metadata",
    "metadataStartupScript",
    "tags",
    "labels",
    "networkInterfaces",
    "allowStoppingForUpdate",
    ...(spec.powerState === "stopped" ? [] : ["desiredStatus"]),
  ];
}

export function gcpAdopt(platformId: string, spec: ResolvedMachineSpec): AdoptionPlan | FieldProblem[] {
  const ref = instanceRef(platformId);
  if (!ref) {
    return adoptIdProblem(
      platformId,
      "an instance as projects/<project>/zones/<zone>/instances/<name> or <project>/<zone>/<name>",
      "use the instance's selfLink path from `gcloud compute instances describe <name> --format='value(selfLink)'`",
    );
  }
  if (spec.zone ? ref.zone !== spec.zone : !ref.zone.startsWith(`${spec.region}-`)) {
    return adoptIdProblem(
      platformId,
      `an instance in ${spec.zone ?? `region ${spec.region}`}, where this Machine is`,
      `set zone: "${ref.zone}" (and its region) on the Machine, or adopt an instance in ${spec.zone ?? spec.region}`,
    );
  }
  return { type: INSTANCE_TYPE, importId: `projects/${ref.project}/zones/${ref.zone}/instances/${ref.name}` };
}

/** Ports on an adopted instance are refused: it keeps its own firewall rules and network tags. */
export const adoptedPortsProblems = (spec: ResolvedMachineSpec): FieldProblem[] =>
  refusedAdoptedPorts(
    spec,
    "instance",
    "its own firewall rules and network tags",
    "a firewall rule of the instance's network",
  );
