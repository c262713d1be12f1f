/**
 * A per-stack map in Pulumi.<stack>.yaml (`machina:power`, `machina:adopted`, ...): one entry set at a
 * time, and only that map touched. The file's other keys, its comments and its layout stay as they
 * were (the `yaml` package's Document API edits the parsed document in place); `machina:machines` is
 * never rewritten. A map set with `pulumi config set <key> '<json>'` (JSON text) becomes a map.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";

/** Sets `entry` of the map `key` (e.g. `machina:adopted`) in the stack file `file` (created when missing). */
export function setStackMapEntry(file: string, key: string, entry: string, value: unknown): void {
  const { Document, isMap, isScalar, parseDocument } = require("yaml") as typeof import("yaml");
  const parsed = parseDocument(existsSync(file) ? readFileSync(file, "utf8") : "");
  if (parsed.errors.length > 0) throw parsed.errors[0];
  const doc: import("yaml").Document = isMap(parsed.contents) ? parsed : new Document({ config: {} });
  if (!isMap(doc.get("config"))) doc.set("config", doc.createNode({}));
  const current = doc.getIn(["config", key], true);
  if (isScalar(current) && typeof current.value === "string") {
    doc.setIn(["config", key], doc.createNode(JSON.parse(current.value) as Record<string, unknown>));
  } else if (!isMap(current)) {
    doc.setIn(["config", key], doc.createNode({}));
  }
  doc.setIn(["config", key, entry], doc.createNode(value));
  writeFileSync(file, doc.toString());
}
