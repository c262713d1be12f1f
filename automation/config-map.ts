/**
 * One map under `config:` of a stack file (`machina:power`, `machina:snapshots`, `machina:adopted`), edited in place: the
 * file's other keys, its comments and its layout stay as they were (the `yaml` package's Document API
 * edits the parsed document). `machina:machines` is never rewritten.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";

/** Sets (a value) or removes (undefined) `entry` of the map `key` in the stack file `file` (created when missing). */
export function editConfigMap(file: string, key: string, entry: string, value: unknown): void {
  const { Document, isMap, isScalar, parseDocument } = require("yaml") as typeof import("yaml");
  const parsed = parseDocument(existsSync(file) ? readFileSync(file, "utf8") : "");
  if (parsed.errors.length > 0) throw parsed.errors[0];
  const doc: import("yaml").Document = isMap(parsed.contents) ? parsed : new Document({ config: {} });
  if (!isMap(doc.get("config"))) doc.set("config", doc.createNode({}));
  const current = doc.getIn(["config", key], true);
  // `pulumi config set machina:power '{"web":"stopped"}'` stores JSON text: it becomes a map.
  if (isScalar(current) && typeof current.value === "string") {
    const parsedMap = JSON.parse(current.value) as Record<string, unknown>;
    doc.setIn(["config", key], doc.createNode(parsedMap));
  } else if (!isMap(current)) {
    doc.setIn(["config", key], doc.createNode({}));
  }
  if (value !== undefined) doc.setIn(["config", key, entry], doc.createNode(value));
  else {
    doc.deleteIn(["config", key, entry]);
    // An emptied map goes with its key.
    const left = doc.getIn(["config", key], true);
    if (isMap(left) && left.items.length === 0) doc.deleteIn(["config", key]);
  }
  writeFileSync(file, doc.toString());
}

/** The map `key` of the stack file, as plain entries (empty when the file or the key is missing). */
export function readConfigMap(file: string, key: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  const { parse } = require("yaml") as typeof import("yaml");
  const config = (parse(readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null)?.config;
  const value = config?.[key];
  if (typeof value === "string" && /^\s*\{/.test(value)) return JSON.parse(value) as Record<string, unknown>;
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
