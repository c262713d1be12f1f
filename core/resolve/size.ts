/** The machine's size: its disk, then a class, a `{ cpus, memoryGiB }` minimum or a `{ type }`, against the catalog. */
import type { Arch } from "../arch";
import type { Catalog, CatalogRegion, ResolvedMachineSpec } from "../contract";
import type { FieldProblem } from "../errors";
import { cheapestFit, isSizeClass, SIZE_CLASSES, sellsIn, sizeMinimum } from "../sizes";
import type { Resolution } from "./problems";
import { isObject, isPositiveNumber, problem } from "./problems";

export const MAX_DISK_GIB = 65536;

/** The disk asked for, else the catalog's default (none: the platform's). */
export function resolveDisk(requested: unknown, defaultDiskGiB?: number): Resolution<number | undefined> {
  if (requested === undefined) return { value: defaultDiskGiB, problems: [] };
  if (!Number.isInteger(requested) || (requested as number) < 1 || (requested as number) > MAX_DISK_GIB) {
    return {
      value: undefined,
      problems: [
        problem("diskGiB", requested, `an integer number of GiB from 1 to ${MAX_DISK_GIB}`, "use e.g. diskGiB: 20"),
      ],
    };
  }
  return { value: requested as number, problems: [] };
}

/** The minimum a size class or `{ cpus, memoryGiB }` asks for, when it is a real one. */
export function resolveSizeMinimum(size: unknown): Resolution<{ cpus: number; memoryGiB: number } | undefined> {
  const minimum = isSizeClass(size) || (isObject(size) && "cpus" in size) ? sizeMinimum(size as never) : undefined;
  const refused = (p: FieldProblem) => ({ value: undefined, problems: [p] });
  if (!minimum) {
    return refused(
      problem(
        "size",
        size,
        `a class (${Object.keys(SIZE_CLASSES).join(", ")}), { cpus, memoryGiB } or { type }`,
        'use size: "small" or size: { cpus: 2, memoryGiB: 4 }',
      ),
    );
  }
  if (!isPositiveNumber(minimum.cpus) || minimum.cpus > 1024 || !Number.isInteger(minimum.cpus))
    return refused(problem("size.cpus", minimum.cpus, "an integer from 1 to 1024", "ask for a real number of vCPUs"));
  if (!isPositiveNumber(minimum.memoryGiB) || minimum.memoryGiB > 24576) {
    return refused(
      problem(
        "size.memoryGiB",
        minimum.memoryGiB,
        "a number of GiB above 0 and at most 24576",
        "ask for a real amount of memory, e.g. 4",
      ),
    );
  }
  return { value: minimum, problems: [] };
}

/** The size's shape alone, for when the provider (and so its catalog) is not known. */
export function checkSizeShape(size: unknown): FieldProblem[] {
  if (size === undefined) return [];
  if (!(isObject(size) && "type" in size)) return resolveSizeMinimum(size).problems;
  return typeof size.type === "string" && size.type.trim() !== ""
    ? []
    : [problem("size.type", size.type, "an instance type of the provider", 'use e.g. { type: "cx22" }')];
}

export interface SizeContext {
  catalog: Catalog;
  provider: string;
  region: string;
  /** The catalog's entry of the region; undefined when the region is itself a problem. */
  regionEntry?: CatalogRegion;
  /** The architecture asked for (undefined: not asked) and the one resolved so far. */
  requestedArch?: unknown;
  arch: Arch;
  /** The disk asked for (undefined: not asked) and the one resolved. */
  requestedDiskGiB?: unknown;
  diskGiB?: number;
}

/**
 * The size: `{ type }` passes through (checked against the catalog when it is there, whose type then also
 * decides the architecture), a class or minimum resolves to the cheapest catalog type that fits.
 */
export function resolveSize(
  requested: unknown,
  context: SizeContext,
): Resolution<{ size?: ResolvedMachineSpec["size"]; arch: Arch }> {
  const { catalog, provider, region, regionEntry, arch } = context;
  const spec = requested ?? "small";
  if (isObject(spec) && "type" in spec) return resolveSizeType(spec.type, context);
  const minimum = resolveSizeMinimum(spec);
  if (!minimum.value || !regionEntry) return { value: { arch }, problems: minimum.problems };
  const fit = cheapestFit(catalog, {
    ...minimum.value,
    diskGiB: context.requestedDiskGiB === undefined ? undefined : context.diskGiB,
    arch,
    region,
  });
  if (fit) {
    return {
      value: {
        size: { type: fit.type, cpus: fit.cpus, memoryGiB: fit.memoryGiB, diskGiB: fit.diskGiB, fromCatalog: true },
        arch,
      },
      problems: [],
    };
  }
  const largest = catalog.sizes
    .filter((s) => s.arch === arch && sellsIn(s, region))
    .sort((a, b) => b.cpus - a.cpus || b.memoryGiB - a.memoryGiB)[0];
  return {
    value: { arch },
    problems: [
      problem(
        "size",
        spec,
        largest
          ? `at most ${largest.cpus} vCPUs / ${largest.memoryGiB} GiB${largest.diskGiB ? ` / ${largest.diskGiB} GiB disk` : ""} (${largest.type}) for ${arch} in ${region} on ${provider}`
          : `no ${arch} type is sold in ${region} on ${provider}`,
        largest ? "ask for less, or use { type } with a type you know exists" : "pick another region or arch",
      ),
    ],
  };
}

/** A `{ type }`: any non-empty name; a catalog type must match the arch, the region and the disk asked for. */
function resolveSizeType(
  type: unknown,
  context: SizeContext,
): Resolution<{ size?: ResolvedMachineSpec["size"]; arch: Arch }> {
  const { catalog, provider, region, regionEntry, requestedArch, arch, diskGiB } = context;
  if (typeof type !== "string" || type.trim() === "") {
    return {
      value: { arch },
      problems: [
        problem(
          "size.type",
          type,
          `a ${provider} instance type`,
          `use e.g. { type: "${catalog.sizes[0]?.type ?? "..."}" }`,
        ),
      ],
    };
  }
  const known = catalog.sizes.find((s) => s.type === type);
  const size = {
    type,
    cpus: known?.cpus,
    memoryGiB: known?.memoryGiB,
    diskGiB: known?.diskGiB,
    fromCatalog: known !== undefined,
  };
  if (!known) return { value: { size, arch }, problems: [] };
  const refused = (p: FieldProblem) => ({ value: { size, arch }, problems: [p] });
  if (requestedArch !== undefined && known.arch !== requestedArch) {
    return refused(
      problem(
        "size.type",
        type,
        `a type of arch ${String(requestedArch)}; ${type} is ${known.arch}`,
        `leave arch out or pick a ${String(requestedArch)} type`,
      ),
    );
  }
  if (regionEntry && !sellsIn(known, region)) {
    return refused(
      problem(
        "size.type",
        type,
        `a type sold in ${region}: ${type} is sold in ${known.regions?.join(", ")}`,
        `pick another region or type`,
      ),
    );
  }
  if (
    diskGiB !== undefined &&
    known.diskGiB !== undefined &&
    context.requestedDiskGiB !== undefined &&
    known.diskGiB < diskGiB
  ) {
    return refused(
      problem(
        "diskGiB",
        diskGiB,
        `at most ${known.diskGiB} GiB with ${type} on ${provider}`,
        `pick a larger type or lower diskGiB`,
      ),
    );
  }
  return { value: { size, arch: known.arch }, problems: [] };
}
