/** Reading the YAML files Pulumi reads (Pulumi.yaml, Pulumi.<stack>.yaml). */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { StackFileError } from "../core/errors";

/** How a file is named in messages: relative to the working directory when inside it. */
function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : file;
}

/**
 * A YAML file Pulumi reads (Pulumi.yaml, Pulumi.<stack>.yaml) as a plain object. Syntax errors,
 * duplicate keys and a top level or `config` that is not a map throw a StackFileError naming the file,
 * line and column of each, with the offending line.
 */
export function readYamlFile(file: string): Record<string, unknown> {
  const text = readFileSync(file, "utf8");
  const last = lastParse.get(file);
  if (last?.text === text) return structuredClone(last.value);
  const value = quickParse(text) ?? parseWithPositions(file, text);
  lastParse.set(file, { text, value: structuredClone(value) });
  return value;
}

/** Each file's last parse, reused while its text is the same: one command reads Pulumi.yaml several times. */
const lastParse = new Map<string, { text: string; value: Record<string, unknown> }>();

type JsYaml = { load(text: string, options: { schema: unknown }): unknown; CORE_SCHEMA: unknown };

/**
 * A well-formed file, read by js-yaml with YAML 1.2's core schema (as `yaml` reads it, but in a third of
 * the time on a command's cold start; the two differ only on scalars such as 0b101 and +.5). Undefined for
 * anything it refuses or whose shape is wrong, which parseWithPositions then reports.
 */
function quickParse(text: string): Record<string, unknown> | undefined {
  const { load, CORE_SCHEMA } = require("js-yaml") as JsYaml;
  let value: unknown;
  try {
    value = load(text, { schema: CORE_SCHEMA });
  } catch {
    return undefined;
  }
  if (value === undefined || value === null) return {};
  if (!isPlainMap(value)) return undefined;
  const config = value.config;
  return config === undefined || config === null || isPlainMap(config) ? value : undefined;
}

const isPlainMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** The file read by `yaml`, whose errors name their line and column: what is wrong with it, or its content. */
function parseWithPositions(file: string, text: string): Record<string, unknown> {
  // Loaded here, not at the top: commands that read no stack file start without it.
  const { isMap, parseDocument } = require("yaml") as typeof import("yaml");
  const doc = parseDocument(text);
  const problems: { line: number; column: number; message: string }[] = [];
  for (const e of doc.errors) {
    const [line, column] = e.linePos ? [e.linePos[0].line, e.linePos[0].col] : [1, 1];
    // The message repeats the position and an excerpt: keep the description and the excerpt.
    const [description, ...excerpt] = e.message.split("\n");
    const lines = excerpt.filter((l) => l.trim() !== "").map((l) => `    ${l}`);
    problems.push({
      line,
      column,
      message: [description.replace(/ at line \d+, column \d+:?$/, ""), ...lines].join("\n"),
    });
  }
  const position = (node: { range?: [number, number, number] | null } | null | undefined) => {
    const offset = node?.range?.[0] ?? 0;
    const before = text.slice(0, offset).split("\n");
    return { line: before.length, column: before[before.length - 1].length + 1 };
  };
  if (problems.length === 0 && doc.contents !== null && !isMap(doc.contents)) {
    problems.push({
      ...position(doc.contents),
      message: "the file must be a map of keys (name:, runtime:, config:, ...)",
    });
  }
  if (problems.length === 0 && isMap(doc.contents)) {
    const config = doc.contents.get("config", true) as { range?: [number, number, number] } | undefined;
    if (config !== undefined && config !== null && !isMap(config) && (config as { value?: unknown }).value !== null) {
      problems.push({
        ...position(config),
        message: "config must be a map of key: value lines (e.g. machina:provider: hetzner)",
      });
    }
  }
  if (problems.length > 0) throw new StackFileError(displayPath(file), problems);
  return (doc.toJS() ?? {}) as Record<string, unknown>;
}
