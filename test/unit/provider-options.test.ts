/**
 * Each provider declares its options once: core checks them (undeclared ones and refused values),
 * fills in their defaults for the module, and `machina info` lists them. Shared rules are data the
 * core checks the same way for every provider that states them.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import type { ProviderModule, ResolvedMachineSpec } from "../../dist/core/contract";
import { describeOptions, optionProblems } from "../../dist/core/provider-options";
import { customShapeProblem, portRangeProblems } from "../../dist/core/provider-rules";
import { existingSshKeysOption } from "../../dist/core/standard-options";
import { defineOptions, matching, oneOf, resourceArgsOption } from "../../dist/providers/kit/options";
import { builtInProviderNames, resolveProvider } from "../../dist/providers/registry";
import { fakeProvider } from "../../dist/testing";

interface DemoOptions {
  zone?: string;
  replicas?: number;
  mode?: "fast" | "safe";
  extra?: Record<string, unknown>;
}

const demo = defineOptions<DemoOptions>()({
  zone: {
    type: "string",
    description: "where",
    check: matching(/^z\d$/, { allowed: "z0-z9", fix: 'write zone: "z1"' }),
  },
  replicas: { type: "integer", description: "how many", default: 1 },
  mode: {
    type: '"fast" | "safe"',
    description: "how",
    defaultText: "fast on weekdays",
    check: oneOf(["fast", "safe"], { allowed: "fast or safe", fix: 'write mode: "safe"' }),
  },
  extra: resourceArgsOption("extra", "demo.Args", "{ a: 1 }"),
});
const module: ProviderModule = { ...fakeProvider("demo"), options: demo.schema };

describe("optionProblems", () => {
  it.each([
    ["nothing set", {}, []],
    ["good values", { zone: "z3", replicas: 2, mode: "safe", extra: { a: 1 } }, []],
    [
      "an undeclared option",
      { zones: ["z1"] },
      [
        {
          field: "providerOptions.demo.zones",
          value: '["z1"]',
          allowed: "zone, replicas, mode, extra",
          fix: "remove zones",
        },
      ],
    ],
    [
      "a refused value",
      { zone: "eu" },
      [{ field: "providerOptions.demo.zone", value: '"eu"', allowed: "z0-z9", fix: 'write zone: "z1"' }],
    ],
    [
      "an escape hatch that is not an object",
      { extra: [1] },
      [
        {
          field: "providerOptions.demo.extra",
          value: "[1]",
          allowed: "an object of demo.Args merged over Machina's",
          fix: "write extra: { a: 1 }",
        },
      ],
    ],
    ["an unchecked option with any value", { replicas: "many" }, []],
  ] as const)("%s", (_what, options, problems) => {
    expect(optionProblems(module, options)).toEqual(problems);
  });

  it("checks nothing for a module that declares no options", () => {
    expect(optionProblems(fakeProvider("free"), { anything: 1 })).toEqual([]);
  });
});

describe("a declaration's reader and description", () => {
  it("fills declared defaults in, keeps what is set, and treats null as unset", () => {
    expect(demo.read({ options: {} })).toEqual({ replicas: 1 });
    expect(demo.read({ options: { replicas: 3, zone: "z1" } })).toEqual({ replicas: 3, zone: "z1" });
    expect(demo.read({ options: { replicas: null, mode: undefined } })).toEqual({ replicas: 1 });
  });

  it("describes each option with its type, default and description, in declared order", () => {
    expect(describeOptions(module)).toEqual([
      { name: "zone", type: "string", description: "where", default: undefined },
      { name: "replicas", type: "integer", description: "how many", default: "1" },
      { name: "mode", type: '"fast" | "safe"', description: "how", default: "fast on weekdays" },
      {
        name: "extra",
        type: "object (demo.Args)",
        description: "demo.Args merged over the arguments Machina builds",
        default: undefined,
      },
    ]);
  });
});

describe("existingSshKeysOption (one rule for every platform that keeps keys as objects)", () => {
  const option = existingSshKeysOption({ what: "names of keys in the project", example: "laptop" });
  it.each([[["a", "b"]], [[]]])("takes %j", (keys) => expect(option.check!(keys)).toBeUndefined());
  it.each([["a"], [[""]], [[1]], [{}]])("refuses %j, naming the platform's keys", (keys) => {
    expect(option.check!(keys)).toEqual({
      allowed: "a list of names of keys in the project",
      fix: 'write existingSshKeys: ["laptop"]',
    });
  });
});

const size = (type: string, fromCatalog: boolean): ResolvedMachineSpec["size"] => ({ type, fromCatalog });
const rule = (port: number, toPort: number) => ({ port, toPort, protocol: "tcp" as const, sources: ["0.0.0.0/0"] });

describe("shared rules", () => {
  const measured: ProviderModule = {
    ...fakeProvider("measured"),
    rules: { customShapes: true, maxPortRange: { ports: 16, reason: "each is a forward" } },
  };

  it.each([
    [size("f1", true), undefined],
    [size("3cpu-6gb", false), undefined],
    [
      size("huge", false),
      {
        field: "size.type",
        value: '"huge"',
        allowed: "a catalog type (f1, f2) or <cpus>cpu-<memory>gb",
        fix: 'write { type: "3cpu-6gb" } or a size class',
      },
    ],
  ])("custom shapes: %j gives %j", (s, problem) => {
    expect(customShapeProblem(measured, s)).toEqual(problem);
  });

  it("a provider without custom shapes passes any type through", () => {
    expect(customShapeProblem(fakeProvider("cloud"), size("huge", false))).toBeUndefined();
  });

  it.each([
    [[rule(22, 22), rule(8000, 8015)], []],
    [
      [rule(22, 22), rule(8000, 8016)],
      [
        {
          field: "ports",
          value: '"8000-8016"',
          allowed: "single ports or ranges of at most 16 ports (each is a forward)",
          fix: "list the ports you need",
        },
      ],
    ],
  ])("the widest port range: %j", (firewall, problems) => {
    expect(portRangeProblems(measured, firewall)).toEqual(problems);
    expect(portRangeProblems(fakeProvider("cloud"), firewall)).toEqual([]);
  });
});

describe("the built-in providers", () => {
  const modules = builtInProviderNames().map((name) => resolveProvider(name));

  it.each(modules.map((m) => [m.name, m] as const))(
    "%s declares its options with a type and a description each",
    (_n, m) => {
      const described = describeOptions(m);
      expect(described.length).toBeGreaterThan(0);
      for (const o of described) {
        expect(o.type).not.toBe("");
        expect(o.description).not.toBe("");
      }
    },
  );

  it("read their options through their declaration: no provider casts spec.options", () => {
    const root = path.resolve(__dirname, "../../providers");
    const casts = readdirSync(root, { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".ts"))
      .filter((f) => /spec\.options(\.\w+)?\s+as\b/.test(readFileSync(path.join(root, f), "utf8")));
    expect(casts).toEqual([]);
  });

  it("state the shared rules as data: custom shapes on the hypervisors, port ranges where each port is its own", () => {
    const rules = Object.fromEntries(modules.filter((m) => m.rules).map((m) => [m.name, m.rules]));
    expect(rules).toEqual({
      kubevirt: { customShapes: true, maxPortRange: { ports: 16, reason: "each becomes a Service port" } },
      libvirt: { customShapes: true, maxPortRange: { ports: 16, reason: "each is published on 127.0.0.1" } },
      proxmox: { customShapes: true },
      vsphere: { customShapes: true },
    });
  });
});
