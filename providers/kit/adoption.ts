import type * as pulumi from "@pulumi/pulumi";
import type { AdoptOperation, ResolvedMachineSpec } from "../../core/contract";
import type { FieldProblem } from "../../core/errors";
import { adoptionPlan } from "../../core/resolve/adopt";

/**
 * The resource options that make the resource of `type` take over the machine `spec.adopt` names:
 * `import` with the id its module's `adopt` gives (for a plan without `input`) and `retainOnDelete`
 * (true unless the user opted out). Empty for any other resource, and without `spec.adopt`. One line
 * in `create`: `new Instance(name, args, { parent, ...adoptionOptions(spec, adopt, INSTANCE_TYPE) })`.
 */
export function adoptionOptions(
  spec: ResolvedMachineSpec,
  adopt: AdoptOperation | undefined,
  type: string,
): Pick<pulumi.CustomResourceOptions, "import" | "retainOnDelete"> {
  const plan = adoptionPlan(spec, adopt);
  if (!plan || plan.type !== type || !spec.adopt) return {};
  return {
    ...(plan.input === undefined ? { import: plan.importId } : {}),
    retainOnDelete: spec.adopt.retainOnDelete,
  };
}

/** An `adopt` id the module refuses: what id the platform has (`allowed`), and where to find it (`fix`). */
export const adoptIdProblem = (platformId: string, allowed: string, fix: string): FieldProblem[] => [
  { field: "adopt.id", value: JSON.stringify(platformId), allowed, fix },
];

/** Whether the Machine takes over an existing machine: then nothing only a first boot reads is made. */
export const isAdopted = (spec: Pick<ResolvedMachineSpec, "adopt">): boolean => spec.adopt !== undefined;

/**
 * `ports` on an adopted machine, refused: it keeps the firewall it has (`keeps`: "its own security
 * groups"), where the user opens them (`where`: "the instance's security group").
 */
export function adoptedPortsProblems(
  spec: ResolvedMachineSpec,
  machine: string,
  keeps: string,
  where: string,
): FieldProblem[] {
  if (!spec.adopt || spec.requestedFirewall.length === 0) return [];
  return [
    {
      field: "ports",
      value: JSON.stringify(spec.requestedFirewall.map((r) => r.port)),
      allowed: `no ports on an adopted ${machine}: it keeps ${keeps}`,
      fix: `open the ports in ${where} yourself and leave ports out`,
    },
  ];
}
