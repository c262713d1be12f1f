/**
 * The engine rows, on one stack of one busybox machine on libvirt (made once, torn down after):
 *   idle:    `machina up` with nothing to change vs `pulumi up --yes --skip-preview` of the same stack (<= 1.3x)
 *   preview: `machina preview` vs `pulumi preview` of the same stack (<= 1.3x)
 *   state:   bytes of state per libvirt machine, and how many of them are serialized provider code (<= 8 KB)
 */
const fs = require("node:fs");
const { CLI, NODE, engineEnv, libvirtEnvironment, makeProject, needLibvirt } = require("../env");
const { timed } = require("../proc");
const { paired } = require("../stats");
const { atMost } = require("../checks");

const STACK = "bench";

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

/** State bytes of the machine's resources (the stack resource and its outputs left out). */
function stateOf(project, env) {
  const exported = JSON.parse(timed("pulumi", ["stack", "export", "--stack", STACK], { cwd: project, env }).stdout);
  const resources = (exported.deployment.resources ?? []).filter((r) => r.type !== "pulumi:pulumi:Stack");
  let providerCode = 0;
  for (const r of resources)
    for (const bag of [r.inputs, r.outputs])
      if (bag && typeof bag.__provider === "string") providerCode += JSON.stringify(bag.__provider).length;
  return {
    bytes: resources.reduce((n, r) => n + JSON.stringify(r).length, 0),
    providerCodeBytes: providerCode,
    resources: resources.length,
  };
}

async function engineRows({ pairs, only }) {
  needLibvirt();
  const project = makeProject({ [STACK]: libvirtEnvironment({ image: "busybox-offline" }) });
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
      const s = stateOf(project, env);
      rows.push({
        group: "state",
        name: "state per libvirt machine",
        runs: 1,
        metrics: {
          bytes: { value: s.bytes, min: s.bytes, max: s.bytes },
          providerCodeBytes: { value: s.providerCodeBytes, min: s.providerCodeBytes, max: s.providerCodeBytes },
        },
        note: `${s.resources} resources, ${s.providerCodeBytes} bytes of them serialized provider code`,
        checks: [atMost("state bytes", s.bytes / 1000, 8, " KB")],
      });
    }
  } finally {
    timed(NODE, [CLI, "destroy", "-e", STACK, "--project-dir", project], { env, check: false });
    fs.rmSync(project, { recursive: true, force: true });
  }
  return rows;
}

module.exports = { engineRows };
