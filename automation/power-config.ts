/**
 * The per-stack power wishes, `machina:power: { web: stopped }` in Pulumi.<stack>.yaml. Only that map
 * is touched: the file's other keys, its comments and its layout stay as they were (the `yaml` package's
 * Document API edits the parsed document in place). `machina:machines` is never rewritten.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { PowerState } from "../core/power";

export const POWER_KEY = "machina:power";

/** Records that `machine` should be `state` in the stack file `file` (created when missing). */
export function recordPowerWish(file: string, machine: string, state: PowerState): void {
  const { Document, isMap, isScalar, parseDocument } = require("yaml") as typeof import("yaml");
  const parsed = parseDocument(existsSync(file) ? readFileSync(file, "utf8") : "");
  if (parsed.errors.length > 0) throw parsed.errors[0];
  const doc: import("yaml").Document = isMap(parsed.contents) ? parsed : new Document({ config: {} });
  if (!isMap(doc.get("config"))) doc.set("config", doc.createNode({}));
  const current = doc.getIn(["config", POWER_KEY], true);
  // `pulumi config set machina:power '{"web":"stopped"}'` stores JSON text: it becomes a map.
  if (isScalar(current) && typeof current.value === "string") {
    const parsed = JSON.parse(current.value) as Record<string, unknown>;
    doc.setIn(["config", POWER_KEY], doc.createNode(parsed));
  } else if (!isMap(current)) {
    doc.setIn(["config", POWER_KEY], doc.createNode({}));
  }
  doc.setIn(["config", POWER_KEY, machine], state);
  writeFileSync(file, doc.toString());
}
