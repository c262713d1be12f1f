/** What cloud-init's VMware datasource reads from guestinfo: Machina's user and keys merged with the user's data. */
import { mergeUserData, userCloudConfig } from "../kit/cloud-init";
import type { ResolvedMachineSpec, SettledSpec } from "../../core/contract";

/** The user data the VM receives (before base64): the login user with the keys and host name, then the user's parts. */
export function platformUserData(
  spec: Pick<SettledSpec, "hostname" | "sshUser" | "sshKeys">,
  userData: string | undefined,
): string {
  return mergeUserData([userCloudConfig(spec.hostname, spec.sshUser, spec.sshKeys)], userData);
}

/** `guestinfo.metadata`: the instance id (the VM's platform name) and host name, as JSON (cloud-init takes JSON or YAML). */
export function guestMetadata(spec: Pick<ResolvedMachineSpec, "platformName" | "hostname">): string {
  return JSON.stringify({ "instance-id": spec.platformName, "local-hostname": spec.hostname });
}
