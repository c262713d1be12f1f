/** Where the machine runs: the region (args, then stack config, then the catalog's default) and its zone. */
import type { Catalog, CatalogRegion } from "../contract";
import type { Resolution } from "./problems";
import { problem } from "./problems";

export function resolveRegion(
  requested: string | undefined,
  catalog: Catalog,
  provider: string,
  defaultRegion?: string,
): Resolution<{ id: string; entry?: CatalogRegion }> {
  const id = requested ?? defaultRegion ?? catalog.defaults.region;
  const entry = catalog.regions.find((r) => r.id === id);
  return {
    value: { id, entry },
    problems: entry
      ? []
      : [
          problem(
            "region",
            id,
            `a ${provider} region: ${catalog.regions.map((r) => r.id).join(", ")}`,
            `set region (or machina:region) to one of them`,
          ),
        ],
  };
}

/** A zone, when given, is one of the region's. */
export function checkZone(zone: unknown, region: string, entry: CatalogRegion | undefined, provider: string) {
  if (zone === undefined) return [];
  const zones = entry?.zones ?? [];
  if (typeof zone === "string" && zones.includes(zone)) return [];
  return [
    problem(
      "zone",
      zone,
      zones.length
        ? `a zone of ${region}: ${zones.join(", ")}`
        : `no zone: ${provider} region ${region} has none to choose`,
      zones.length ? "pick one of those zones" : "remove zone",
    ),
  ];
}

/** Region and zone are names when given, for when the provider (and so its catalog) is not known. */
export function checkPlacementShape(args: { region?: unknown; zone?: unknown }) {
  return (["region", "zone"] as const)
    .filter((key) => args[key] !== undefined && (typeof args[key] !== "string" || args[key] === ""))
    .map((key) => problem(key, args[key], "a region (zone) name", `write ${key}: <name>`));
}
