/**
 * The CLI's stand-in for Pulumi's runtime module: the Automation API loads without the runtime (and
 * its npm and sigstore dependencies), and any real use of the runtime gets the real module.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");
const LAZY = path.join(ROOT, "dist/automation/lazy-runtime.js");

function node(script: string): Record<string, unknown> {
  const r = spawnSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe("installLazyRuntime", () => {
  it("the Automation API loads without Pulumi's runtime; its channel options come from the runtime's settings", () => {
    const out = node(`
      const installed = require(${JSON.stringify(LAZY)}).installLazyRuntime();
      const automation = require("@pulumi/pulumi/automation");
      const loaded = Object.keys(require.cache);
      const settings = require("@pulumi/pulumi/runtime/settings");
      const options = require("@pulumi/pulumi/runtime").grpcChannelOptions;
      console.log(JSON.stringify({
        installed,
        workspace: typeof automation.LocalWorkspace.createOrSelectStack,
        arborist: loaded.some((f) => f.includes("@npmcli/arborist")),
        closure: loaded.some((f) => f.includes("runtime/closure")),
        sameOptions: options === settings.grpcChannelOptions,
        stillLazy: !Object.keys(require.cache).some((f) => f.includes("@npmcli/arborist")),
      }));`);
    expect(out).toEqual({
      installed: true,
      workspace: "function",
      arborist: false,
      closure: false,
      sameOptions: true,
      stillLazy: true,
    });
  });

  it("any other use loads the real runtime and forwards to it: the SDK works as without the stand-in", () => {
    const out = node(`
      require(${JSON.stringify(LAZY)}).installLazyRuntime();
      require("@pulumi/pulumi/automation");
      const pulumi = require("@pulumi/pulumi");
      const runtime = require("@pulumi/pulumi/runtime");
      console.log(JSON.stringify({
        isDryRun: typeof runtime.isDryRun,
        viaIndex: pulumi.runtime.isDryRun === runtime.isDryRun,
        keys: Object.keys(runtime).includes("serializeFunction"),
        has: "setMocks" in runtime,
        config: typeof new pulumi.Config("machina").get,
      }));`);
    expect(out).toEqual({ isDryRun: "function", viaIndex: true, keys: true, has: true, config: "function" });
  });

  it("is not installed over a runtime already loaded", () => {
    const out = node(`
      const real = require("@pulumi/pulumi/runtime");
      const installed = require(${JSON.stringify(LAZY)}).installLazyRuntime();
      console.log(JSON.stringify({ installed, same: require("@pulumi/pulumi/runtime") === real }));`);
    expect(out).toEqual({ installed: false, same: true });
  });
});
