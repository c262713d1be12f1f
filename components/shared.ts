import { createHash } from "node:crypto";

const perStackResources = new Map<string, unknown>();

export function contentHash(content: unknown, length = 10): string {
  return createHash("sha256").update(JSON.stringify(content)).digest("hex").slice(0, length);
}

/**
 * A resource several Machines of one stack share (an SSH key a platform will not hold twice, a
 * firewall), named by its content and created once per program run.
 */
export function sharedPerStack<T>(provider: string, kind: string, content: unknown, create: (name: string) => T): T {
  const name = `machina-${kind}-${contentHash(content)}`;
  const key = `${provider}/${name}`;
  if (!perStackResources.has(key)) perStackResources.set(key, create(name));
  return perStackResources.get(key) as T;
}
