/**
 * scripts/libvirt-daemon.sh without a real daemon: fake virsh, libvirtd, virtlogd and pgrep on PATH,
 * and a run folder of its own. Several callers share one daemon; it stops with the last caller's stop,
 * whichever started it, and a daemon the script did not start is never stopped.
 */
import type { ChildProcess } from "node:child_process";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const script = path.resolve(__dirname, "../../scripts/libvirt-daemon.sh");

let dir: string;
let runDir: string;
let holders: ChildProcess[];

/** A fake daemon: `-p PIDFILE` gets the pid of a detached sleeper, as `-d` daemons do. */
const fakeDaemon = `#!/usr/bin/env bash
pidfile=
while [ $# -gt 0 ]; do case "$1" in -p) pidfile=$2; shift ;; esac; shift; done
sleep 300 </dev/null >/dev/null 2>&1 &
echo $! > "$pidfile"
echo $! >> "$FAKE_DIR/spawned"
`;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "machina-daemon-script-"));
  runDir = path.join(dir, "run");
  holders = [];
  const bin = path.join(dir, "bin");
  mkdirSync(bin);
  const fakes: Record<string, string> = {
    libvirtd: fakeDaemon,
    virtlogd: fakeDaemon,
    // Answers while the fake libvirtd runs, or while a "system" daemon (not this script's) is up.
    virsh: `#!/usr/bin/env bash
[ -f "$FAKE_DIR/system-daemon" ] && exit 0
[ -f "$MACHINA_LIBVIRT_RUN_DIR/libvirtd.pid" ] && kill -0 "$(cat "$MACHINA_LIBVIRT_RUN_DIR/libvirtd.pid")" 2>/dev/null
`,
    pgrep: `#!/usr/bin/env bash
[ -f "$MACHINA_LIBVIRT_RUN_DIR/virtlogd.pid" ] && kill -0 "$(cat "$MACHINA_LIBVIRT_RUN_DIR/virtlogd.pid")" 2>/dev/null
`,
  };
  for (const [name, text] of Object.entries(fakes)) {
    writeFileSync(path.join(bin, name), text);
    chmodSync(path.join(bin, name), 0o755);
  }
});

afterEach(() => {
  for (const h of holders) h.kill();
  const spawned = path.join(dir, "spawned");
  if (existsSync(spawned)) {
    for (const pid of readFileSync(spawned, "utf8").split("\n").filter(Boolean)) {
      try {
        process.kill(Number(pid));
      } catch {
        // already stopped
      }
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

/** A process standing for one caller (a test run's shell). */
function holder(): number {
  const h = spawn("sleep", ["120"], { stdio: "ignore" });
  holders.push(h);
  return h.pid!;
}

function daemon(action: "start" | "stop" | "status", holderPid?: number, wrapper: string[] = []) {
  const [command, ...args] = [...wrapper, "bash", script, action];
  const r = spawnSync(command, args, {
    encoding: "utf8",
    timeout: 20_000,
    env: {
      ...process.env,
      PATH: `${path.join(dir, "bin")}:${process.env.PATH}`,
      FAKE_DIR: dir,
      MACHINA_LIBVIRT_RUN_DIR: runDir,
      MACHINA_LIBVIRT_SYSTEM_SETUP: "0",
      ...(holderPid ? { MACHINA_LIBVIRT_HOLDER: String(holderPid) } : {}),
    },
  });
  return { code: r.status, stderr: r.stderr };
}

const answers = () => daemon("status").code === 0;
const alive = (pidfile: string) => {
  try {
    process.kill(Number(readFileSync(path.join(runDir, pidfile), "utf8")), 0);
    return true;
  } catch {
    return false;
  }
};

describe("scripts/libvirt-daemon.sh", () => {
  it("start starts virtlogd and libvirtd; the same caller's stop stops both", () => {
    const a = holder();
    expect(answers()).toBe(false);
    expect(daemon("start", a)).toMatchObject({ code: 0, stderr: expect.stringMatching(/libvirtd started in \d+ ms/) });
    expect(answers()).toBe(true);
    const pids = ["virtlogd.pid", "libvirtd.pid"].map((f) => readFileSync(path.join(runDir, f), "utf8").trim());
    expect(daemon("stop", a)).toMatchObject({ code: 0, stderr: expect.stringContaining("stopped") });
    expect(answers()).toBe(false);
    for (const pid of pids) expect(() => process.kill(Number(pid), 0)).toThrow();
  });

  it("a second start does not forget who started it: the daemon runs until the last caller stops", () => {
    const [a, b] = [holder(), holder()];
    expect(daemon("start", a).code).toBe(0);
    expect(daemon("start", b)).toMatchObject({ code: 0, stderr: expect.stringContaining("already answers") });
    // The first caller is done while the second still uses the daemon: it stays.
    expect(daemon("stop", a)).toMatchObject({ code: 0, stderr: expect.stringContaining(`still used by pid ${b}`) });
    expect(answers()).toBe(true);
    // The last one out stops what the first one started: nothing leaks.
    expect(daemon("stop", b)).toMatchObject({ code: 0, stderr: expect.stringContaining("stopped") });
    expect(answers()).toBe(false);
    expect(alive("libvirtd.pid") || alive("virtlogd.pid")).toBe(false);
  });

  it("the daemons keep no descriptor of their caller's: a lock held around start is free after it", () => {
    const lock = path.join(dir, "heavy.lock");
    writeFileSync(lock, "");
    // `flock FILE cmd` hands its lock to cmd as a descriptor; a daemon inheriting it would hold it forever.
    expect(daemon("start", holder(), ["flock", lock]).code).toBe(0);
    expect(answers()).toBe(true);
    expect(spawnSync("flock", ["-n", lock, "true"]).status).toBe(0);
  });

  it("the same holds when the starter stops last", () => {
    const [a, b] = [holder(), holder()];
    daemon("start", a);
    daemon("start", b);
    daemon("stop", b);
    expect(answers()).toBe(true);
    daemon("stop", a);
    expect(answers()).toBe(false);
  });

  it("a caller whose process is gone (killed before its stop) no longer keeps the daemon", async () => {
    const a = holder();
    daemon("start", a);
    const gone = new Promise((resolve) => holders[0].once("exit", resolve));
    holders[0].kill("SIGKILL");
    await gone;
    const b = holder();
    daemon("start", b);
    expect(daemon("stop", b)).toMatchObject({ code: 0, stderr: expect.stringContaining("stopped") });
    expect(answers()).toBe(false);
  });

  it("a daemon the script did not start is never stopped", () => {
    writeFileSync(path.join(dir, "system-daemon"), "");
    const a = holder();
    expect(daemon("start", a)).toMatchObject({ code: 0, stderr: expect.stringContaining("already answers") });
    expect(daemon("stop", a)).toMatchObject({ code: 0, stderr: expect.stringContaining("nothing was started here") });
    expect(existsSync(path.join(dir, "spawned"))).toBe(false);
    expect(answers()).toBe(true);
  });
});
