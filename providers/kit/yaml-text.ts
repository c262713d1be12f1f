import type { ToStringOptions } from "yaml";

/** Texts made in this process, by their value and options as JSON: at most MAX_KEPT, then started afresh. */
const made = new Map<string, string>();
const MAX_KEPT = 256;

/**
 * A value as YAML text (cloud-config, seed meta-data): JSON-shaped values only (strings, numbers,
 * booleans, arrays, plain objects), so that equal JSON means equal YAML. The `yaml` package loads on
 * first use, not with the provider module: every CLI command that names a provider loads its module,
 * and most never write YAML (loading it took about a third of such a command's start-up). A text once
 * made is kept: a program of a thousand Machines with the same keys asks for the same cloud-config a
 * thousand times, and writing it each time took as much CPU as all of Machina's checks of a Machine.
 */
export function yamlText(value: unknown, options?: ToStringOptions): string {
  const key = JSON.stringify([value, options ?? null]);
  const kept = made.get(key);
  if (kept !== undefined) return kept;
  const { stringify } = require("yaml") as typeof import("yaml");
  const text = stringify(value, options);
  if (made.size >= MAX_KEPT) made.clear();
  made.set(key, text);
  return text;
}
