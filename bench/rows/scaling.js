/**
 * Per-machine cost at scale under Pulumi mocks: N Machines against the same resources written by hand,
 * each server wrapped in one ComponentResource (the fair comparison for CPU: a Machine is a
 * component) and unwrapped (the floor, for memory). Goals at 1000 and 3000 machines: CPU <= 1.2x the
 * wrapped program, peak memory <= 1.15x the unwrapped one. The invokes column counts data-source
 * lookups (AWS: VPC and AMI).
 */
const path = require("node:path");
const { NODE } = require("../env");
const { timed } = require("../proc");
const { rounds } = require("../stats");
const { atMost } = require("../checks");

const PROGRAM = path.join(__dirname, "scaling-program.js");

function program(side, provider, count) {
  return () => {
    const r = timed(NODE, [PROGRAM, side, provider, String(count)], { timeoutMs: 1_800_000 });
    return JSON.parse(r.stdout.trim().split("\n").pop());
  };
}

async function scalingRows({ pairs, machines }) {
  const rows = [];
  for (const provider of ["hetzner", "aws"]) {
    for (const count of machines) {
      const big = count >= 1000;
      const got = await rounds({
        // One round at 3000 takes minutes here: fewer rounds at scale.
        pairs: count >= 3000 ? 1 : big ? Math.min(pairs, 2) : pairs,
        warmup: big ? 0 : 1,
        sides: {
          machina: program("machina", provider, count),
          wrapped: program("wrapped", provider, count),
          unwrapped: program("unwrapped", provider, count),
        },
      });
      const gate = count >= 1000;
      for (const [baseline, result] of Object.entries(got)) {
        const checks = [];
        if (gate && baseline === "wrapped") checks.push(atMost("CPU vs wrapped", result.metrics.cpuMs.ratio, 1.2));
        if (gate && baseline === "unwrapped")
          checks.push(atMost("peak memory vs unwrapped", result.metrics.rssMiB.ratio, 1.15));
        rows.push({
          group: "scaling",
          name: `${count} Machines on ${provider} (mocks)`,
          baseline: `hand-written, ${baseline}`,
          ...result,
          checks,
        });
      }
    }
  }
  return rows;
}

module.exports = { scalingRows };
