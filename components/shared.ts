import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { stackScopedName } from "./naming";

// Per program run: an Automation API process runs several stacks (or one stack twice) one after
// the other, and a resource object of an earlier run must never be reused in a later one.
const perRun = new WeakMap<object, Map<string, unknown>>();
const outsideAnyRun = new Map<string, unknown>();

function resourcesOfThisRun(): Map<string, unknown> {
  const stack = pulumi.runtime.getStackResource();
  if (!stack) return outsideAnyRun;
  let map = perRun.get(stack);
  if (!map) perRun.set(stack, (map = new Map()));
  return map;
}

export function contentHash(content: unknown, length = 10): string {
  return createHash("sha256").update(JSON.stringify(content)).digest("hex").slice(0, length);
}

/**
 * A resource several Machines of one stack share (a firewall, a key pair), created once per program
 * run. `create` gets the logical name (by content, stable across releases) and the platform name,
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
  const key = `${pulumi.getProject()}/${pulumi.getStack()}/${provider}/${name}`;
  const resources = resourcesOfThisRun();
  if (!resources.has(key)) {
    resources.set(key, create(name, stackScopedName(pulumi.getProject(), pulumi.getStack(), kind, hash)));
  }
  return resources.get(key) as T;
}
