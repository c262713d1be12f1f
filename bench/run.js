#!/usr/bin/env node
/**
 * `npm run bench [-- --only cli,idle,...] [--pairs N] [--machines 1,100] [--write-readme]`
 *
 * Every row is a ratio against a baseline measured in the same run (sides alternated, medians of
 * pairs, runs and spread reported) or an absolute goal, each with PASS/FAIL. Results go to
 * .bench/results.json and .bench/results.md; --write-readme puts the table into README.md.
 *
 * Groups: cli (start-up vs `node -e 0` and `pulumi version`), scaling (Machines under mocks vs
 * hand-written), idle (`machina up` vs `pulumi up`), preview, state (bytes per libvirt machine),
 * busybox and debian (create to ready vs virsh), resize (Debian). The default is the quick set:
 * cli, scaling at 1 and 100 machines, idle, preview, state; `--only all` runs everything. The npm
 * script holds /tmp/machina-heavy.lock for the whole run.
 */
const fs = require("node:fs");
const path = require("node:path");
const { parseArgs } = require("node:util");
const { ROOT, Skip, loadAverage, machineInfo } = require("./env");
const { markdown, writeReadme } = require("./report");

const GROUPS = ["cli", "scaling", "idle", "preview", "state", "busybox", "debian", "resize"];
const QUICK = ["cli", "scaling", "idle", "preview", "state"];

const { values } = parseArgs({
  options: {
    only: { type: "string" },
    pairs: { type: "string" },
    machines: { type: "string" },
    "write-readme": { type: "boolean", default: false },
  },
});
const onlyList = values.only === "all" ? GROUPS : (values.only?.split(",").map((s) => s.trim()) ?? QUICK);
for (const g of onlyList)
  if (!GROUPS.includes(g)) throw new Error(`unknown group ${g}: one of ${GROUPS.join(", ")}, all`);
const only = new Set(onlyList);
const pairs = Number(values.pairs ?? 7);
const machines = (values.machines ?? (values.only ? "1,100,1000,3000" : "1,100")).split(",").map(Number);

let written = () => undefined;

async function section(name, rows, fn) {
  const t0 = Date.now();
  process.stderr.write(`bench: ${name} ...\n`);
  try {
    rows.push(...(await fn()));
  } catch (e) {
    // A row that cannot run here is skipped; one that broke is reported as a failure, and the rest run.
    if (e instanceof Skip) rows.push({ group: name, name, skipped: e.message, checks: [] });
    else {
      process.stderr.write(`bench: ${name} failed: ${e.stack ?? e}\n`);
      const what = `${name}: ${String(e.message ?? e)
        .split("\n")[0]
        .slice(0, 200)}`;
      rows.push({ group: name, name, skipped: `failed (${what})`, checks: [{ what, pass: false }] });
    }
  }
  process.stderr.write(`bench: ${name} done in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  written();
}

(async () => {
  if (!fs.existsSync(path.join(ROOT, "dist/automation/cli.js")))
    throw new Error("dist/ is missing: npm run build first");
  const out = path.join(ROOT, ".bench");
  fs.mkdirSync(out, { recursive: true });
  const results = {
    date: new Date().toISOString(),
    machine: machineInfo(),
    load: loadAverage(),
    only: [...only],
    pairs,
    rows: [],
  };
  const rows = results.rows;
  // What is measured so far is on disk after each section: a long run stopped half-way keeps it.
  written = () => {
    fs.writeFileSync(path.join(out, "results.json"), JSON.stringify(results, null, 2));
    fs.writeFileSync(path.join(out, "results.md"), markdown(results));
  };
  if (only.has("cli")) await section("cli", rows, () => require("./rows/cli").cliRows({ pairs }));
  if (only.has("scaling"))
    await section("scaling", rows, () => require("./rows/scaling").scalingRows({ pairs, machines }));
  if (["idle", "preview", "state"].some((g) => only.has(g)))
    await section("engine", rows, () => require("./rows/engine").engineRows({ pairs, only }));
  for (const [guest, groups] of [
    ["busybox", ["busybox"]],
    ["debian", ["debian", "resize"]],
  ]) {
    const wanted = new Set(groups.filter((g) => only.has(g)));
    if (wanted.size > 0)
      await section(guest, rows, () =>
        require("./rows/libvirt").libvirtRows({ pairs: Math.min(pairs, guest === "debian" ? 1 : 3), only: wanted }),
      );
  }
  results.loadAfter = loadAverage();
  const table = markdown(results);
  fs.writeFileSync(path.join(out, "results.json"), JSON.stringify(results, null, 2));
  fs.writeFileSync(path.join(out, "results.md"), table);
  if (values["write-readme"]) writeReadme(ROOT, table);
  process.stdout.write(table);
  const failed = rows.flatMap((r) => r.checks).filter((c) => !c.pass).length;
  process.stdout.write(`\nbench: ${rows.flatMap((r) => r.checks).length - failed} PASS, ${failed} FAIL\n`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
