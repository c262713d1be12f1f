/** A stack's config as the engine hands it to a program: Pulumi.<stack>.yaml, objects as JSON. */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

export function stackConfig(stack: string): Record<string, string> {
  const file = path.join(__dirname, "..", "..", `Pulumi.${stack}.yaml`);
  const config = (parse(readFileSync(file, "utf8")) as { config: Record<string, unknown> }).config;
  return Object.fromEntries(
    Object.entries(config).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]),
  );
}
