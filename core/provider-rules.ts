/** The rules several providers share (`ProviderModule.rules`), checked here once for all of them. */
import type { ProviderModule, ResolvedMachineSpec } from "./contract";
import type { FieldProblem } from "./errors";
import { CUSTOM_SHAPE } from "./sizes";

/** A `{ type }` outside the catalog of a provider that makes sizes to measure must be a custom shape. */
export function customShapeProblem(
  provider: ProviderModule,
  size: ResolvedMachineSpec["size"],
): FieldProblem | undefined {
  if (!provider.rules?.customShapes || size.fromCatalog || CUSTOM_SHAPE.test(size.type)) return undefined;
  return {
    field: "size.type",
    value: JSON.stringify(size.type),
    allowed: `a catalog type (${provider.catalog.sizes.map((s) => s.type).join(", ")}) or <cpus>cpu-<memory>gb`,
    fix: 'write { type: "3cpu-6gb" } or a size class',
  };
}

/** One problem per firewall rule wider than the provider's widest port range. */
export function portRangeProblems(provider: ProviderModule, firewall: ResolvedMachineSpec["firewall"]): FieldProblem[] {
  const limit = provider.rules?.maxPortRange;
  if (!limit) return [];
  return firewall
    .filter((rule) => rule.toPort - rule.port >= limit.ports)
    .map((rule) => ({
      field: "ports",
      value: JSON.stringify(`${rule.port}-${rule.toPort}`),
      allowed: `single ports or ranges of at most ${limit.ports} ports (${limit.reason})`,
      fix: "list the ports you need",
    }));
}

/** Every shared rule the spec breaks on this provider. */
export function ruleProblems(provider: ProviderModule, spec: ResolvedMachineSpec): FieldProblem[] {
  const shape = customShapeProblem(provider, spec.size);
  return [...(shape ? [shape] : []), ...portRangeProblems(provider, spec.firewall)];
}
