import type * as pulumi from "@pulumi/pulumi";
import type { ResolvedMachineSpec } from "../../core/contract";

/**
 * The image the spec asks for (an alias, an id, a snapshot), for Pulumi's `replacementTrigger` on a
 * machine whose platform image input is ignored because the platform reports back a more specific
 * image than the one asked (a looked-up AMI, an image family): a newer image under the same alias never
 * replaces the machine, while the user choosing another image does. A state written before the trigger
 * existed records none, which the engine does not count as a change.
 */
export function requestedImage(spec: ResolvedMachineSpec): pulumi.Input<string> | undefined {
  if (spec.adopt) return undefined;
  if (spec.image.kind === "snapshot") return spec.image.snapshot ?? spec.image.id;
  // The alias, not the catalog's query for it: a Machina release that finds an alias's image another way replaces nothing.
  return spec.image.alias ?? spec.image.id;
}
