/**
 * Every dynamic provider process loads `internal/dynamic/v1`, the readiness check of every cloud
 * provider among them: a provider's operations load when that provider's resource is used, not with
 * the file.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");

/** The provider folders (the shared kit aside) whose modules a fresh process holds after `use` ran on the dynamic entry. */
function providersLoadedAfter(use: string): { exports: string[]; providers: string[] } {
  const script = `
    const v1 = require(${JSON.stringify(path.join(ROOT, "dist/internal/dynamic/v1.js"))});
    Promise.resolve((async () => { ${use} })()).then(() => {
      const providers = [...new Set(Object.keys(require.cache)
        .map((f) => /dist\\/providers\\/([^/]+)\\//.exec(f)?.[1]).filter((p) => p && p !== "kit"))].sort();
      process.stdout.write(JSON.stringify({ exports: Object.keys(v1).sort(), providers }));
    });
  `;
  const r = spawnSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  expect(r.stderr).toBe("");
  return JSON.parse(r.stdout);
}

describe("the dynamic providers' entry point", () => {
  it("keeps its exports and loads no provider's operations on its own", () => {
    expect(providersLoadedAfter("")).toEqual({
      exports: ["libvirtBaseImage", "libvirtMachine", "libvirtSnapshot", "readiness", "vsphereMachine"],
      providers: [],
    });
  });

  it("loads only the provider whose resource is used", () => {
    const libvirtDiff = `await v1.libvirtMachine.diff("id", { name: "a" }, { name: "a" }).catch(() => undefined);`;
    expect(providersLoadedAfter(libvirtDiff).providers).toEqual(["libvirt"]);
    const snapshotDiff = `await v1.libvirtSnapshot.diff("id", { labels: {} }, { labels: {} });`;
    expect(providersLoadedAfter(snapshotDiff).providers).toEqual(["libvirt"]);
    const vsphereConfigure = `await v1.vsphereMachine.configure({ config: { get: () => undefined } });`;
    expect(providersLoadedAfter(vsphereConfigure).providers).toEqual(["vsphere"]);
  });

  it("is what the provider source stored in state loads, through the package name, for every entry", () => {
    const script = `
      const requireFromString = require("require-from-string");
      const { dynamicProviderSource } = require(${JSON.stringify(path.join(ROOT, "dist/providers/kit/dynamic-entry.js"))});
      const v1 = require("pulumi-machina/internal/dynamic/v1");
      const entries = ["libvirtBaseImage", "libvirtMachine", "libvirtSnapshot", "vsphereMachine", "readiness"];
      process.stdout.write(JSON.stringify(entries.map((e) => {
        const provider = requireFromString(dynamicProviderSource(e)).handler();
        return [e, provider === v1[e], Object.keys(provider).sort()];
      })));
    `;
    const r = spawnSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual([
      ["libvirtBaseImage", true, ["create", "delete", "diff", "read"]],
      ["libvirtMachine", true, ["create", "delete", "diff", "read", "update"]],
      ["libvirtSnapshot", true, ["create", "delete", "diff", "read", "update"]],
      ["vsphereMachine", true, ["configure", "create", "delete", "diff", "read", "update"]],
      ["readiness", true, ["create", "delete", "diff", "read", "update"]],
    ]);
  });
});

describe("a dynamic provider process whose engine is gone", () => {
  // The engine killed: stderr is a closed pipe. Pulumi's provider host logs each uncaught error to
  // stderr, where it fails again with an uncaught EPIPE: without the guard this loops at full CPU forever.
  const child = (entry: string) => `
    process.on("uncaughtException", (err) => console.error(err.stack));
    ${entry}
    setInterval(() => process.stderr.write("still working\\n"), 50);
  `;
  const runWithClosedStderr = (entry: string) =>
    new Promise<{ code: number | null; killed: boolean }>((resolve) => {
      const p = spawn(process.execPath, ["-e", child(entry)], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
      p.stderr.destroy();
      const timer = setTimeout(() => p.kill("SIGKILL"), 3_000);
      p.on("exit", (code, signal) => {
        clearTimeout(timer);
        resolve({ code, killed: signal === "SIGKILL" });
      });
    });

  /**
   * An "engine" starts the provider through a shell script that does not `exec` it, as Pulumi's
   * `pulumi-resource-pulumi-nodejs` does, and is then killed: the shell stays the provider's parent.
   * Resolves with whether the provider process still runs `afterMs` after the kill.
   */
  async function providerAliveAfterEngineKilled(entry: string, afterMs: number): Promise<boolean> {
    const dir = mkdtempSync(path.join(tmpdir(), "machina-engine-gone-"));
    const pidFile = path.join(dir, "provider.pid");
    const provider = path.join(dir, "provider.js");
    writeFileSync(
      provider,
      `${entry}\nrequire("node:fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));\nsetInterval(() => {}, 1000);\n`,
    );
    const shim = path.join(dir, "pulumi-resource-test");
    writeFileSync(shim, `#!/bin/sh\n"${process.execPath}" "${provider}"\n`, { mode: 0o755 });
    const engine = spawn(
      process.execPath,
      [
        "-e",
        `require("node:child_process").spawn(${JSON.stringify(shim)}, { stdio: "ignore" }); setInterval(() => {}, 1000);`,
      ],
      { stdio: "ignore" },
    );
    let pid = 0;
    try {
      for (let i = 0; i < 200 && !pid; i++) {
        await new Promise((r) => setTimeout(r, 50));
        if (existsSync(pidFile)) pid = Number(readFileSync(pidFile, "utf8"));
      }
      expect(pid).toBeGreaterThan(0);
      engine.kill("SIGKILL");
      await new Promise((r) => setTimeout(r, afterMs));
      return running(pid);
    } finally {
      engine.kill("SIGKILL");
      if (pid && running(pid)) process.kill(pid, "SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const running = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  it("ends when its engine is killed while a shell script stays its parent, instead of idling forever", async () => {
    const loaded = `require(${JSON.stringify(path.join(ROOT, "dist/internal/dynamic/v1.js"))});`;
    expect(await providerAliveAfterEngineKilled(loaded, 4_000)).toBe(false);
    // The same process without the entry point idles on: the watch is what ends it.
    expect(await providerAliveAfterEngineKilled("", 4_000)).toBe(true);
  }, 60_000);

  it("ends instead of logging its broken pipe forever", async () => {
    const loaded = `require(${JSON.stringify(path.join(ROOT, "dist/internal/dynamic/v1.js"))});`;
    expect(await runWithClosedStderr(loaded)).toEqual({ code: 1, killed: false });
    // The same process without the entry point spins until killed: the guard is what ends it.
    expect(await runWithClosedStderr("")).toEqual({ code: null, killed: true });
  }, 30_000);
});
