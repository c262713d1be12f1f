/**
 * The engine rows, on one stack of one busybox machine on libvirt (made once, torn down after):
 *   idle:    `machina up` with nothing to change vs `pulumi up --yes --skip-preview` of the same stack (<= 1.3x)
 *   preview: `machina preview` vs `pulumi preview` of the same stack (<= 1.3x)
 *   state:   bytes of state a further libvirt machine adds (<= 8 KB), from this stack and one of three machines;
 *            with the one-machine stack's total and what of it is per stack (shared component, the dynamic
 *            providers' provider, the base image) and per machine
 */
const fs = require("node:fs");
const { CLI, NODE, engineEnv, libvirtEnvironment, makeProject, needLibvirt } = require("../env");
const { timed } = require("../proc");
const { paired } = require("../stats");
const { atMost } = require("../checks");

const STACK = "bench";
/** The same machine three times, for the bytes each further machine adds. */
const STACK3 = "bench3";
const MACHINE_TYPE = "machina:index:Machine";

function machina(project, env, ...args) {
  return () => {
    const r = timed(NODE, [CLI, ...args, "-e", STACK, "--project-dir", project], { env });
    return { ms: r.ms, rssMiB: r.rssMiB };
  };
}

function pulumi(project, env, ...args) {
  return () => {
    const r = timed("pulumi", [...args, "--stack", STACK, "--non-interactive"], { cwd: project, env });
    return { ms: r.ms, rssMiB: r.rssMiB };
  };
}

/**
 * The stack's state (its stack resource left out), split into what belongs to a Machine (the Machine and
 * every resource under it) and what the stack holds once (shared components, the dynamic providers'
 * provider, a base image), with the bytes of serialized provider code and of the SDK's stack traces.
 */
function stateOf(project, env, stack) {
  const exported = JSON.parse(timed("pulumi", ["stack", "export", "--stack", stack], { cwd: project, env }).stdout);
  const resources = (exported.deployment.resources ?? []).filter((r) => r.type !== "pulumi:pulumi:Stack");
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const inMachine = (r) => {
    for (let at = r, hops = 0; at && hops < 64; at = byUrn.get(at.parent), hops++)
      if (at.type === MACHINE_TYPE) return true;
    return false;
  };
  const size = (value) => (value === undefined ? 0 : JSON.stringify(value).length);
  const out = { bytes: 0, perMachineBytes: 0, perStackBytes: 0, providerCodeBytes: 0, stackTraceBytes: 0, types: {} };
  for (const r of resources) {
    const bytes = size(r);
    out.bytes += bytes;
    if (inMachine(r)) out.perMachineBytes += bytes;
    else out.perStackBytes += bytes;
    const type = r.type.split(":").pop();
    out.types[type] = (out.types[type] ?? 0) + bytes;
    for (const bag of [r.inputs, r.outputs])
      if (bag && typeof bag.__provider === "string") out.providerCodeBytes += size(bag.__provider);
    out.stackTraceBytes += size(r.stackTrace);
  }
  out.resources = resources.length;
  return out;
}

const fixed = (value) => ({ value, min: value, max: value });

async function engineRows({ pairs, only }) {
  needLibvirt();
  const project = makeProject({
    [STACK]: libvirtEnvironment({ image: "busybox-offline" }),
    [STACK3]: libvirtEnvironment({ image: "busybox-offline", names: ["box", "box2", "box3"] }),
  });
  const env = engineEnv(project);
  const rows = [];
  try {
    timed(NODE, [CLI, "up", "-e", STACK, "--project-dir", project], { env });
    if (only.has("idle")) {
      const r = await paired({
        pairs,
        a: machina(project, env, "up"),
        b: pulumi(project, env, "up", "--yes", "--skip-preview"),
      });
      rows.push({
        group: "idle",
        name: "idle machina up (1 VM, no changes)",
        baseline: "pulumi up --yes --skip-preview",
        ...r,
        checks: [atMost("time", r.metrics.ms.ratio, 1.3)],
      });
    }
    if (only.has("preview")) {
      const r = await paired({ pairs, a: machina(project, env, "preview"), b: pulumi(project, env, "preview") });
      rows.push({
        group: "preview",
        name: "machina preview (1 VM)",
        baseline: "pulumi preview",
        ...r,
        checks: [atMost("time", r.metrics.ms.ratio, 1.3)],
      });
    }
    if (only.has("state")) {
      timed(NODE, [CLI, "up", "-e", STACK3, "--project-dir", project], { env });
      const one = stateOf(project, env, STACK);
      const three = stateOf(project, env, STACK3);
      // What each further machine adds: the per-stack resources are there once in both stacks.
      const perMachine = Math.round((three.bytes - one.bytes) / 2);
      const types = Object.entries(one.types)
        .map(([t, b]) => `${t} ${b}`)
        .join(", ");
      rows.push({
        group: "state",
        name: "state per libvirt machine (a further machine)",
        runs: 1,
        metrics: {
          bytes: fixed(perMachine),
          oneMachineStackBytes: fixed(one.bytes),
          perStackBytes: fixed(one.perStackBytes),
          stackTraceBytes: fixed(one.stackTraceBytes),
          providerCodeBytes: fixed(one.providerCodeBytes),
        },
        note:
          `a further machine adds ${perMachine} B (3-machine stack ${three.bytes} B); the 1-machine stack ` +
          `(${one.resources} resources) is ${one.bytes} B: ${one.perMachineBytes} B its machine's, ` +
          `${one.perStackBytes} B once per stack; by type: ${types}; of all that ${one.stackTraceBytes} B are ` +
          `the SDK's stack traces and ${one.providerCodeBytes} B provider code`,
        checks: [atMost("state bytes per further machine", perMachine / 1000, 8, " KB")],
      });
    }
  } finally {
    for (const stack of [STACK3, STACK])
      timed(NODE, [CLI, "destroy", "-e", stack, "--project-dir", project], { env, check: false });
    fs.rmSync(project, { recursive: true, force: true });
  }
  return rows;
}

module.exports = { engineRows };
