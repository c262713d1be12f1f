/** Cloud-init documents Machina adds to a machine's user data, and how they merge with the user's. */
import { stringify } from "yaml";

/** A cloud-config that creates `user` (passwordless sudo) with the keys, and sets the host name. */
export function userCloudConfig(hostname: string, user: string, sshKeys: string[]): string {
  return `#cloud-config\n${stringify(
    {
      hostname,
      preserve_hostname: false,
      users: ["default", { name: user, sudo: "ALL=(ALL) NOPASSWD:ALL", shell: "/bin/bash", lock_passwd: true, ssh_authorized_keys: sshKeys }],
      ssh_pwauth: false,
    },
    { lineWidth: 0 },
  )}`;
}

/** A cloud-config that adds keys to the image's default user (for platforms that install one key). */
export function keysCloudConfig(sshKeys: string[]): string {
  return `#cloud-config\n${stringify({ ssh_authorized_keys: sshKeys }, { lineWidth: 0 })}`;
}

function partType(userData: string): string {
  if (userData.startsWith("#cloud-config")) return "text/cloud-config";
  if (userData.startsWith("#!")) return "text/x-shellscript";
  if (userData.startsWith("#cloud-boothook")) return "text/cloud-boothook";
  if (userData.startsWith("#include")) return "text/x-include-url";
  return "text/plain";
}

/**
 * Machina's cloud-config and the user's user data as one MIME multipart, so a script works as well as
 * a cloud-config; a cloud-config part merges with lists appended, so the user's `users:` or
 * `write_files:` add to Machina's instead of replacing them. Without user data, just Machina's.
 */
export function mergeUserData(base: string, userData?: string): string {
  if (!userData) return base;
  const boundary = "MACHINA-BOUNDARY-7d1e4c";
  const part = (type: string, body: string, merge = false) =>
    [
      `--${boundary}`,
      `Content-Type: ${type}; charset="utf-8"`,
      "MIME-Version: 1.0",
      ...(merge ? ["Merge-Type: list(append)+dict(no_replace,recurse_list)+str()"] : []),
      "",
      body.endsWith("\n") ? body : `${body}\n`,
    ].join("\n");
  const type = partType(userData);
  return [
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    "MIME-Version: 1.0",
    "",
    part("text/cloud-config", base),
    part(type, userData, type === "text/cloud-config"),
    `--${boundary}--`,
    "",
  ].join("\n");
}
