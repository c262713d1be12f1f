import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { stackScopedName } from "../../core/naming";
import { perRun } from "./per-run";

export function contentHash(content: unknown, length = 10): string {
  return createHash("sha256").update(JSON.stringify(content)).digest("hex").slice(0, length);
}

/**
 * A resource several Machines of one stack share (a firewall, a key pair), created once per program
 * run (see perRun). `create` gets the logical name (by content, stable across releases) and the platform name,
 * which is scoped to the project and stack: two stacks in one account never share or collide.
 */
export function sharedPerStack<T>(
  provider: string,
  kind: string,
  content: unknown,
  create: (name: string, platformName: string) => T,
): T {
  const hash = contentHash(content);
  const name = `machina-${kind}-${hash}`;
  const resources = perRun<T>("shared-resources");
  const key = `${provider}/${name}`;
  if (!resources.has(key))
    resources.set(key, create(name, stackScopedName(pulumi.getProject(), pulumi.getStack(), kind, hash)));
  return resources.get(key)!;
}
