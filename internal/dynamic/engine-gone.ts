import { readFileSync } from "node:fs";

/** How often a provider process looks whether its engine is still there. */
const ENGINE_CHECK_MS = 1_000;

/**
 * A dynamic provider process whose engine is gone (a killed `pulumi up`) writes into a closed pipe:
 * each write to stderr fails with EPIPE, Pulumi's dynamic-provider host logs that uncaught error to
 * stderr again, which fails again, forever, at full CPU. A process that writes nothing is left idle
 * forever instead: Pulumi starts it through a shell script, which stays its parent after the engine
 * died. Nothing will ever read this process again: either way it ends. What it was doing is recovered
 * by the next run (creates find what they left by name).
 */
export function endWhenEngineIsGone(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EPIPE") process.exit(1);
    });
  }
  const parent = process.ppid;
  const engine = engineOf(parent);
  setInterval(() => {
    if (process.ppid !== parent || (engine !== undefined && !alive(engine))) process.exit(1);
  }, ENGINE_CHECK_MS).unref();
}

/**
 * The engine: the parent, or its parent when the parent is a shell running a script (Pulumi's
 * `pulumi-resource-pulumi-nodejs`, which does not `exec` node). Read from /proc: elsewhere, the parent
 * alone is watched (by its pid changing).
 */
function engineOf(parent: number): number | undefined {
  try {
    const [program] = readFileSync(`/proc/${parent}/cmdline`, "utf8").split("\0");
    if (!/(^|\/)(sh|dash|bash|ash)$/.test(program)) return parent;
    // /proc/<pid>/stat: "<pid> (<command>) <state> <parent pid> ..."; the command may hold spaces and parentheses.
    const stat = readFileSync(`/proc/${parent}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
