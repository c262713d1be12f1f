import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cheapestFit, sellsIn } from "../../dist/core/sizes";
import { capabilitiesOf } from "../../dist/core/capabilities";
import type { Catalog, CatalogSize, ProviderModule } from "../../dist/core/contract";
import digitalocean from "../../dist/providers/digitalocean";
import hetzner from "../../dist/providers/hetzner";

const arbSize = fc.record({
  type: fc.string({ minLength: 1, maxLength: 8 }),
  arch: fc.constantFrom("x86_64" as const, "arm64" as const),
  cpus: fc.integer({ min: 1, max: 64 }),
  memoryGiB: fc.constantFrom(0.5, 1, 2, 4, 8, 16, 32, 64, 128),
  diskGiB: fc.option(fc.integer({ min: 10, max: 500 }), { nil: undefined }),
  hourlyPrice: fc.double({ min: 0, max: 5, noNaN: true }),
  regions: fc.option(fc.subarray(["r1", "r2", "r3"], { minLength: 1 }), { nil: undefined }),
});

function catalogOf(sizes: CatalogSize[]): Catalog {
  return { ...hetzner.catalog, sizes };
}

const fits = (s: CatalogSize, r: { cpus: number; memoryGiB: number; arch: string; region: string; diskGiB?: number }) =>
  s.arch === r.arch &&
  sellsIn(s, r.region) &&
  s.cpus >= r.cpus &&
  s.memoryGiB >= r.memoryGiB &&
  (r.diskGiB === undefined || s.diskGiB === undefined || s.diskGiB >= r.diskGiB);

describe("cheapestFit", () => {
  it("returns a satisfying type with no cheaper satisfying one, or nothing when none fits", () => {
    fc.assert(
      fc.property(
        fc.array(arbSize, { maxLength: 30 }),
        fc.record({
          cpus: fc.integer({ min: 1, max: 64 }),
          memoryGiB: fc.constantFrom(0.5, 1, 2, 4, 8, 16, 64),
          arch: fc.constantFrom("x86_64" as const, "arm64" as const),
          region: fc.constantFrom("r1", "r2", "r3"),
          diskGiB: fc.option(fc.integer({ min: 1, max: 400 }), { nil: undefined }),
        }),
        (sizes, request) => {
          const chosen = cheapestFit(catalogOf(sizes), request);
          const candidates = sizes.filter((s) => fits(s, request));
          if (candidates.length === 0) return chosen === undefined;
          return (
            chosen !== undefined &&
            fits(chosen, request) &&
            candidates.every((c) => c.hourlyPrice >= chosen.hourlyPrice)
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it("is monotonic: asking for more never costs less", () => {
    for (const provider of [hetzner, digitalocean]) {
      const region = provider.catalog.defaults.region;
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 8 }),
          fc.integer({ min: 0, max: 8 }),
          fc.constantFrom(0.5, 1, 2, 4, 8),
          (cpus, extra, mem) => {
            const small = cheapestFit(provider.catalog, { cpus, memoryGiB: mem, arch: "x86_64", region });
            const big = cheapestFit(provider.catalog, {
              cpus: cpus + extra,
              memoryGiB: mem * 2,
              arch: "x86_64",
              region,
            });
            return big === undefined || (small !== undefined && big.hourlyPrice >= small.hourlyPrice);
          },
        ),
      );
    }
  });

  it("every catalog entry is a real, priced, known-arch type in known regions, on every provider", () => {
    const { builtInProviderNames, resolveProvider } = require("../../dist/providers/registry");
    const all: ProviderModule[] = builtInProviderNames().map((n: string) => resolveProvider(n));
    expect(all.length).toBe(9);
    for (const provider of all) {
      const local = !capabilitiesOf(provider).regions;
      const regions = provider.catalog.regions.map((r) => r.id);
      expect(regions).toContain(provider.catalog.defaults.region);
      expect(provider.catalog.pricesAsOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      for (const s of provider.catalog.sizes) {
        expect(s.cpus).toBeGreaterThan(0);
        if (local) expect(s.hourlyPrice).toBe(0);
        else expect(s.hourlyPrice).toBeGreaterThan(0);
        expect(["x86_64", "arm64"]).toContain(s.arch);
        for (const r of s.regions ?? []) expect(regions).toContain(r);
      }
      expect(provider.catalog.images[provider.catalog.defaults.image]?.x86_64).toBeTruthy();
      for (const alias of ["ubuntu-22.04", "ubuntu-24.04", "debian-12", "debian-13"])
        expect(provider.catalog.images[alias]?.x86_64, `${provider.name} ${alias}`).toBeTruthy();
      if (capabilitiesOf(provider).arm64) {
        expect(provider.catalog.sizes.some((s: { arch: string }) => s.arch === "arm64")).toBe(true);
        for (const alias of ["ubuntu-24.04", "debian-12"])
          expect(provider.catalog.images[alias]?.arm64, `${provider.name} ${alias} arm64`).toBeTruthy();
      }
      // Every class resolves somewhere in the default region.
      for (const cls of ["nano", "micro", "small", "medium", "large", "xlarge"] as const) {
        const want = { nano: [1, 0.5], micro: [1, 1], small: [1, 2], medium: [2, 4], large: [4, 8], xlarge: [8, 16] }[
          cls
        ];
        expect(
          cheapestFit(provider.catalog, {
            cpus: want[0],
            memoryGiB: want[1],
            arch: "x86_64",
            region: provider.catalog.defaults.region,
          }),
          `${provider.name} ${cls}`,
        ).toBeDefined();
      }
    }
  });
});
