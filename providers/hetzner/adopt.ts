/** Adopting an existing Hetzner server: its numeric id is the import id of the server Machina registers. */
import type { AdoptionPlan, ResolvedMachineSpec } from "../../core/contract";
import type { FieldProblem } from "../../core/errors";
import { adoptedPortsProblems as refusedAdoptedPorts, adoptIdProblem } from "../kit/adoption";

export const SERVER_TYPE = "hcloud:index/server:Server";

/**
 * What an adopted server keeps as the platform has it: what only its first boot read (image, keys,
 * user data), its name and labels, and its networking (its firewalls and networks: Machina makes no
 * firewall for it, and refuses `ports`). Pulumi's import compares the rest (type, location) with the
 * server and names each field that differs, instead of replacing it.
 */
export const ADOPTED_AS_IS = [
  "name",
  "image",
  "sshKeys",
  "userData",
  "labels",
  "firewallIds",
  "publicNets",
  "networks",
];

export function hetznerAdopt(platformId: string): AdoptionPlan | FieldProblem[] {
  if (!/^[1-9][0-9]*$/.test(platformId)) {
    return adoptIdProblem(
      platformId,
      "a Hetzner server id: a number",
      "use the server's ID from `hcloud server list` (not its name)",
    );
  }
  return { type: SERVER_TYPE, importId: platformId };
}

/** Ports on an adopted server are refused: it keeps its own firewalls. */
export const adoptedPortsProblems = (spec: ResolvedMachineSpec): FieldProblem[] =>
  refusedAdoptedPorts(spec, "server", "its own firewalls", "the server's firewall");
