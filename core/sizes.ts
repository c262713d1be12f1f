import type { Catalog, CatalogSize } from "./contract";
import type { Arch } from "./arch";
import type { SizeClass, SizeSpec } from "./spec";

/** The minimum each class asks for; a provider fills it with its cheapest type that fits. */
export const SIZE_CLASSES: Record<SizeClass, { cpus: number; memoryGiB: number }> = {
  nano: { cpus: 1, memoryGiB: 0.5 },
  micro: { cpus: 1, memoryGiB: 1 },
  small: { cpus: 1, memoryGiB: 2 },
  medium: { cpus: 2, memoryGiB: 4 },
  large: { cpus: 4, memoryGiB: 8 },
  xlarge: { cpus: 8, memoryGiB: 16 },
};

export interface SizeRequest {
  cpus: number;
  memoryGiB: number;
  diskGiB?: number;
  arch: Arch;
  region: string;
}

export function sellsIn(size: CatalogSize, region: string): boolean {
  return size.regions === undefined || size.regions.includes(region);
}

/** The cheapest catalog type satisfying the request; ties go to the smaller, then by name. */
export function cheapestFit(catalog: Catalog, request: SizeRequest): CatalogSize | undefined {
  const fits = catalog.sizes.filter(
    (s) =>
      s.arch === request.arch &&
      sellsIn(s, request.region) &&
      s.cpus >= request.cpus &&
      s.memoryGiB >= request.memoryGiB &&
      (request.diskGiB === undefined || s.diskGiB === undefined || s.diskGiB >= request.diskGiB),
  );
  fits.sort(
    (a, b) =>
      a.hourlyPrice - b.hourlyPrice || a.cpus - b.cpus || a.memoryGiB - b.memoryGiB || a.type.localeCompare(b.type),
  );
  return fits[0];
}

export function isSizeClass(value: unknown): value is SizeClass {
  return typeof value === "string" && Object.prototype.hasOwnProperty.call(SIZE_CLASSES, value);
}

/** The CPU and memory minimum a class or `{ cpus, memoryGiB }` asks for; undefined for `{ type }`. */
export function sizeMinimum(size: SizeSpec): { cpus: number; memoryGiB: number } | undefined {
  if (isSizeClass(size)) return SIZE_CLASSES[size];
  if (typeof size === "object" && "cpus" in size) return { cpus: size.cpus, memoryGiB: size.memoryGiB };
  return undefined;
}

/** A size outside the catalog on a self-hosted platform: `<cpus>cpu-<memory>gb`, e.g. `3cpu-6gb`. */
export const CUSTOM_SHAPE = /^([1-9][0-9]?)cpu-([0-9]+(?:\.[0-9]+)?)gb$/;

/** vCPUs and memory of a resolved size: from the catalog, or parsed from a `<cpus>cpu-<memory>gb` type. */
export function cpusAndMemory(size: { type: string; cpus?: number; memoryGiB?: number }): {
  cpus: number;
  memoryMiB: number;
} {
  if (size.cpus && size.memoryGiB) return { cpus: size.cpus, memoryMiB: Math.round(size.memoryGiB * 1024) };
  const m = CUSTOM_SHAPE.exec(size.type);
  if (!m) throw new Error(`size ${size.type} is neither in the catalog nor <cpus>cpu-<memory>gb`);
  return { cpus: Number(m[1]), memoryMiB: Math.round(Number(m[2]) * 1024) };
}
