import { keysCloudConfig, mergeUserData } from "../kit/cloud-init";
import type { SettledSpec } from "../../core/contract";

/**
 * The user data EC2 receives. EC2 installs one key pair; every key also goes in through cloud-init,
 * so all of them work.
 */
export function ec2UserData(spec: Pick<SettledSpec, "sshKeys">, userData: string | undefined): string | undefined {
  return spec.sshKeys.length > 0 ? mergeUserData([keysCloudConfig(spec.sshKeys)], userData) : userData;
}
