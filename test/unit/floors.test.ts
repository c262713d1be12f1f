/**
 * The source tree keeps its floors: no import points up, no provider imports another, only providers
 * import provider SDKs, and no import goes round in a circle (test/support/floors.ts holds the rules).
 */
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { floorOf, floorProblem, importCycles, importsOf, sourceImports, type ImportEdge } from "../support/floors";

const ROOT = path.resolve(__dirname, "../..");

describe("the source tree", () => {
  const edges = sourceImports(ROOT);

  it("is scanned: every floor has files and imports", () => {
    const floors = new Set(edges.map((e) => floorOf(e.from)?.name.replace(/^provider:.*/, "provider")));
    expect([...floors].sort()).toEqual([
      "automation",
      "components",
      "core",
      "index",
      "internal",
      "kit",
      "provider",
      "registry",
      "stacks",
      "testing",
    ]);
    expect(edges.filter((e) => e.to !== undefined).length).toBeGreaterThan(100);
  });

  it("has no import that breaks the floors", () => {
    expect(edges.map(floorProblem).filter((p) => p !== undefined)).toEqual([]);
  });

  it("has no import cycle among files", () => {
    expect(importCycles(edges)).toEqual([]);
  });

  it("has no import cycle among folders", () => {
    const folderOf = (file: string): string => floorOf(file)?.name ?? file;
    const folderEdges = edges
      .filter((e) => e.to !== undefined && folderOf(e.from) !== folderOf(e.to))
      .map((e) => ({ from: folderOf(e.from), specifier: e.specifier, to: folderOf(e.to!) }));
    expect(importCycles(folderEdges)).toEqual([]);
  });
});

describe("floorProblem", () => {
  const edge = (from: string, specifier: string): ImportEdge => importsOf(from, `import { x } from "${specifier}";`)[0];

  it.each([
    ["core/spec.ts", "./contract"],
    ["providers/kit/shared.ts", "../../core/naming"],
    ["providers/aws/resources.ts", "../kit/shared"],
    ["providers/aws/resources.ts", "./user-data"],
    ["providers/aws/resources.ts", "../../core/validation"],
    ["providers/aws/resources.ts", "@pulumi/aws/ec2/instance"],
    ["providers/registry.ts", "../core/errors"],
    ["components/machine.ts", "../providers/registry"],
    ["components/machine.ts", "../providers/kit/firewall"],
    ["internal/dynamic/v1.ts", "../../providers/libvirt/machine-operations"],
    ["stacks/index.ts", "../components/machine"],
    ["testing/mocks.ts", "../components/machine"],
    ["testing/contract-suite.ts", "../providers/registry"],
    ["automation/inspect.ts", "../stacks/environment"],
    ["index.ts", "./components/machine"],
  ])("lets %s import %s", (from, specifier) => {
    expect(floorProblem(edge(from, specifier))).toBeUndefined();
  });

  it.each([
    ["core/validation.ts", "../providers/kit/firewall", /points up a floor \(core 0 -> kit 1\)/],
    ["core/spec.ts", "../components/machine", /points up a floor/],
    ["core/errors.ts", "../providers/registry", /points up a floor/],
    ["providers/kit/shared.ts", "../aws/resources", /only the registry loads providers/],
    ["providers/kit/shared.ts", "../registry", /points up a floor/],
    ["providers/aws/resources.ts", "../gcp/user-data", /a provider never imports another provider/],
    ["providers/aws/index.ts", "../registry", /points up a floor/],
    ["providers/registry.ts", "./libvirt", /only the registry loads providers/],
    ["components/machine.ts", "../providers/hetzner/resources", /only the registry loads providers/],
    ["components/machine.ts", "../stacks/environment", /points up a floor \(components 4 -> stacks 6\)/],
    ["stacks/index.ts", "../automation/operations", /points up a floor/],
    ["components/machine.ts", "../testing/mocks", /points up a floor \(components 4 -> testing 5\)/],
    ["testing/mocks.ts", "../providers/hetzner", /only the registry loads providers/],
    ["testing/mocks.ts", "../stacks/environment", /points up a floor/],
    ["internal/dynamic/v1.ts", "../../testing/mocks", /internal and testing stand on the same floor/],
    ["automation/cli.ts", "../index", /automation and index stand on the same floor/],
    ["core/spec.ts", "../test/support/mocks", /outside the source floors/],
    ["core/spec.ts", "@pulumi/aws", /imports the provider SDK @pulumi\/aws/],
    ["components/machine.ts", "@pulumi/kubernetes/core/v1", /imports the provider SDK @pulumi\/kubernetes/],
  ])("refuses %s importing %s", (from, specifier, message) => {
    expect(floorProblem(edge(from, specifier))).toMatch(message);
  });

  it("sees require() calls and export-from, not only import declarations", () => {
    const found = importsOf(
      "core/x.ts",
      `export { a } from "./a";\nconst b = require("../components/b");\n// import "./c";`,
    );
    expect(found.map((e) => e.to)).toEqual(["core/a", "components/b"]);
  });
});

describe("importCycles", () => {
  it("finds a circle and names its files", () => {
    const edges = [
      { from: "core/a.ts", specifier: "./b", to: "core/b" },
      { from: "core/b.ts", specifier: "./c", to: "core/c" },
      { from: "core/c.ts", specifier: "./a", to: "core/a" },
    ];
    expect(importCycles(edges)).toEqual([["core/a", "core/b", "core/c", "core/a"]]);
  });

  it("finds none in a chain", () => {
    expect(importCycles([{ from: "core/a.ts", specifier: "./b", to: "core/b" }])).toEqual([]);
  });
});
