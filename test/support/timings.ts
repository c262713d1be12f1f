import { appendFileSync, mkdirSync } from "node:fs";
import * as path from "node:path";

const FILE = path.resolve(__dirname, "../../.test-results/timings.jsonl");

/** Records a measured duration for the closing note and the CI log; never asserts on it. */
export function recordTiming(label: string, ms: number): void {
  mkdirSync(path.dirname(FILE), { recursive: true });
  appendFileSync(FILE, `${JSON.stringify({ label, seconds: Math.round(ms / 100) / 10 })}\n`);
  process.stdout.write(`timing: ${label}: ${(ms / 1000).toFixed(1)} s\n`);
}
