/**
 * The floors of the source tree and the one rule that holds them: a file imports only what stands on
 * its own floor or below, never above, and a provider never imports another provider.
 *
 *   automation/          7  the Automation API entry points and the CLI
 *   index.ts             7  the public entry point (`pulumi-machina`)
 *   stacks/              6  the program every stack runs
 *   internal/            5  dynamic/v1: the entry point serialized dynamic providers require
 *   testing/             5  pulumi-machina/testing: mocks, the contract suite (for tests of what builds on Machina)
 *   components/          4  Pulumi components users construct (Machine, readiness)
 *   providers/registry   3  finds and loads providers by folder name at run time, imports none
 *   providers/<name>/    2  one provider each
 *   providers/kit/       1  what providers share
 *   core/                0  spec types, the provider contract, validation, sizes, naming, errors
 *
 * Only provider folders may import a provider's Pulumi SDK package.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";

export interface Floor {
  /** `core`, `kit`, `provider:aws`, `registry`, `components`, ... */
  name: string;
  rank: number;
}

/** The source folders the floors cover, relative to the repository root. */
export const SOURCE_ROOTS = [
  "index.ts",
  "core",
  "providers",
  "components",
  "internal",
  "testing",
  "stacks",
  "automation",
];

/** The Pulumi SDK packages of the built-in providers: only a provider's own folder may import them. */
export const PROVIDER_SDKS = [
  "@pulumi/aws",
  "@pulumi/gcp",
  "@pulumi/azure-native",
  "@pulumi/digitalocean",
  "@pulumi/hcloud",
  "@pulumi/kubernetes",
  "@muhlba91/pulumi-proxmoxve",
];

/** The floor of a source file (path relative to the root, `/`-separated), or undefined outside the floors. */
export function floorOf(file: string): Floor | undefined {
  const parts = file.replace(/\.(ts|js|json)$/, "").split("/");
  switch (parts[0]) {
    case "core":
      return { name: "core", rank: 0 };
    case "providers":
      if (parts[1] === "kit") return { name: "kit", rank: 1 };
      if (parts.length === 2 && parts[1] === "registry") return { name: "registry", rank: 3 };
      // providers/<name>/... or the folder itself (`./libvirt` names its index).
      if (parts.length >= 2) return { name: `provider:${parts[1]}`, rank: 2 };
      return undefined;
    case "components":
      return { name: "components", rank: 4 };
    case "internal":
      return { name: "internal", rank: 5 };
    case "testing":
      return { name: "testing", rank: 5 };
    case "stacks":
      return { name: "stacks", rank: 6 };
    case "automation":
      return { name: "automation", rank: 7 };
    case "index":
      return parts.length === 1 ? { name: "index", rank: 7 } : undefined;
    default:
      return undefined;
  }
}

/** One import: who imports, the specifier as written, and (for relative ones) the file it names. */
export interface ImportEdge {
  from: string;
  specifier: string;
  /** Relative to the root, without extension; undefined for package imports. */
  to?: string;
}

/** Every import, export-from, dynamic import and require() of a TypeScript source text. */
export function importsOf(file: string, source: string): ImportEdge[] {
  const info = ts.preProcessFile(source, true, true);
  return info.importedFiles.map(({ fileName: specifier }) => {
    if (!specifier.startsWith(".")) return { from: file, specifier };
    const to = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)).replace(/\.(js|ts)$/, "");
    return { from: file, specifier, to };
  });
}

/** The imports of every .ts file under the source roots (tests and declaration files excluded). */
export function sourceImports(root: string): ImportEdge[] {
  const files: string[] = [];
  const walk = (rel: string): void => {
    const abs = path.join(root, rel);
    if (statSync(abs).isDirectory()) {
      for (const entry of readdirSync(abs)) walk(path.posix.join(rel, entry));
    } else if (rel.endsWith(".ts") && !rel.endsWith(".d.ts") && !rel.endsWith(".test.ts")) {
      files.push(rel);
    }
  };
  for (const r of SOURCE_ROOTS) walk(r);
  return files.flatMap((f) => importsOf(f, readFileSync(path.join(root, f), "utf8")));
}

/** Why an import breaks the floors, or undefined when it keeps them. */
export function floorProblem(edge: ImportEdge): string | undefined {
  const from = floorOf(edge.from);
  if (!from) return undefined;
  if (edge.to === undefined) {
    const sdk = PROVIDER_SDKS.find((p) => edge.specifier === p || edge.specifier.startsWith(`${p}/`));
    if (sdk && !from.name.startsWith("provider:")) {
      return `${edge.from} (${from.name}) imports the provider SDK ${sdk}: only a provider's own folder may (providers/<name>/)`;
    }
    return undefined;
  }
  const to = floorOf(edge.to);
  if (!to)
    return `${edge.from} imports "${edge.specifier}", which is outside the source floors (${SOURCE_ROOTS.join(", ")})`;
  const where = `${edge.from} (${from.name}) imports "${edge.specifier}" (${to.name})`;
  if (to.name.startsWith("provider:")) {
    if (from.name.startsWith("provider:") && from.name !== to.name) {
      return `${where}: a provider never imports another provider; move what both need to providers/kit/ or core/`;
    }
    // Floors above the providers reach them through the registry, by name at run time. The one exception is
    // internal/dynamic/v1, which serialized dynamic providers require and which runs a provider's operations.
    if (!from.name.startsWith("provider:") && from.name !== "internal") {
      return `${where}: only the registry loads providers (by name, at run time); import providers/registry instead`;
    }
    return undefined;
  }
  if (to.rank > from.rank) {
    return `${where}: an import points up a floor (${from.name} ${from.rank} -> ${to.name} ${to.rank}); move the shared part down to ${from.name} or below`;
  }
  if (to.rank === from.rank && to.name !== from.name) {
    return `${where}: ${from.name} and ${to.name} stand on the same floor and may not import each other`;
  }
  return undefined;
}

/** Import cycles among files, each as the list of files around it (empty when there are none). */
export function importCycles(edges: ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges)
    if (e.to !== undefined)
      next.set(e.from.replace(/\.ts$/, ""), [...(next.get(e.from.replace(/\.ts$/, "")) ?? []), e.to]);
  const cycles: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, "open");
    stack.push(node);
    for (const n of next.get(node) ?? []) {
      if (state.get(n) === "open") cycles.push([...stack.slice(stack.indexOf(n)), n]);
      else if (!state.has(n)) visit(n);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of [...next.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}
