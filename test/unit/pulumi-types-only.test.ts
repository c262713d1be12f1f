/**
 * Core, the provider descriptions and the CLI's engine-free commands never load the Pulumi SDK
 * (about 0.9 s and 120 MB here): the linter refuses a value import of it there, and running those
 * commands leaves it unloaded.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");

describe("the linter", () => {
  const eslint = new ESLint({ cwd: ROOT });
  const messages = async (file: string, text: string) =>
    (await eslint.lintText(text, { filePath: path.join(ROOT, file) }))[0].messages.map((m) => m.ruleId);

  it.each([
    ["core/example.ts", 'import * as pulumi from "@pulumi/pulumi";\nexport const x = pulumi.output(1);\n'],
    ["core/example.ts", 'import { Config } from "@pulumi/pulumi";\nexport const c = new Config();\n'],
    [
      "automation/example.ts",
      'import { LocalWorkspace } from "@pulumi/pulumi/automation";\nexport const w = LocalWorkspace;\n',
    ],
    ["providers/hetzner/index.ts", 'import { Server } from "@pulumi/hcloud";\nexport const s = Server;\n'],
  ])("refuses a value import of the Pulumi SDK in %s", async (file, text) => {
    expect(await messages(file, text)).toContain("@typescript-eslint/no-restricted-imports");
  });

  it.each([
    ["core/example.ts", 'import type * as pulumi from "@pulumi/pulumi";\nexport type X = pulumi.Input<string>;\n'],
    ["automation/example.ts", 'import type { Stack } from "@pulumi/pulumi/automation";\nexport type S = Stack;\n'],
    ["components/example.ts", 'import * as pulumi from "@pulumi/pulumi";\nexport const x = pulumi.output(1);\n'],
    ["providers/hetzner/resources.ts", 'import { Server } from "@pulumi/hcloud/server";\nexport const s = Server;\n'],
  ])("lets %s import what it needs", async (file, text) => {
    expect(await messages(file, text)).not.toContain("@typescript-eslint/no-restricted-imports");
  });
});

describe("running the engine-free commands", () => {
  it("loads no Pulumi SDK: providers, info, validate, the CLI's modules and its bundle", () => {
    const script = `
      const inspect = require(${JSON.stringify(path.join(ROOT, "dist/automation/inspect.js"))});
      require(${JSON.stringify(path.join(ROOT, "dist/automation/cli.js"))}).loadCommands();
      require(${JSON.stringify(path.join(ROOT, "dist/automation/commands.js"))});
      const names = inspect.providerSummaries().map((p) => p.name);
      for (const name of names) inspect.providerInfo(name, ${JSON.stringify(ROOT)});
      const report = inspect.validateEnvironment(${JSON.stringify(ROOT)}, "development", undefined, {});
      const loaded = [...new Set(Object.keys(require.cache)
        .map((f) => /node_modules\\/(@(?:pulumi|muhlba91)\\/[^/]+)\\//.exec(f)?.[1]).filter(Boolean))].sort();
      process.stdout.write(JSON.stringify({ names: names.length, machines: report.machines.length, loaded }));
    `;
    const r = spawnSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    expect(r.stderr).toBe("");
    const { names, machines, loaded } = JSON.parse(r.stdout);
    expect(names).toBe(9);
    expect(machines).toBeGreaterThan(0);
    expect(loaded).toEqual([]);
  });
});
