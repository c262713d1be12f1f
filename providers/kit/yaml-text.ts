import type { ToStringOptions } from "yaml";

/**
 * A value as YAML text (cloud-config, seed meta-data). The `yaml` package loads on first use, not
 * with the provider module: every CLI command that names a provider loads its module, and most never
 * write YAML (loading it took about a third of such a command's start-up).
 */
export function yamlText(value: unknown, options?: ToStringOptions): string {
  const { stringify } = require("yaml") as typeof import("yaml");
  return stringify(value, options);
}
