/**
 * `adopt`: an existing machine this Machine takes over, by its platform id. The shape is checked here;
 * whether the id can be the provider's is its module's `adopt` operation's say (adoptionProblems).
 */
import type { AdoptionPlan, ProviderModule, ResolvedMachineSpec } from "../contract";
import type { FieldProblem } from "../errors";
import type { AdoptSpec } from "../spec";
import type { Resolution } from "./problems";
import { isObject, problem } from "./problems";

const SHAPE = 'a platform id ("i-0abc...", "default/web") or { id, retainOnDelete }';

/** The shape alone: a non-empty id, and retainOnDelete a boolean (default true). */
export function checkAdoptShape(value: unknown): Resolution<ResolvedMachineSpec["adopt"]> {
  if (value === undefined) return { value: undefined, problems: [] };
  const long = isObject(value) ? (value as Partial<AdoptSpec> & Record<string, unknown>) : undefined;
  const id = typeof value === "string" ? value : long?.id;
  const problems: FieldProblem[] = [];
  if (typeof value !== "string" && !long) problems.push(problem("adopt", value, SHAPE, 'write adopt: "<platform id>"'));
  else if (typeof id !== "string" || id.trim() === "")
    problems.push(problem(long ? "adopt.id" : "adopt", id, "a non-empty platform id", "name the machine to adopt"));
  if (long) {
    for (const key of Object.keys(long).filter((k) => k !== "id" && k !== "retainOnDelete"))
      problems.push(problem(`adopt.${key}`, long[key], "id and retainOnDelete only", `remove ${key}`));
    if (long.retainOnDelete !== undefined && typeof long.retainOnDelete !== "boolean")
      problems.push(
        problem(
          "adopt.retainOnDelete",
          long.retainOnDelete,
          "true or false",
          "write retainOnDelete: false to delete it on destroy",
        ),
      );
  }
  if (problems.length > 0) return { value: undefined, problems };
  return { value: { id: (id as string).trim(), retainOnDelete: long?.retainOnDelete !== false }, problems: [] };
}

/**
 * On this provider: refused, with the fix, by a module without the adopt capability; else the module's
 * own problems with the id, each reported under `adopt`.
 */
export function adoptionProblems(
  spec: ResolvedMachineSpec,
  provider: Pick<ProviderModule, "name" | "adopt">,
): FieldProblem[] {
  if (!spec.adopt) return [];
  if (typeof provider.adopt !== "function") {
    return [
      problem(
        "adopt",
        spec.adopt.id,
        `nothing: ${provider.name} cannot take over an existing machine (it has no adopt capability)`,
        "remove adopt to create a new machine, or run this machine on a provider with the adopt capability (`machina providers` lists them)",
      ),
    ];
  }
  const plan = provider.adopt(spec.adopt.id, spec);
  if (!Array.isArray(plan)) return [];
  return plan.map((p) => ({ ...p, field: p.field === "adopt" || p.field.startsWith("adopt.") ? p.field : "adopt" }));
}

/** The plan of an adoption the spec asks for, once validation has passed; undefined without `adopt`. */
export function adoptionPlan(spec: ResolvedMachineSpec, adopt: ProviderModule["adopt"]): AdoptionPlan | undefined {
  if (!spec.adopt || !adopt) return undefined;
  const plan = adopt(spec.adopt.id, spec);
  if (Array.isArray(plan))
    throw new Error(`adopt ${JSON.stringify(spec.adopt.id)}: ${plan.map((p) => `${p.allowed}; ${p.fix}`).join("; ")}`);
  return plan;
}
