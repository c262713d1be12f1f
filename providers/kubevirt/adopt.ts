/**
 * Adoption on KubeVirt: a VirtualMachine by `namespace/name` (or `name` in the namespace option),
 * imported into the Machine's VirtualMachine resource with Pulumi's `import`.
 */
import type { AdoptionPlan, ResolvedMachineSpec } from "../../core/contract";
import type { FieldProblem } from "../../core/errors";
import { VIRTUAL_MACHINE_TYPE } from "./power";

const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The namespace and name of the VirtualMachine an id names, with the namespace option as the default. */
export function adoptedVm(id: string, spec: Pick<ResolvedMachineSpec, "options">) {
  const option = spec.options.namespace;
  const parts = id.split("/");
  const namespace = parts.length === 2 ? parts[0] : typeof option === "string" ? option : undefined;
  return { namespace: namespace ?? (option === undefined ? "default" : undefined), name: parts[parts.length - 1] };
}

export function kubevirtAdopt(id: string, spec: ResolvedMachineSpec): AdoptionPlan | FieldProblem[] {
  const problem = (allowed: string, fix: string): FieldProblem[] => [
    { field: "adopt", value: JSON.stringify(id), allowed, fix },
  ];
  const parts = id.split("/");
  const { namespace, name } = adoptedVm(id, spec);
  if (parts.length > 2 || !NAME.test(name) || (parts.length === 2 && !NAMESPACE.test(parts[0])))
    return problem(
      "a VirtualMachine as namespace/name (or name, in the namespace option)",
      "give it as `kubectl get vm -A` shows it, e.g. default/web",
    );
  if (namespace === undefined)
    return problem("namespace/name when the namespace option is an Output", `write adopt: "<namespace>/${name}"`);
  const option = spec.options.namespace;
  if (typeof option === "string" && option !== namespace)
    return problem(
      `a VirtualMachine in the namespace option's namespace ${JSON.stringify(option)}`,
      `set providerOptions.kubevirt.namespace to ${JSON.stringify(namespace)}, or adopt ${option}/${name}`,
    );
  return { type: VIRTUAL_MACHINE_TYPE, importId: `${namespace}/${name}` };
}
