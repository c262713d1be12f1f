/**
 * Capabilities in one form: an operation capability exists exactly when the module exports the
 * operation, `arm64` and `regions` are read from the catalog, and only the platform facts are declared.
 */
import type { Catalog, PlatformFacts, ProviderCapabilities, ProviderModule } from "./contract";

/** The day-two operations a module may export, each a capability of the same name. */
export const OPERATION_CAPABILITIES = ["power", "snapshot", "adopt", "state"] as const;

/** What a module declares because nothing else shows it. */
export const PLATFORM_FACTS = [
  "publicIp",
  "firewall",
  "resizeInPlace",
] as const satisfies readonly (keyof PlatformFacts)[];

/** What the catalog shows. */
export const CATALOG_CAPABILITIES = ["arm64", "regions"] as const;

/** Every capability, in the order `machina providers` and `machina info` print them. */
export const CAPABILITY_NAMES = [
  ...PLATFORM_FACTS,
  ...CATALOG_CAPABILITIES,
  ...OPERATION_CAPABILITIES,
] as const satisfies readonly (keyof ProviderCapabilities)[];

export function catalogCapabilities(catalog: Catalog): Pick<ProviderCapabilities, "arm64" | "regions"> {
  return {
    arm64: catalog.sizes.some((s) => s.arch === "arm64"),
    regions: catalog.regions.length > 1,
  };
}

export function capabilitiesOf(module: ProviderModule): ProviderCapabilities {
  const exported = (op: (typeof OPERATION_CAPABILITIES)[number]) => typeof module[op] === "function";
  return {
    publicIp: module.platformFacts.publicIp === true,
    firewall: module.platformFacts.firewall === true,
    resizeInPlace: module.platformFacts.resizeInPlace === true,
    ...catalogCapabilities(module.catalog),
    power: exported("power"),
    snapshot: exported("snapshot"),
    adopt: exported("adopt"),
    state: exported("state"),
  };
}

/** The names of the capabilities a module has, in CAPABILITY_NAMES order. */
export function capabilityList(capabilities: ProviderCapabilities): string[] {
  return CAPABILITY_NAMES.filter((name) => capabilities[name]);
}
