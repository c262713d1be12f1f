/**
 * The Automation API functions on the real engine: the development stack, an inline program with two
 * machines (as an npm user's pipeline would run it), and an `up` killed half-way then run again.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as EngineCommand from "../../dist/automation/engine-command";
import type * as Operations from "../../dist/automation/operations";
import { recordTiming } from "../support/timings";
import {
  busyboxEnvironment,
  domainExists,
  engineOnPathForThisFile,
  listDomains,
  machina,
  machinaDetached,
  makeProject,
  ROOT,
} from "./support";

const BUSYBOX_ENV = busyboxEnvironment({ waitForReadySeconds: 180 });

let project: string;
let ops: typeof Operations;
engineOnPathForThisFile();

beforeAll(async () => {
  project = makeProject({ interrupt: BUSYBOX_ENV, idle: BUSYBOX_ENV });
  ops = await import("../../dist/automation/operations.js");
}, 900_000);

afterAll(() => {
  rmSync(project, { recursive: true, force: true });
});

describe("Automation API functions", () => {
  it("development stack: up, idle up, refresh, destroy", async () => {
    const target = { environment: "development", projectDir: project };
    const events: Operations.ProgressEvent[] = [];
    const t = Date.now();
    const up = await ops.run("up", target, { onProgress: (e) => events.push(e) });
    expect(up.ok, up.error).toBe(true);
    recordTiming("engine: Automation API up development", Date.now() - t);
    expect(up).toMatchObject({ operation: "up", stack: "development", provider: "libvirt", changed: true });
    expect(
      events.some(
        (e) => e.op === "create" && e.type === "pulumi-nodejs:dynamic/machina:LibvirtMachine" && e.phase === "done",
      ),
    ).toBe(true);
    expect((up.outputs.machineOutputs as { dev: { ssh: string } }).dev.ssh).toMatch(
      /^ssh -p \d+ machina@127\.0\.0\.1$/,
    );

    const again = await ops.run("up", target);
    expect(again).toMatchObject({ ok: true, changed: false });
    // expectNoChanges: a clean stack passes; one with changes pending is a failed run saying what would change.
    expect(await ops.run("preview", target, { expectNoChanges: true })).toMatchObject({ ok: true, changed: false });
    const refresh = await ops.run("refresh", target);
    expect(refresh).toMatchObject({ ok: true, changed: false });
    const status = await ops.status(target);
    expect(status.resources).toBeGreaterThanOrEqual(5);
    expect(status.lastUpdate).toMatchObject({ kind: "refresh", result: "succeeded" });

    const destroy = await ops.run("destroy", target);
    expect(destroy.ok, destroy.error).toBe(true);
    expect(domainExists("machina-e2e-development-dev")).toBe(false);
    expect((await ops.status(target)).resources).toBe(0);
    const pending = await ops.run("preview", target, { expectNoChanges: true });
    expect(pending).toMatchObject({
      ok: false,
      changed: true,
      changes: expect.objectContaining({ create: expect.any(Number) }),
      error: expect.stringMatching(/^preview found changes where none were expected: create \d+/),
      failure: { class: "unexpected-changes", retryable: false },
    });
  }, 900_000);

  it("an inline program creates two machines, with a secret that stays encrypted in state", async () => {
    const { Machine } = await import("../../dist/index.js");
    const pulumi = await import("@pulumi/pulumi");
    const stateDir = mkdtempSync(path.join(tmpdir(), "machina-inline-state-"));
    const target = {
      projectName: "inline-fleet",
      stackName: "ci",
      stateDir,
      config: { "machina:provider": "libvirt", "libvirt:network": "user" },
      program: async () => {
        const token = pulumi.secret("tok-3f9a-very-secret");
        const machines = ["one", "two"].map(
          (n) =>
            new Machine(n, {
              size: "nano",
              image: "busybox-offline",
              diskGiB: 1,
              userData: token.apply((t) => `#cloud-config\nwrite_files: [{path: /etc/token, content: ${t}}]\n`),
              waitForReady: { timeoutSeconds: 180 },
            }),
        );
        return { ssh: machines.map((m) => m.ssh), ids: machines.map((m) => m.id), token };
      },
    };
    try {
      const t = Date.now();
      const up = await ops.run("up", target);
      expect(up.ok, up.error).toBe(true);
      recordTiming("engine: inline program, two busybox machines up", Date.now() - t);
      expect(up.stack).toBe("ci");
      const ssh = up.outputs.ssh as string[];
      expect(ssh).toHaveLength(2);
      expect(new Set(ssh).size).toBe(2);
      expect(up.outputs.token).toBe("[secret]");
      expect(listDomains()).toEqual(expect.arrayContaining(["inline-fleet-ci-one", "inline-fleet-ci-two"]));
      const state = readFileSync(path.join(stateDir, ".pulumi", "stacks", "inline-fleet", "ci.json"), "utf8");
      expect(state).not.toContain("tok-3f9a-very-secret");
      expect(state).toContain("ciphertext");
      const destroy = await ops.run("destroy", target);
      expect(destroy.ok, destroy.error).toBe(true);
      expect(listDomains().filter((d) => d.startsWith("inline-fleet-ci-"))).toEqual([]);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  }, 900_000);

  it("an idle up, a preview and a destroy each run one engine command: the run itself", async () => {
    const { findPulumi, stampedVersion } =
      (await import("../../dist/automation/engine-command.js")) as typeof EngineCommand;
    // A pulumi in front of the real one that logs each command line, stamped as setup-engine.sh stamps.
    const real = findPulumi()!;
    const wrapper = mkdtempSync(path.join(tmpdir(), "machina-pulumi-log-"));
    const log = path.join(wrapper, "calls.log");
    const pulumi = path.join(wrapper, "pulumi");
    writeFileSync(
      pulumi,
      `#!/bin/sh\nprintf '%s\\n' "$*" >> ${JSON.stringify(log)}\nexec ${JSON.stringify(real)} "$@"\n`,
    );
    chmodSync(pulumi, 0o755);
    const version = stampedVersion(real) ?? execFileSync(real, ["version"], { encoding: "utf8" }).trim();
    const stat = statSync(pulumi);
    writeFileSync(
      `${pulumi}.version`,
      JSON.stringify({ version, size: stat.size, mtime: Math.floor(stat.mtimeMs / 1000) }),
    );
    const path0 = process.env.PATH;
    process.env.PATH = `${wrapper}:${path0}`;
    const target = { environment: "idle", projectDir: project };
    const calls = () => readFileSync(log, "utf8").split("\n").filter(Boolean);
    try {
      const up = await ops.run("up", target);
      expect(up.ok, up.error).toBe(true);
      writeFileSync(log, "");
      const idle = await ops.run("up", target);
      expect(idle).toMatchObject({ ok: true, changed: false });
      expect((idle.outputs.machineOutputs as { box: { ssh: string } }).box.ssh).toMatch(/^ssh -p \d+ machina@/);
      // One engine command: no version, no stack select, no export; the outputs and the change count
      // come from the run's events, not from `stack output` and `stack history` after it.
      expect(calls().map((c) => c.split(" ")[0])).toEqual(["up"]);
      const stored = await ops.status(target);
      expect(stored.ok, stored.error).toBe(true);
      expect(idle.outputs).toEqual(stored.outputs);
      writeFileSync(log, "");
      const preview = await ops.run("preview", target);
      expect(preview).toMatchObject({ ok: true, changed: false, outputs: {} });
      expect(calls().map((c) => c.split(" ")[0])).toEqual(["preview"]);
    } finally {
      writeFileSync(log, "");
      const destroy = await ops.run("destroy", target);
      process.env.PATH = path0;
      expect(destroy.ok, destroy.error).toBe(true);
      expect(destroy.changes.delete).toBeGreaterThan(0);
      expect(calls().map((c) => c.split(" ")[0])).toEqual(["destroy"]);
      rmSync(wrapper, { recursive: true, force: true });
    }
  }, 900_000);

  it("an up killed while the machine is being created converges on the next up, leaking nothing", async () => {
    const env = { ...process.env };
    const child = machinaDetached(["up", "-e", "interrupt", "--project-dir", project], env);
    const killedAt = await new Promise<number>((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error(`no machine create started: ${out}`)), 300_000);
      child.stdout!.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        if (/create pulumi-nodejs:dynamic\/machina:LibvirtMachine box \.\.\./.test(out)) {
          clearTimeout(timer);
          // Let the create get as far as defining and starting the domain, then kill the whole tree.
          setTimeout(() => {
            process.kill(-child.pid!, "SIGKILL");
            resolve(Date.now());
          }, 1500);
        }
      });
    });
    await new Promise((r) => child.once("exit", r));
    expect(killedAt).toBeGreaterThan(0);
    // Wait (bounded) until the engine under the CLI is gone too.
    for (let i = 0; i < 50; i++) {
      try {
        process.kill(-child.pid!, 0);
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }

    const again = machina(["--json", "up", "-e", "interrupt", "--project-dir", project], env);
    expect(again.code, again.out + again.err).toBe(0);
    expect(again.json.ok).toBe(true);
    const recovered = again.json.recovered;
    expect(recovered.removedLocks.length + recovered.clearedPendingCreates.length).toBeGreaterThan(0);
    expect(recovered.remainingPending).toEqual([]);
    expect(listDomains().filter((d) => d === "machina-e2e-interrupt-box")).toHaveLength(1);

    const human = machina(["up", "-e", "interrupt", "--project-dir", project], env);
    expect(human.code).toBe(0);
    const destroy = machina(["--json", "destroy", "-e", "interrupt", "--project-dir", project], env);
    expect(destroy.code, destroy.err).toBe(0);
    expect(listDomains().filter((d) => d.startsWith("machina-e2e-interrupt"))).toEqual([]);
  }, 900_000);
});

export { ROOT };
