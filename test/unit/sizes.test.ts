import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cheapestFit, sellsIn } from "../../dist/components/sizes";
import type { Catalog, CatalogSize } from "../../dist/providers/contract";
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
  s.arch === r.arch && sellsIn(s, r.region) && s.cpus >= r.cpus && s.memoryGiB >= r.memoryGiB &&
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
          return chosen !== undefined && fits(chosen, request) && candidates.every((c) => c.hourlyPrice >= chosen.hourlyPrice);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("is monotonic: asking for more never costs less", () => {
    for (const provider of [hetzner, digitalocean]) {
      const region = provider.catalog.defaults.region;
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 8 }), fc.constantFrom(0.5, 1, 2, 4, 8), (cpus, extra, mem) => {
          const small = cheapestFit(provider.catalog, { cpus, memoryGiB: mem, arch: "x86_64", region });
          const big = cheapestFit(provider.catalog, { cpus: cpus + extra, memoryGiB: mem * 2, arch: "x86_64", region });
          return big === undefined || (small !== undefined && big.hourlyPrice >= small.hourlyPrice);
        }),
      );
    }
  });

  it("every catalog entry is a real, priced, known-arch type in known regions", () => {
    for (const provider of [hetzner, digitalocean]) {
      const regions = provider.catalog.regions.map((r) => r.id);
      expect(regions).toContain(provider.catalog.defaults.region);
      expect(provider.catalog.pricesAsOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      for (const s of provider.catalog.sizes) {
        expect(s.cpus).toBeGreaterThan(0);
        expect(s.hourlyPrice).toBeGreaterThan(0);
        expect(["x86_64", "arm64"]).toContain(s.arch);
        for (const r of s.regions ?? []) expect(regions).toContain(r);
      }
      expect(provider.catalog.images[provider.catalog.defaults.image]?.x86_64).toBeTruthy();
    }
  });
});
