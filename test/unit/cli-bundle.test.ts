/**
 * The `machina` command runs from the bundle `npm run build` makes of its commands (scripts/bundle-cli.js),
 * and from its modules when that bundle is missing or older than them.
 */
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commandOf } from "../../dist/automation/cli";

const ROOT = path.resolve(__dirname, "../..");
const DIST = path.join(ROOT, "dist");
const CLI = path.join(DIST, "automation/cli.js");

/** Runs a script in a fresh Node process from the project's root; its stdout parsed as JSON. */
function inNode(script: string, env: Record<string, string> = {}): unknown {
  const r = spawnSync(process.execPath, ["-e", script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  expect(r.stderr).toBe("");
  return JSON.parse(r.stdout);
}

/** `machina --json providers`, run in-process from the commands `from` gives, with the Machina files it loaded. */
function providersFrom(from: string) {
  return inNode(`
    const commands = ${from};
    const out = [];
    process.stdout.write = (chunk) => (out.push(String(chunk)), true);
    commands.main(["--json", "providers"]).then((code) => {
      const loaded = Object.keys(require.cache).filter((f) => f.startsWith(${JSON.stringify(DIST + "/")}));
      require("node:fs").writeSync(1, JSON.stringify({ code, providers: JSON.parse(out.join("")), loaded }));
    });
  `) as { code: number; providers: { name: string; capabilities: string[] }[]; loaded: string[] };
}

describe("the bundled CLI", () => {
  it("loads none of Machina's modules from disk: only the launcher, its two caches and the bundle", () => {
    const r = providersFrom(`require(${JSON.stringify(CLI)}).loadCommands()`);
    expect(r.code).toBe(0);
    expect(r.loaded.map((f) => path.relative(DIST, f)).sort()).toEqual([
      "automation/cli.js",
      "automation/code-cache.js",
      "automation/commands.bundle.js",
      "automation/compile-cache.js",
    ]);
  });

  it("finds the same built-in providers, with the same capabilities, as the modules", () => {
    const bundled = providersFrom(`require(${JSON.stringify(CLI)}).loadCommands()`);
    const modules = providersFrom(`require(${JSON.stringify(path.join(DIST, "automation/commands.js"))})`);
    expect(bundled.providers.length).toBe(9);
    expect(bundled.providers).toEqual(modules.providers);
  });

  it("loads an engine command's modules after the stand-in for Pulumi's runtime: the Automation API, not the runtime", () => {
    const script = `
      const commands = require(${JSON.stringify(CLI)}).loadCommands();
      const write = process.stdout.write.bind(process.stdout);
      process.stdout.write = () => true;
      commands.main(["--json", "preview", "-e", "development"]).then(() => {
        const pulumi = Object.keys(require.cache)
          .filter((f) => f.includes("/node_modules/@pulumi/pulumi/"))
          .map((f) => f.replace(/.*[/]node_modules[/]@pulumi[/]pulumi[/]/, ""));
        write(JSON.stringify(pulumi));
      });
    `;
    // No engine on PATH: preview fails plainly after loading what it drives the engine with.
    const env = { ...process.env, PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin` };
    const r = spawnSync(process.execPath, ["-e", script], { cwd: ROOT, env, encoding: "utf8", timeout: 60_000 });
    const loaded = JSON.parse(r.stdout) as string[];
    expect(loaded.filter((f) => f.startsWith("automation/")).length).toBeGreaterThan(0);
    // The real runtime brings the SDK's index, its closure serializer and provider host with it.
    expect(loaded.filter((f) => /^(index\.js|runtime\/closure\/|provider\/)/.test(f))).toEqual([]);
  });

  it("runs a command end to end from the bundle", () => {
    const r = spawnSync(process.execPath, [CLI, "info", "hetzner"], { cwd: ROOT, encoding: "utf8", timeout: 30_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^hetzner: Hetzner Cloud servers/);
  });
});

describe("the code cache of each command", () => {
  let home: string;
  beforeAll(() => {
    home = mkdtempSync(path.join(tmpdir(), "machina-code-cache-"));
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  const run = (...args: string[]) =>
    spawnSync(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, XDG_CACHE_HOME: home },
      encoding: "utf8",
      timeout: 30_000,
    });
  const caches = () => {
    const dir = path.join(home, "machina", "cli-code-cache");
    return readdirSync(dir).map((f) => ({ name: f, file: path.join(dir, f), size: statSync(path.join(dir, f)).size }));
  };

  it("is written by a command's first run, one per command, and used as it is by the next", () => {
    const first = run("providers");
    expect(first.status).toBe(0);
    expect(run("info", "hetzner").status).toBe(0);
    const written = caches();
    expect(written.map((c) => c.name.split("-")[1]).sort()).toEqual(["info", "providers"]);
    for (const c of written) expect(c.size).toBeGreaterThan(20_000);
    const providers = written.find((c) => c.name.split("-")[1] === "providers")!;
    const before = readFileSync(providers.file);
    const again = run("providers");
    expect(again.stdout).toBe(first.stdout);
    expect(readFileSync(providers.file).equals(before)).toBe(true);
  });

  it("is replaced when V8 refuses it, and the command runs the same", () => {
    const providers = caches().find((c) => c.name.split("-")[1] === "providers")!;
    const expected = run("providers").stdout;
    writeFileSync(providers.file, "not a code cache");
    const r = run("providers");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(expected);
    expect(statSync(providers.file).size).toBeGreaterThan(20_000);
  });
});

describe("commandOf", () => {
  it.each([
    [["providers"], "providers"],
    [["--json", "info", "aws"], "info"],
    [["--project-dir", "up", "validate", "-e", "x"], "validate"],
    [["--json"], "other"],
    [[], "other"],
  ])("%j runs %s", (argv, command) => {
    expect(commandOf(argv)).toBe(command);
  });
});

describe("choosing the bundle or the modules", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "machina-cli-launcher-"));
    copyFileSync(CLI, path.join(dir, "cli.js"));
    copyFileSync(path.join(DIST, "automation/compile-cache.js"), path.join(dir, "compile-cache.js"));
    copyFileSync(path.join(DIST, "automation/code-cache.js"), path.join(dir, "code-cache.js"));
    writeFileSync(path.join(dir, "commands.js"), 'exports.from = "modules";\n');
    writeFileSync(path.join(dir, "commands.bundle.js"), 'exports.from = "bundle";\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const chosen = () =>
    inNode(
      `process.stdout.write(JSON.stringify(require(${JSON.stringify(path.join(dir, "cli.js"))}).loadCommands().from))`,
      { XDG_CACHE_HOME: dir },
    );
  const age = (file: string, secondsAgo: number) => {
    const t = new Date(Date.now() - secondsAgo * 1000);
    utimesSync(path.join(dir, file), t, t);
  };

  it.each([
    ["the bundle, built after the modules", 100, 50, "bundle"],
    ["the bundle, built in the same second as the modules", 50, 50, "bundle"],
    ["the modules, when the bundle is older (a build that skipped bundling)", 50, 100, "modules"],
  ])("uses %s", (_what, modulesAge, bundleAge, expected) => {
    age("commands.js", modulesAge);
    age("commands.bundle.js", bundleAge);
    expect(chosen()).toBe(expected);
  });

  it("uses the modules when there is no bundle", () => {
    rmSync(path.join(dir, "commands.bundle.js"));
    expect(chosen()).toBe("modules");
  });
});
