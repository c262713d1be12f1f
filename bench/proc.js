/** Running commands for the bench: wall time (hrtime), peak memory (GNU time's %M), exit code. */
const { spawn, spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const GNU_TIME = "/usr/bin/time";

/** Runs a command to its end; `ms` is wall time, `rssMiB` the peak resident memory of the process tree's largest process. */
function timed(cmd, args, options = {}) {
  const memFile = path.join(os.tmpdir(), `machina-bench-mem-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const useTime = fs.existsSync(GNU_TIME);
  const [file, argv] = useTime ? [GNU_TIME, ["-f", "%M", "-o", memFile, cmd, ...args]] : [cmd, args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(file, argv, {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    timeout: options.timeoutMs ?? 1_800_000,
    cwd: options.cwd,
    env: options.env ?? process.env,
    input: options.input,
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  let rssMiB = NaN;
  if (useTime && fs.existsSync(memFile)) {
    rssMiB = Number(fs.readFileSync(memFile, "utf8").trim().split("\n").pop()) / 1024;
    fs.rmSync(memFile, { force: true });
  }
  if (r.error) throw r.error;
  if (options.check !== false && r.status !== 0 && !(options.okCodes ?? []).includes(r.status)) {
    throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}:\n${r.stdout}\n${r.stderr}`.slice(0, 4000));
  }
  return { ms, rssMiB, code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Like timed, without waiting synchronously: the event loop stays free (banner polls run meanwhile). */
function run(cmd, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGTERM"), options.timeoutMs ?? 1_800_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (options.check !== false && code !== 0)
        reject(new Error(`${cmd} ${args.join(" ")} exited ${code}:\n${stdout}\n${stderr}`.slice(0, 4000)));
      else resolve({ code, stdout, stderr });
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

module.exports = { timed, run, sleep };
