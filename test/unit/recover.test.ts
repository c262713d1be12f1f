/**
 * Recovery acts only when the lock's process is dead: locks of the file backend as the engine writes
 * them (lock file plus the blob store's `.attrs` sidecar), with a stack double for export/import.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  LiveLockError,
  recoverInterrupted,
  removeStaleLocks,
  stackLocks,
  withPrivateTmpdir,
} from "../../dist/automation/recover";

let state: string;
const DEAD_PID = (() => {
  // A pid that certainly ran and is gone: a finished child's.
  const r = spawnSync("true");
  return r.pid!;
})();

function writeLock(project: string, stack: string, content: Record<string, unknown>): string {
  const dir = path.join(state, ".pulumi", "locks", "organization", project, stack);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${Math.random().toString(16).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(content));
  writeFileSync(`${file}.attrs`, JSON.stringify({ "user.cache_control": "", "user.content_type": "application/json" }));
  return file;
}

const PENDING = {
  pending_operations: [
    {
      resource: {
        urn: "urn:pulumi:qa::shop::machina:index:Machine$pulumi-nodejs:dynamic/machina:LibvirtMachine::box",
        type: "pulumi-nodejs:dynamic/machina:LibvirtMachine",
      },
      type: "creating",
    },
  ],
};

/** A Stack as recovery uses it: export, import, and the workspace's environment. */
function stackDouble(deployment: Record<string, unknown> = PENDING) {
  const calls = { exported: 0, imported: [] as unknown[], tmpFiles: [] as string[] };
  const stack = {
    workspace: { envVars: { PULUMI_BACKEND_URL: `file://${state}` } },
    exportStack: async () => {
      calls.exported += 1;
      return { version: 3, deployment };
    },
    // As the SDK does: the whole state in a temporary file, kept when the import fails.
    importStack: (s: unknown) => {
      const file = path.join(tmpdir(), `automation-${Math.floor(100000 + Math.random() * 900000)}`);
      writeFileSync(file, JSON.stringify(s));
      calls.tmpFiles.push(file);
      return (async () => {
        calls.imported.push(s);
        throw new Error("error: the stack is currently locked by 1 lock(s)");
      })();
    },
  };
  return { selected: { stack, stackName: "qa", stateDir: state } as never, calls };
}

beforeAll(() => {
  state = mkdtempSync(path.join(tmpdir(), "machina-recover-"));
});
afterAll(() => rmSync(state, { recursive: true, force: true }));

describe("stack locks", () => {
  it("tells a live process's lock from a dead one's, and another host's counts as live", () => {
    const live = writeLock("shop", "qa", {
      pid: process.pid,
      hostname: hostname(),
      username: "ci",
      timestamp: "2026-05-01T10:00:00Z",
    });
    const dead = writeLock("shop", "qa", { pid: DEAD_PID, hostname: hostname(), timestamp: "2026-05-01T09:00:00Z" });
    const remote = writeLock("shop", "qa", { pid: 1, hostname: "build-7.example", timestamp: "2026-05-01T08:00:00Z" });
    writeLock("other", "qa", { pid: DEAD_PID, hostname: hostname() });
    const locks = stackLocks(state, "shop", "qa");
    expect(locks).toHaveLength(3);
    expect(locks.find((l) => l.file === live)).toMatchObject({
      live: true,
      pid: process.pid,
      timestamp: "2026-05-01T10:00:00Z",
    });
    expect(locks.find((l) => l.file === dead)).toMatchObject({ live: false, pid: DEAD_PID });
    expect(locks.find((l) => l.file === remote)).toMatchObject({ live: true, hostname: "build-7.example" });
    for (const f of [live, dead, remote]) {
      rmSync(f);
      rmSync(`${f}.attrs`);
    }
    rmSync(path.join(state, ".pulumi"), { recursive: true });
  });

  it("the stale-lock cleanup removes the lock's companion files too", () => {
    const dead = writeLock("shop", "qa", { pid: DEAD_PID, hostname: hostname() });
    writeFileSync(`${dead}.17a3b9c2d.tmp`, "{");
    const removed = removeStaleLocks(stackLocks(state, "shop", "qa"));
    expect(removed).toEqual([
      expect.stringMatching(
        new RegExp(`^lock of dead process ${DEAD_PID} \\(.*\\.json, .*\\.json\\.(attrs|17a3b9c2d\\.tmp), `),
      ),
    ]);
    expect(readdirSync(path.dirname(dead))).toEqual([]);
    rmSync(path.join(state, ".pulumi"), { recursive: true });
  });
});

describe("recoverInterrupted", () => {
  it("touches nothing while a live process holds the lock: no export, no import, no copy of state", async () => {
    const lock = writeLock("shop", "qa", { pid: process.pid, hostname: hostname(), timestamp: "2026-05-01T10:00:00Z" });
    const { selected, calls } = stackDouble();
    const e = await recoverInterrupted(selected, "shop").catch((err) => err);
    expect(e).toBeInstanceOf(LiveLockError);
    expect(e.message).toMatch(
      new RegExp(`^another \`(run|\\w+)\` of this stack is running, pid ${process.pid} since 2026-05-01T10:00:00Z`),
    );
    expect(calls.exported).toBe(0);
    expect(calls.imported).toEqual([]);
    expect(existsSync(lock)).toBe(true);
    rmSync(path.join(state, ".pulumi"), { recursive: true });
  });

  it("after a dead process: removes its lock and clears its pending create; a failed import leaves no copy of state", async () => {
    const lock = writeLock("shop", "qa", { pid: DEAD_PID, hostname: hostname() });
    const { selected, calls } = stackDouble();
    const before = new Set(readdirSync(tmpdir()));
    await expect(recoverInterrupted(selected, "shop")).rejects.toThrow(/currently locked/);
    expect(existsSync(lock)).toBe(false);
    expect(existsSync(`${lock}.attrs`)).toBe(false);
    expect(calls.imported).toHaveLength(1);
    expect(
      (calls.imported[0] as { deployment: { pending_operations: unknown[] } }).deployment.pending_operations,
    ).toEqual([]);
    // The SDK wrote its copy into a private folder, which is gone.
    expect(calls.tmpFiles).toHaveLength(1);
    expect(path.dirname(calls.tmpFiles[0])).not.toBe(tmpdir());
    expect(existsSync(calls.tmpFiles[0])).toBe(false);
    expect([...readdirSync(tmpdir())].filter((f) => !before.has(f) && /^(automation-|machina-state-)/.test(f))).toEqual(
      [],
    );
  });

  it("with no lock at all, clears only Machina's own pending creates", async () => {
    const { selected, calls } = stackDouble({
      pending_operations: [
        ...PENDING.pending_operations,
        {
          resource: { urn: "urn:pulumi:qa::shop::hcloud:index/server:Server::web", type: "hcloud:index/server:Server" },
          type: "creating",
        },
      ],
    });
    await recoverInterrupted(selected, "shop").catch(() => undefined);
    expect(
      (
        calls.imported[0] as { deployment: { pending_operations: { resource: { type: string } }[] } }
      ).deployment.pending_operations.map((o) => o.resource.type),
    ).toEqual(["hcloud:index/server:Server"]);
  });
});

describe("recoverInterrupted without evidence of an interrupted run", () => {
  function writeCheckpoint(file: string, deployment: Record<string, unknown>): void {
    mkdirSync(path.dirname(file), { recursive: true });
    const text = JSON.stringify({ version: 3, checkpoint: { stack: "qa", latest: deployment } }, null, 4);
    writeFileSync(file, file.endsWith(".gz") ? gzipSync(text) : text);
  }
  const checkpoint = (name: string) => path.join(state, ".pulumi", "stacks", "shop", name);

  it("no lock and a checkpoint without pending operations: the stack is not exported", async () => {
    writeCheckpoint(checkpoint("qa.json"), { manifest: {}, resources: [{ urn: "urn:pulumi:qa::shop::x::y" }] });
    const { selected, calls } = stackDouble();
    expect(await recoverInterrupted(selected, "shop")).toEqual({
      removedLocks: [],
      clearedPendingCreates: [],
      remainingPending: [],
    });
    expect(calls.exported).toBe(0);
    rmSync(path.join(state, ".pulumi"), { recursive: true });
  });

  it.each(["qa.json", "qa.json.gz"])(
    "a checkpoint (%s) that records pending operations is exported and Machina's pending create cleared",
    async (name) => {
      writeCheckpoint(checkpoint(name), { resources: [], ...PENDING });
      const { selected, calls } = stackDouble();
      await recoverInterrupted(selected, "shop").catch(() => undefined);
      expect(calls.exported).toBe(1);
      expect(
        (calls.imported[0] as { deployment: { pending_operations: unknown[] } }).deployment.pending_operations,
      ).toEqual([]);
      rmSync(path.join(state, ".pulumi"), { recursive: true });
    },
  );

  it("a checkpoint in the legacy layout (no project folder) counts too", async () => {
    writeCheckpoint(path.join(state, ".pulumi", "stacks", "qa.json"), { resources: [], ...PENDING });
    const { selected, calls } = stackDouble();
    await recoverInterrupted(selected, "shop").catch(() => undefined);
    expect(calls.exported).toBe(1);
    rmSync(path.join(state, ".pulumi"), { recursive: true });
  });
});

describe("withPrivateTmpdir", () => {
  it("points os.tmpdir() at a 0700 folder only while the call starts, and removes it", async () => {
    const previous = process.env.TMPDIR;
    let seen = "";
    let mode = 0;
    await withPrivateTmpdir(async () => {
      seen = tmpdir();
      mode = statSync(seen).mode & 0o777;
      writeFileSync(path.join(seen, "copy"), "state");
    });
    expect(process.env.TMPDIR).toBe(previous);
    expect(mode).toBe(0o700);
    expect(existsSync(seen)).toBe(false);
    await expect(
      withPrivateTmpdir(async () => {
        seen = tmpdir();
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(existsSync(seen)).toBe(false);
  });
});
