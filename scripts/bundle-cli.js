#!/usr/bin/env node
/**
 * Bundles the CLI's commands (after tsc, in `npm run build`): dist/automation/commands.js and every module
 * it reaches become dist/automation/commands.bundle.js, which automation/cli.ts runs. Machina's modules,
 * `yaml`, `commander` and the other plain dependencies go in; Node's own modules and the Pulumi packages
 * (the peer dependencies and @pulumi/pulumi) stay outside, loaded from node_modules only by the commands
 * that use them. Modules keep their own lazy loading: each is wrapped and runs on its first require.
 *
 * The registry finds built-in providers by reading its folder at run time, which a bundle cannot do: the
 * folders holding a module are found here instead, by the registry itself, and injected as
 * MACHINA_BUNDLED_PROVIDERS (name -> loader of that module inside the bundle).
 */
const fs = require("node:fs");
const path = require("node:path");
const esbuild = require("esbuild");

const ROOT = path.resolve(__dirname, "..");
const DIST = path.join(ROOT, "dist");
const pkg = require(path.join(ROOT, "package.json"));

// The registry's own rule, run on the compiled folders (outside a bundle it reads them).
const builtIn = require(path.join(DIST, "providers", "registry.js")).builtInProviderNames();

// Inside dist, at a fixed place, so that the bundle (which names its inputs) is the same on every build.
/**
 * commander requires node:child_process when it loads, for subcommands that are separate executables,
 * which Machina has none of: in the bundle, commander gets it on first use instead (node:child_process
 * brings net, dgram and streams, about a tenth of an engine-free command's start).
 */
const commanderSpawnsLazily = {
  name: "commander-spawns-lazily",
  setup(build) {
    const inCommander = `${path.sep}node_modules${path.sep}commander${path.sep}`;
    build.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      args.importer.includes(inCommander) ? { path: "node:child_process", namespace: "on-first-use" } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "on-first-use" }, (args) => ({
      contents: `let loaded;
const load = () => (loaded ??= require(${JSON.stringify(args.path)}));
module.exports = new Proxy({}, { get: (_, key) => load()[key], has: (_, key) => key in load() });
`,
      loader: "js",
    }));
  },
};

const work = path.join(DIST, ".bundle-work");
fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(work);

async function bundle() {
  const inject = path.join(work, "bundled-providers.js");
  fs.writeFileSync(
    inject,
    `export const MACHINA_BUNDLED_PROVIDERS = {\n${builtIn
      .map((name) => `  ${JSON.stringify(name)}: () => require(${JSON.stringify(`../providers/${name}/index.js`)}),`)
      .join("\n")}\n};\n`,
  );
  const external = [...Object.keys(pkg.peerDependencies ?? {}), "@pulumi/*"];
  const result = await esbuild.build({
    entryPoints: [path.join(DIST, "automation", "commands.js")],
    outfile: path.join(DIST, "automation", "commands.bundle.js"),
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node22",
    external,
    inject: [inject],
    plugins: [commanderSpawnsLazily],
    // The launcher runs the bundle through vm.Script (for its code cache), where import() needs an
    // experimental flag: the bundle's import() of a package (@kubernetes/client-node, ESM only) becomes
    // require(), which loads ES modules from Node 22.12 on.
    supported: { "dynamic-import": false },
    // Whitespace and syntax, not names: a stack trace (MACHINA_DEBUG) still names its functions. A smaller
    // file is read and hashed (the compile cache checks it) faster on every start.
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: "eof",
    logLevel: "warning",
    metafile: true,
  });
  const inputs = Object.keys(result.metafile.inputs);
  const size = fs.statSync(path.join(DIST, "automation", "commands.bundle.js")).size;
  process.stderr.write(
    `bundle-cli: dist/automation/commands.bundle.js, ${inputs.length} modules, ${(size / 1024).toFixed(0)} KiB, built-in providers ${builtIn.join(" ")}\n`,
  );
}

bundle()
  .catch((e) => {
    process.stderr.write(`bundle-cli: ${e.stack ?? e}\n`);
    process.exitCode = 1;
  })
  .finally(() => fs.rmSync(work, { recursive: true, force: true }));
