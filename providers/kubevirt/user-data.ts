import { mergeUserData, userCloudConfig } from "../kit/cloud-init";
import type { SettledSpec } from "../../core/contract";

/** The NoCloud user data in the VM's Secret: Machina's user with the keys, and the user's user data. */
export function kubevirtUserData(
  spec: Pick<SettledSpec, "hostname" | "sshUser" | "sshKeys">,
  userData: string | undefined,
): string {
  return mergeUserData([userCloudConfig(spec.hostname, spec.sshUser, spec.sshKeys)], userData);
}
