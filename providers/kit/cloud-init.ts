/** Cloud-init documents Machina adds to a machine's user data, and how they merge with the user's. */
import type { MimeEntity } from "./mime-parts";
import { contentType, entityText, headerValue, isMimeMessage, leafEntities, sevenBit } from "./mime-parts";
import { yamlText } from "./yaml-text";

/** A cloud-config that creates `user` (passwordless sudo) with the keys, and sets the host name. */
export function userCloudConfig(hostname: string, user: string, sshKeys: string[]): string {
  return `#cloud-config\n${yamlText(
    {
      hostname,
      preserve_hostname: false,
      users: [
        "default",
        {
          name: user,
          sudo: "ALL=(ALL) NOPASSWD:ALL",
          shell: "/bin/bash",
          lock_passwd: true,
          ssh_authorized_keys: sshKeys,
        },
      ],
      ssh_pwauth: false,
    },
    { lineWidth: 0 },
  )}`;
}

/** A cloud-config that adds keys to the image's default user (for platforms that install one key). */
export function keysCloudConfig(sshKeys: string[], options: { passwordLogin?: false } = {}): string {
  const config =
    options.passwordLogin === false
      ? { ssh_authorized_keys: sshKeys, ssh_pwauth: false }
      : { ssh_authorized_keys: sshKeys };
  return `#cloud-config\n${yamlText(config, { lineWidth: 0 })}`;
}

/**
 * How a later cloud-config part merges into the earlier ones: lists appended, so the user's `users:`,
 * `runcmd:` or `write_files:` add to Machina's instead of replacing them; keys already set are kept.
 */
export const MERGE_TYPE = "list(append)+dict(no_replace,recurse_list)+str()";

/** The boundary of every earlier Machina release, kept first so their machines' user data stays byte for byte. */
export const FIRST_BOUNDARY = "MACHINA-BOUNDARY-7d1e4c";

/** The n-th boundary Machina tries: the first one, then numbered ones. */
export function boundaryCandidate(n: number): string {
  return n === 0 ? FIRST_BOUNDARY : `${FIRST_BOUNDARY}-${n}`;
}

/**
 * The first candidate boundary that occurs in none of the texts, so no part can end the message early.
 * Each text holds at most length/|boundary| distinct candidates, so the search ends within that many steps.
 */
export function chooseBoundary(texts: string[]): string {
  for (let n = 0; ; n++) {
    const candidate = boundaryCandidate(n);
    if (!texts.some((t) => t.includes(candidate))) return candidate;
  }
}

// cloud-init's own table of first lines (longest first, compared in lower case after leading blanks).
const FIRST_LINE_TYPES: [string, string][] = [
  ["#cloud-config-archive", "text/cloud-config-archive"],
  ["#cloud-config-jsonp", "text/cloud-config-jsonp"],
  ["## template: jinja", "text/jinja2"],
  ["#cloud-boothook", "text/cloud-boothook"],
  ["#cloud-config", "text/cloud-config"],
  ["#include-once", "text/x-include-once-url"],
  ["#part-handler", "text/part-handler"],
  ["#include", "text/x-include-url"],
  ["#!", "text/x-shellscript"],
];

/** The part type cloud-init gives a user data text by its first line; text/plain lets it decide itself. */
export function partType(text: string): string {
  const start = text.trimStart().toLowerCase();
  return FIRST_LINE_TYPES.find(([prefix]) => start.startsWith(prefix))?.[1] ?? "text/plain";
}

/** Types that are, or may turn into, a cloud-config: the ones Machina's merge type applies to. */
const MERGING_TYPES = ["text/cloud-config", "text/jinja2", "text/plain"];

function textPart(body: string, type: string, merge: boolean): MimeEntity {
  return {
    headerLines: [
      `Content-Type: ${type}; charset="utf-8"`,
      "MIME-Version: 1.0",
      ...(merge ? [`Merge-Type: ${MERGE_TYPE}`] : []),
    ],
    body: body.endsWith("\n") ? body : `${body}\n`,
  };
}

/**
 * The user's user data as parts: one part for a text, or the leaf parts of a MIME message (nested
 * multiparts flattened). A part that may be a cloud-config and names no merge type gets Machina's.
 */
function userParts(userData: string): MimeEntity[] {
  if (!isMimeMessage(userData)) {
    const type = partType(userData);
    return [textPart(userData, type, MERGING_TYPES.includes(type))];
  }
  return leafEntities(userData).map((part) =>
    MERGING_TYPES.includes(contentType(part)) &&
    headerValue(part, "Merge-Type") === undefined &&
    headerValue(part, "X-Merge-Type") === undefined
      ? { ...part, headerLines: [...part.headerLines, `Merge-Type: ${MERGE_TYPE}`] }
      : part,
  );
}

/**
 * Machina's cloud-configs and the user's user data as one flat MIME multipart, so a script works as
 * well as a cloud-config, and the user's cloud-config merges into Machina's (see MERGE_TYPE). Machina's
 * parts come first and in order; each after the first merges like the user's. User data that is
 * already a multipart has its parts taken in, never nested; non-ASCII text goes base64-encoded (see
 * sevenBit). The boundary occurs in no part. Without user data and with one part of Machina's, that
 * part alone.
 */
export function mergeUserData(machinaParts: string[], userData?: string): string {
  if (machinaParts.length === 0) throw new Error("mergeUserData needs at least one part of Machina's");
  if (!userData && machinaParts.length === 1) return machinaParts[0];
  const parts = [
    ...machinaParts.map((body, i) => textPart(body, "text/cloud-config", i > 0)),
    ...(userData ? userParts(userData) : []),
  ].map((part) => entityText(sevenBit(part)));
  const boundary = chooseBoundary(parts);
  return [
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    "MIME-Version: 1.0",
    "",
    ...parts.map((part) => `--${boundary}\n${part}`),
    `--${boundary}--`,
    "",
  ].join("\n");
}
