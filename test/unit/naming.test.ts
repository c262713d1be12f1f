import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { derivedName, platformNameFor, stackScopedName } from "../../dist/core/naming";

const DNS_LABEL = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
const long = (c: string) => c.repeat(70);

describe("platformNameFor", () => {
  it.each([
    ["shop", "staging", "web", "shop-staging-web"],
    ["machina", "development", "dev", "machina-development-dev"],
    ["machina", "staging-hetzner", "web-2", "machina-staging-hetzner-web-2"],
  ])("keeps a lossless name exactly: %s / %s / %s", (project, stack, name, expected) => {
    expect(platformNameFor(project, stack, name)).toBe(expected);
  });

  // Pairs that the old lower-case-and-truncate naming mapped to one name: each took over the other's machine.
  it.each([
    ["stacks rel-col and rel_col", ["p", "rel-col", "vm"], ["p", "rel_col", "vm"]],
    ["web-1 and Web_1 in one stack", ["p", "s", "web-1"], ["p", "s", "Web_1"]],
    ["rel.dup and rel-dup in one stack", ["p", "s", "rel.dup"], ["p", "s", "rel-dup"]],
    ["two long names with the same first 63 characters", ["p", "s", `${long("a")}x`], ["p", "s", `${long("a")}y`]],
    ["a name of non-ASCII letters and its ASCII part", ["p", "s", "relü-机器"], ["p", "s", "rel"]],
    ["a leading digit and none", ["p", "s", "1web"], ["p", "s", "web"]],
    ["double hyphens and single", ["p", "s", "a--b"], ["p", "s", "a-b"]],
  ])("%s get different names", (_what, a, b) => {
    const [x, y] = [platformNameFor(a[0], a[1], a[2]), platformNameFor(b[0], b[1], b[2])];
    expect(x).not.toBe(y);
    expect(x).toMatch(DNS_LABEL);
    expect(y).toMatch(DNS_LABEL);
  });

  it("is deterministic and always a DNS label of at most 63 characters", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string({ minLength: 1 }), (project, stack, name) => {
        const n = platformNameFor(project, stack, name);
        expect(n).toMatch(DNS_LABEL);
        expect(platformNameFor(project, stack, name)).toBe(n);
      }),
    );
  });

  it("gives different tuples different names, unless both are lossless and join to the same text", () => {
    const part = fc.oneof(
      fc.constantFrom("a", "b-c", "a-b", "c", "Web_1", "web-1", "x.y", "x-y", "ü"),
      fc.string({ maxLength: 30 }),
    );
    fc.assert(
      fc.property(fc.tuple(part, part, part), fc.tuple(part, part, part), (a, b) => {
        if (platformNameFor(...a) !== platformNameFor(...b)) return;
        const sameTuple = a.every((v, i) => v === b[i]);
        // `a` + `b-c` vs `a-b` + `c`: the same platform name; the ownership check refuses the second.
        expect(sameTuple || a.join("-") === b.join("-")).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("derived names", () => {
  it("keep short names whole and shorten long ones without losing uniqueness", () => {
    expect(derivedName("machina-", "shop-prod-web", "")).toBe("machina-shop-prod-web");
    expect(derivedName("", "shop-prod-web", "-in-0")).toBe("shop-prod-web-in-0");
    const a = derivedName("", `${long("a").slice(0, 60)}b`, "-in-0");
    const b = derivedName("", `${long("a").slice(0, 60)}c`, "-in-0");
    for (const n of [a, b]) {
      expect(n.length).toBeLessThanOrEqual(63);
      expect(n.endsWith("-in-0")).toBe(true);
    }
    expect(a).not.toBe(b);
  });

  it("scope shared resources to the project and stack", () => {
    const staging = stackScopedName("shop", "staging", "sshkey", "0123456789");
    const production = stackScopedName("shop", "production", "sshkey", "0123456789");
    expect(staging).toBe("machina-shop-staging-sshkey-0123456789");
    expect(production).not.toBe(staging);
    expect(stackScopedName("shop", "staging", "sshkey", "9999999999")).not.toBe(staging);
    expect(stackScopedName("p", long("s"), "firewall", "0123456789").length).toBeLessThanOrEqual(63);
  });
});
