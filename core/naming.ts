/**
 * Names on the platform. A platform name must be unique per (project, stack, Machine): two Machines
 * that get the same name would replace or delete each other's machine. A name whose platform form
 * is lossless keeps exactly that form; any lossy step (case, characters, truncation) adds a short hash
 * of what was lost, so distinct inputs keep distinct names.
 */
export const DNS_LABEL_MAX = 63;
const HASH_LENGTH = 8;
const DNS_LABEL = /^[a-z]([a-z0-9-]*[a-z0-9])?$/;

export function shortHash(text: string, length = HASH_LENGTH): string {
  // node:crypto loads on the first hash: CLI commands that name nothing start without it.
  const { createHash } = require("node:crypto") as typeof import("node:crypto");
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/** Lowercase letters, digits and single hyphens, starting with a letter; may lose information. */
function cleanLabel(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^[^a-z]+/, "")
    .replace(/-+$/, "");
}

function withHash(cleaned: string, identity: string, max: number): string {
  const room = max - HASH_LENGTH - 1;
  const head = cleaned.slice(0, room).replace(/-+$/, "");
  return head ? `${head}-${shortHash(identity)}` : `m-${shortHash(identity)}`.slice(0, max);
}

/**
 * A readable DNS label of at most `max` characters (a host name, a tag). Lossy: use platformNameFor
 * or derivedName where the label must be unique.
 */
export function toDnsLabel(text: string, max = DNS_LABEL_MAX): string {
  const cleaned = cleanLabel(text);
  return cleaned.length <= max ? cleaned : withHash(cleaned, text, max);
}

/**
 * The platform name of a machine: `<project>-<stack>-<machine>` when that is already a valid DNS
 * label, else its cleaned form plus a hash of the exact (project, stack, Machine) tuple.
 */
export function platformNameFor(project: string, stack: string, name: string): string {
  const joined = `${project}-${stack}-${name}`;
  if (joined.length <= DNS_LABEL_MAX && DNS_LABEL.test(joined) && !joined.includes("--")) return joined;
  return withHash(cleanLabel(joined), JSON.stringify([project, stack, name]), DNS_LABEL_MAX);
}

/**
 * A name derived from a unique platform name (`<name>-fw-0`, `machina-<name>`): kept whole when it
 * fits, otherwise shortened with a hash of the whole, so derived names stay as unique as their base.
 */
export function derivedName(prefix: string, base: string, suffix: string, max = DNS_LABEL_MAX): string {
  const whole = `${prefix}${base}${suffix}`;
  if (whole.length <= max) return whole;
  const room = max - prefix.length - suffix.length - HASH_LENGTH - 1;
  return `${prefix}${base.slice(0, Math.max(room, 1)).replace(/-+$/, "")}-${shortHash(whole)}${suffix}`;
}

/**
 * The platform name of a resource several Machines of one stack share: scoped to the project and
 * stack (two stacks in one account never share or collide), then the hash of its content.
 */
export function stackScopedName(
  project: string,
  stack: string,
  kind: string,
  contentHash: string,
  max = DNS_LABEL_MAX,
): string {
  return derivedName("machina-", platformNameFor(project, stack, kind), `-${contentHash}`, max);
}
