/**
 * Two runs of one stack on the real engine: a second `machina up` that starts while the first is
 * mid-create is refused as a live lock (exit 4, JSON, no stack trace), touches nothing (the first
 * run's pending creates stay), and no temporary copy of the state is left anywhere.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as Operations from "../../dist/automation/operations";
import { busyboxEnvironment, CLI, domainExists, enginePath, machina, makeProject } from "./support";

const STACK = "lockrun";
const DOMAIN = `machina-e2e-${STACK}-box`;
const ENV = busyboxEnvironment({ waitForReadySeconds: 180 });

let project: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  project = makeProject({ [STACK]: ENV });
  env = { ...process.env, PATH: enginePath() };
  delete env.PULUMI_BACKEND_URL;
  delete env.PULUMI_CONFIG_PASSPHRASE;
}, 900_000);

afterAll(() => {
  if (domainExists(DOMAIN)) machina(["destroy", "-e", STACK, "--project-dir", project], env);
  rmSync(project, { recursive: true, force: true });
});

/** Entries of the temporary directory that hold this stack's state: by name, or by content one level deep. */
function stateCopies(entries: string[]): string[] {
  const mentions = (file: string) => {
    try {
      const text = readFileSync(file, "utf8");
      return text.includes(STACK) || text.includes("checkpoint");
    } catch {
      return false;
    }
  };
  return entries.filter((e) => {
    const p = path.join(tmpdir(), e);
    if (e.includes(STACK) || e.includes("checkpoint")) return true;
    try {
      return statSync(p).isDirectory() ? readdirSync(p).some((f) => mentions(path.join(p, f))) : mentions(p);
    } catch {
      return false;
    }
  });
}

function runCli(args: string[]): {
  child: ReturnType<typeof spawn>;
  done: Promise<{ code: number | null; out: string; err: string }>;
  out: () => string;
} {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (err += c.toString()));
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
    child.once("close", (code) => resolve({ code, out, err })),
  );
  return { child, done, out: () => out };
}

function pendingOperations(): { type: string; resource: { type: string } }[] {
  const file = path.join(project, ".pulumi-state", ".pulumi", "stacks", "machina-e2e", `${STACK}.json`);
  const state = JSON.parse(readFileSync(file, "utf8")) as {
    checkpoint: { latest?: { pending_operations?: { type: string; resource: { type: string } }[] } };
  };
  return state.checkpoint.latest?.pending_operations ?? [];
}

describe("a second up while the first is mid-create", () => {
  it("is refused as a live lock and leaves the first run and the state alone", async () => {
    const before = new Set(readdirSync(tmpdir()));
    const first = runCli(["up", "-e", STACK, "--project-dir", project]);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no machine create started: ${first.out()}`)), 300_000);
      const check = () => {
        if (/create pulumi-nodejs:dynamic\/machina:LibvirtMachine box \.\.\./.test(first.out())) {
          clearTimeout(timer);
          resolve();
        } else if (first.child.exitCode !== null) {
          clearTimeout(timer);
          reject(new Error(`the first up ended early: ${first.out()}`));
        } else setTimeout(check, 100);
      };
      check();
    });

    const second = await runCli(["--json", "up", "-e", STACK, "--project-dir", project]).done;
    expect(second.code, second.out + second.err).toBe(4);
    expect(second.err).not.toMatch(/unexpected error|ConcurrentUpdateError|\n\s+at /);
    const summary = JSON.parse(second.out) as Operations.Summary;
    expect(summary).toMatchObject({
      operation: "up",
      stack: STACK,
      ok: false,
      failure: { class: "conflict", retryable: true },
    });
    expect(summary.error).toMatch(
      /^another `up` of this stack is running, pid \d+ since \d{4}-\d{2}-\d{2}T\S+: wait until it ends, then run again/,
    );
    expect(summary.lockedBy?.pid).toBeGreaterThan(0);
    expect(summary.recovered).toBeUndefined();
    // The first run's create is still pending: recovery did not clear it.
    expect(pendingOperations().some((op) => op.type === "creating")).toBe(true);

    const text = await runCli(["up", "-e", STACK, "--project-dir", project]).done;
    expect(text.code).toBe(4);
    expect(text.out).toMatch(/^hint \[conflict, retryable\]: /m);

    const done = await first.done;
    expect(done.code, done.out + done.err).toBe(0);
    expect(done.out).toMatch(new RegExp(`up ${STACK}: ok`));
    expect(done.out).toMatch(/box: .*ssh -p \d+ machina@127\.0\.0\.1/);
    expect(domainExists(DOMAIN)).toBe(true);
    expect(pendingOperations()).toEqual([]);

    // No copy of the state in the temporary directory, nor a private folder left in the state folder.
    const added = readdirSync(tmpdir()).filter((e) => !before.has(e));
    expect(stateCopies(added)).toEqual([]);
    expect(readdirSync(path.join(project, ".pulumi-state")).filter((e) => e.startsWith(".machina-tmp-"))).toEqual([]);
    const locks = path.join(project, ".pulumi-state", ".pulumi", "locks", "organization", "machina-e2e", STACK);
    expect(existsSync(locks) ? readdirSync(locks) : []).toEqual([]);

    const destroy = machina(["--json", "destroy", "-e", STACK, "--project-dir", project], env);
    expect(destroy.code, destroy.out + destroy.err).toBe(0);
    expect(domainExists(DOMAIN)).toBe(false);
  }, 900_000);
});
