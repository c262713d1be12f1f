/** Adopting an existing droplet: its numeric id is the import id of the droplet Machina registers. */
import type { AdoptionPlan } from "../../core/contract";
import type { FieldProblem } from "../../core/errors";
import { adoptIdProblem } from "../kit/adoption";

export const DROPLET_TYPE = "digitalocean:index/droplet:Droplet";

/**
 * What an adopted droplet keeps as the platform has it: what only its first boot read (image, keys,
 * user data), its name, tags and networking. Pulumi's import compares the rest (size, region) with the
 * droplet and names each field that differs, instead of replacing it. Machina's firewall names the
 * droplet from its own side (dropletIds), so `ports` apply to an adopted droplet too.
 */
export const ADOPTED_AS_IS = [
  "name",
  "image",
  "sshKeys",
  "userData",
  "tags",
  "publicNetworking",
  "ipv6",
  "monitoring",
  "vpcUuid",
];

export function digitalOceanAdopt(platformId: string): AdoptionPlan | FieldProblem[] {
  if (!/^[1-9][0-9]*$/.test(platformId)) {
    return adoptIdProblem(
      platformId,
      "a droplet id: a number",
      "use the droplet's ID from `doctl compute droplet list` (not its name)",
    );
  }
  return { type: DROPLET_TYPE, importId: platformId };
}
