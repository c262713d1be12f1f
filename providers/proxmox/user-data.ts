import { mergeUserData, userCloudConfig } from "../kit/cloud-init";
import type { ResolvedMachineSpec, SettledSpec } from "../../core/contract";
import { proxmoxOptions } from "./options";

/** Installs and starts the QEMU guest agent, through which Proxmox learns the VM's address. */
export const GUEST_AGENT_CLOUD_CONFIG =
  "#cloud-config\npackages: [qemu-guest-agent]\nruncmd: [[systemctl, enable, --now, qemu-guest-agent]]\n";

/** The guest agent is on when asked for, and by default when there is user data to install it with. */
export function guestAgentEnabled(spec: Pick<ResolvedMachineSpec, "options" | "userData">): boolean {
  return proxmoxOptions.read(spec).guestAgent ?? spec.userData !== undefined;
}

/**
 * The snippet Proxmox gives the VM as its user data, when there is user data: it carries the user and
 * keys too (Proxmox then ignores its own user settings), and the guest agent, all merged in one go.
 * Without user data no snippet is made and Proxmox writes its own cloud-init user and keys.
 */
export function snippetUserData(
  spec: Pick<SettledSpec, "hostname" | "sshUser" | "sshKeys" | "options" | "userData">,
  userData: string | undefined,
): string | undefined {
  if (userData === undefined) return undefined;
  const base = userCloudConfig(spec.hostname, spec.sshUser, spec.sshKeys);
  return mergeUserData(guestAgentEnabled(spec) ? [base, GUEST_AGENT_CLOUD_CONFIG] : [base], userData);
}
