/**
 * The examples as a user gets them: the library packed with `npm pack`, each example copied to a
 * temporary folder with `pulumi-machina` pointing at that tarball, then `npm install` (whose `prepare`
 * compiles the example, so a type error fails the install).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

export const ROOT = path.resolve(__dirname, "../..");
export const EXAMPLES = path.join(ROOT, "examples");

let tarball: string | undefined;

/**
 * `npm pack` of this checkout's build, once per test process. Without `--ignore-scripts` the pack runs
 * `prepare`, which rebuilds dist/ while other test files are reading it: the test command builds first.
 */
export function packedLibrary(): string {
  if (tarball) return tarball;
  const dir = mkdtempSync(path.join(tmpdir(), "machina-pack-"));
  execFileSync("npm", ["pack", "--silent", "--ignore-scripts", "--pack-destination", dir], {
    cwd: ROOT,
    stdio: "pipe",
    timeout: 300_000,
  });
  tarball = path.join(
    dir,
    readdirSync(dir).find((f) => f.endsWith(".tgz"))!,
  );
  return tarball;
}

/** The example's folder copied, installed against the packed library; returns the copy's path. */
export function installExample(name: string): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), `machina-example-${name}-`)), name);
  cpSync(path.join(EXAMPLES, name), dir, {
    recursive: true,
    filter: (src) => !/[/\\](node_modules|bin|\.pulumi-state)$/.test(src),
  });
  const manifest = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
  };
  manifest.dependencies["pulumi-machina"] = `file:${packedLibrary()}`;
  writeFileSync(path.join(dir, "package.json"), JSON.stringify(manifest, null, 2));
  const install = spawnSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: dir,
    encoding: "utf8",
    timeout: 600_000,
  });
  if (install.status !== 0)
    throw new Error(`npm install of examples/${name} failed (${install.status}):\n${install.stdout}${install.stderr}`);
  return dir;
}

/** The names of every example (a folder of examples/ with a package.json). */
export function exampleNames(): string[] {
  return readdirSync(EXAMPLES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

/** The fenced `sh` blocks of a markdown file (of its section under `## heading` when given), in order. */
export function shellBlocks(file: string, heading?: string): string[] {
  let text = readFileSync(file, "utf8");
  if (heading) {
    const start = text.indexOf(`\n## ${heading}\n`);
    if (start < 0) throw new Error(`${file} has no section "## ${heading}"`);
    const end = text.indexOf("\n## ", start + 1);
    text = text.slice(start, end < 0 ? undefined : end);
  }
  return [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
}
