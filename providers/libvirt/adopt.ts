/** Adoption on libvirt: a domain by name or UUID, taken over by the machine's dynamic resource (its `adopt` input). */
import type { AdoptionPlan } from "../../core/contract";
import type { FieldProblem } from "../../core/errors";
import { LIBVIRT_MACHINE_TYPE } from "./power";

/** libvirt refuses `/` in a domain name; a UUID is 36 characters of hex and dashes. */
const DOMAIN = /^[^/\s][^/]{0,199}$/;

export function libvirtAdopt(id: string): AdoptionPlan | FieldProblem[] {
  if (DOMAIN.test(id) && id.trim() === id) return { type: LIBVIRT_MACHINE_TYPE, importId: id, input: "adopt" };
  return [
    {
      field: "adopt",
      value: JSON.stringify(id),
      allowed: "a libvirt domain's name or UUID (no `/`, no surrounding spaces)",
      fix: "give the name or UUID `virsh list --all` shows",
    },
  ];
}
