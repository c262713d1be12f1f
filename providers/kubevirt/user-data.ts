import { mergeUserData, userCloudConfig } from "../../components/cloud-init";
import type { ResolvedMachineSpec } from "../contract";

/** The NoCloud user data in the VM's Secret: Machina's user with the keys, and the user's user data. */
export function kubevirtUserData(spec: Pick<ResolvedMachineSpec, "hostname" | "sshUser" | "sshKeys">, userData: string | undefined): string {
  return mergeUserData([userCloudConfig(spec.hostname, spec.sshUser, spec.sshKeys)], userData);
}
