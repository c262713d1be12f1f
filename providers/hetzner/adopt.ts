/** Adopting an existing Hetzner server: its numeric id is the import id of the server Machina registers. */
import type { AdoptionPlan } from "../../core/contract";
import type { FieldProblem } from "../../core/errors";

export const SERVER_TYPE = "hcloud:index/server:Server";

/**
 * What an adopted server keeps as the platform has it: inputs set when a server is made (its name,
 * image, keys, user data) and the networking Machina would have made for it. Pulumi's import compares
 * the rest (type, location) with the server and names each field that differs.
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
    return [
      {
        field: "adopt.id",
        value: JSON.stringify(platformId),
        allowed: "a Hetzner server id: a number",
        fix: "use the server's ID from `hcloud server list` (not its name)",
      },
    ];
  }
  return { type: SERVER_TYPE, importId: platformId };
}
