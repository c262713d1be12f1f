/** The cloud-init NoCloud seed of a machine: pure builders, and the ISO written with genisoimage. */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";

const run = promisify(execFile);

export interface SeedSpec {
  instanceId: string;
  hostname: string;
  sshUser: string;
  sshKeys: string[];
  /** The user's own user data: a cloud-config, a script, or any other cloud-init part. */
  userData?: string;
}

/** Machina's own cloud-config: host name and the SSH user with the keys. */
export function baseCloudConfig(spec: SeedSpec): string {
  return `#cloud-config\n${stringify({
    hostname: spec.hostname,
    preserve_hostname: false,
    users: [
      "default",
      {
        name: spec.sshUser,
        sudo: "ALL=(ALL) NOPASSWD:ALL",
        shell: "/bin/bash",
        lock_passwd: true,
        ssh_authorized_keys: spec.sshKeys,
      },
    ],
    ssh_pwauth: false,
  }, { lineWidth: 0 })}`;
}

function partType(userData: string): string {
  if (userData.startsWith("#cloud-config")) return "text/cloud-config";
  if (userData.startsWith("#!")) return "text/x-shellscript";
  if (userData.startsWith("#cloud-boothook")) return "text/cloud-boothook";
  if (userData.startsWith("#include")) return "text/x-include-url";
  return "text/plain";
}

/**
 * The user data of the seed: Machina's cloud-config merged with the user's. As a MIME multipart,
 * so a script works as well as a cloud-config; a cloud-config part is merged with lists appended,
 * so the user's `users:` or `write_files:` add to Machina's instead of replacing them.
 */
export function mergedUserData(spec: SeedSpec): string {
  const base = baseCloudConfig(spec);
  if (!spec.userData) return base;
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
  return [
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    "MIME-Version: 1.0",
    "",
    part("text/cloud-config", base),
    part(partType(spec.userData), spec.userData, partType(spec.userData) === "text/cloud-config"),
    `--${boundary}--`,
    "",
  ].join("\n");
}

export function metaData(spec: SeedSpec): string {
  return stringify({ "instance-id": spec.instanceId, "local-hostname": spec.hostname });
}


/**
 * Writes the NoCloud seed ISO (volume id `cidata`) to `target`. It has no network-config: cloud-init's
 * fallback (DHCP on the first NIC) works on every image, while a v2 config matching interfaces by
 * pattern breaks Debian's ifupdown renderer (measured: networking.service fails, no address).
 */
export async function writeSeedIso(target: string, spec: SeedSpec): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), "machina-seed-"));
  try {
    await writeFile(path.join(dir, "user-data"), mergedUserData(spec), { mode: 0o600 });
    await writeFile(path.join(dir, "meta-data"), metaData(spec));
    await run("genisoimage", ["-quiet", "-output", target, "-volid", "cidata", "-joliet", "-rock", "user-data", "meta-data"], {
      cwd: dir,
      timeout: 60_000,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
