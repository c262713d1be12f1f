/** The bench's results as a markdown table (pasted into the README between its bench markers). */
const fs = require("node:fs");
const path = require("node:path");

const UNITS = {
  ms: "s",
  userDataMs: "s",
  resizeMs: "s",
  stopMs: "s",
  cpuMs: "s CPU",
  rssMiB: "MiB",
  bytes: "B",
  providerCodeBytes: "B",
  invokes: "invokes",
};
const SHOWN = ["ms", "cpuMs", "userDataMs", "rssMiB", "invokes", "resizeMs", "stopMs", "bytes", "providerCodeBytes"];

function fmt(metric, v) {
  if (!Number.isFinite(v)) return "-";
  if (UNITS[metric]?.startsWith("s")) return `${(v / 1000).toFixed(v < 1000 ? 3 : v < 10000 ? 2 : 1)} ${UNITS[metric]}`;
  if (metric === "rssMiB") return `${v.toFixed(0)} MiB`;
  return `${Math.round(v)} ${UNITS[metric] ?? ""}`.trim();
}

function measured(row) {
  const parts = [];
  for (const k of SHOWN) {
    const m = row.metrics?.[k];
    if (!m) continue;
    if ("ratio" in m) {
      if (k === "invokes" && m.a === 0 && m.b === 0) continue;
      const ratio = Number.isFinite(m.ratio)
        ? ` = ${m.ratio.toFixed(2)}x (${m.min.toFixed(2)}-${m.max.toFixed(2)})`
        : "";
      parts.push(`${k === "rssMiB" ? "peak " : ""}${fmt(k, m.a)} / ${fmt(k, m.b)}${ratio}`);
    } else {
      parts.push(`${k}: ${fmt(k, m.value)} (${fmt(k, m.min)}-${fmt(k, m.max)})`);
    }
  }
  return parts.join("; ");
}

function checkText(c) {
  if (c.value === undefined) return `${c.what} **FAIL**`;
  const v = c.unit === "x" ? `${c.value.toFixed(2)}x` : `${c.value.toFixed(c.value < 10 ? 2 : 1)}${c.unit}`;
  return `${c.what} ${v} <= ${c.limit}${c.unit} **${c.pass ? "PASS" : "FAIL"}**`;
}

function markdown(results) {
  const lines = [
    `Bench of ${results.date.slice(0, 16).replace("T", " ")} UTC on ${results.machine} (load average at start ${results.load}); ` +
      "Machina / baseline, medians of paired alternated runs, ratio = median of the pairs' ratios (min-max).",
    "",
    "| what | baseline | Machina / baseline | runs | target |",
    "|---|---|---|---|---|",
  ];
  for (const r of results.rows) {
    if (r.skipped) {
      lines.push(`| ${r.name} | | skipped: ${r.skipped} | | |`);
      continue;
    }
    const note = r.note ? ` (${r.note})` : "";
    lines.push(
      `| ${r.name} | ${r.baseline ?? "(absolute)"} | ${measured(r)}${note} | ${r.runs} | ${r.checks.map(checkText).join("; ") || "-"} |`,
    );
  }
  return lines.join("\n") + "\n";
}

const START = "<!-- bench:start -->";
const END = "<!-- bench:end -->";

/** Replaces the README's bench section (between the markers) with the table. */
function writeReadme(root, table) {
  const file = path.join(root, "README.md");
  const text = fs.readFileSync(file, "utf8");
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md has no ${START} ... ${END} section`);
  fs.writeFileSync(file, text.slice(0, a + START.length) + "\n" + table + text.slice(b));
}

module.exports = { markdown, writeReadme };
