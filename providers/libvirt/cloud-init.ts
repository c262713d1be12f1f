/** The cloud-init NoCloud seed of a machine: pure builders, and the ISO written with genisoimage. */
// fs.promises, not node:fs/promises: loaded on first use, not with the provider module (every CLI command loads it).
import { promises as fsp } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { mergeUserData, userCloudConfig } from "../kit/cloud-init";
import { yamlText } from "../kit/yaml-text";

export interface SeedSpec {
  instanceId: string;
  hostname: string;
  sshUser: string;
  sshKeys: string[];
  /** The user's own user data: a cloud-config, a script, or any other cloud-init part. */
  userData?: string;
}

/** Machina's own cloud-config for a libvirt guest: host name and the SSH user with the keys. */
export function baseCloudConfig(spec: Omit<SeedSpec, "instanceId" | "userData">): string {
  return userCloudConfig(spec.hostname, spec.sshUser, spec.sshKeys);
}

/** The seed's user data: Machina's cloud-config merged with the user's (see mergeUserData). */
export function mergedUserData(spec: Omit<SeedSpec, "instanceId">): string {
  return mergeUserData([baseCloudConfig(spec)], spec.userData);
}

export function metaData(spec: SeedSpec): string {
  return yamlText({ "instance-id": spec.instanceId, "local-hostname": spec.hostname });
}

/**
 * Writes the NoCloud seed ISO (volume id `cidata`) to `target`. It has no network-config: cloud-init's
 * fallback (DHCP on the first NIC) works on every image, while a v2 config matching interfaces by
 * pattern breaks Debian's ifupdown renderer (measured: networking.service fails, no address).
 */
export async function writeSeedIso(target: string, spec: SeedSpec): Promise<void> {
  const dir = await fsp.mkdtemp(path.join(tmpdir(), "machina-seed-"));
  try {
    await fsp.writeFile(path.join(dir, "user-data"), mergedUserData(spec), { mode: 0o600 });
    await fsp.writeFile(path.join(dir, "meta-data"), metaData(spec));
    // node:child_process loads here, not with the provider module, which every CLI command that names libvirt loads.
    const { execFile } = require("node:child_process") as typeof import("node:child_process");
    await promisify(execFile)(
      "genisoimage",
      ["-quiet", "-output", target, "-volid", "cidata", "-joliet", "-rock", "user-data", "meta-data"],
      {
        cwd: dir,
        timeout: 60_000,
      },
    );
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}
