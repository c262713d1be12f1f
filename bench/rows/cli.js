/**
 * CLI start-up: `machina providers`, `info aws` and `validate -e production -p hetzner` against
 * `node -e 0` (the floor of any Node command) and against `pulumi version` (the engine's own CLI).
 * Goals: time <= 2.0x `node -e 0` and <= 1.0x `pulumi version`, peak memory <= 60 MiB.
 */
const { CLI, NODE, ROOT, engineBin } = require("../env");
const { timed } = require("../proc");
const { paired } = require("../stats");
const { atMost } = require("../checks");

const COMMANDS = [
  ["providers"],
  ["info", "aws"],
  // No credentials here: validate reports them missing (exit 1); the start-up is what is measured.
  ["validate", "-e", "production", "-p", "hetzner"],
];

async function cliRows({ pairs }) {
  const env = { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true", PATH: `${engineBin()}:${process.env.PATH}` };
  const node0 = () => timed(NODE, ["-e", "0"], { env });
  const pulumiVersion = () => timed("pulumi", ["version"], { env });
  const rows = [];
  for (const args of COMMANDS) {
    const machina = () => timed(NODE, [CLI, ...args], { cwd: ROOT, env, okCodes: [1] });
    const vsNode = await paired({ pairs, a: pick(machina), b: pick(node0) });
    const vsPulumi = await paired({ pairs, a: pick(machina), b: pick(pulumiVersion) });
    const name = `machina ${args.join(" ")}`;
    rows.push({
      group: "cli",
      name,
      baseline: "node -e 0",
      ...vsNode,
      checks: [
        atMost("time vs node -e 0", vsNode.metrics.ms.ratio, 2.0),
        atMost("peak memory", vsNode.metrics.rssMiB.a, 60, " MiB"),
      ],
    });
    rows.push({
      group: "cli",
      name,
      baseline: "pulumi version",
      ...vsPulumi,
      checks: [atMost("time vs pulumi version", vsPulumi.metrics.ms.ratio, 1.0)],
    });
  }
  return rows;
}

const pick = (fn) => () => {
  const r = fn();
  return { ms: r.ms, rssMiB: r.rssMiB };
};

module.exports = { cliRows };
