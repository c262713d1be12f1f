import type { ResolvedMachineSpec } from "../contract";
import { userDataWithKeys } from "../ssh-keys-via";

/** The user data this platform receives: the user's, with the SSH keys' cloud-config unless keys go by the API. */
export function dropletUserData(spec: Pick<ResolvedMachineSpec, "sshKeys" | "options">, userData: string | undefined): string | undefined {
  return userDataWithKeys(spec, userData);
}
