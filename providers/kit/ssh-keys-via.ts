import { keysCloudConfig, mergeUserData } from "./cloud-init";
import type { ProviderOption, SettledSpec } from "../../core/contract";

/**
 * How SSH keys reach a server on platforms that refuse one public key twice per account (Hetzner,
 * DigitalOcean): through cloud-init (the default: stacks never share or collide on a key object, so
 * destroying one stack never replaces another's servers), or as platform key objects per stack
 * (`api`: what 0.1.0 did, kept so existing servers are not replaced on upgrade; two stacks of one
 * account with the same key then collide).
 */
export type SshKeysVia = "cloud-init" | "api";
export const SSH_KEYS_VIA: readonly SshKeysVia[] = ["cloud-init", "api"];

export function sshKeysVia(options: Record<string, unknown>): SshKeysVia {
  return options.sshKeysVia === "api" ? "api" : "cloud-init";
}

/** The user data such a platform receives: the keys' cloud-config merged in when keys go by cloud-init. */
export function userDataWithKeys(
  spec: Pick<SettledSpec, "sshKeys" | "options">,
  userData: string | undefined,
): string | undefined {
  if (sshKeysVia(spec.options) === "api" || spec.sshKeys.length === 0) return userData;
  // Without a platform key the image may allow password login: cloud-init turns it off.
  return mergeUserData([keysCloudConfig(spec.sshKeys, { passwordLogin: false })], userData);
}

/** The `sshKeysVia` option, as a provider declares it. */
export const sshKeysViaOption: ProviderOption<SshKeysVia> = {
  type: '"cloud-init" | "api"',
  description: "how SSH keys reach the server: cloud-init, or platform key objects per stack (as 0.1.0 made them)",
  default: "cloud-init",
  check: (value) =>
    (SSH_KEYS_VIA as readonly unknown[]).includes(value)
      ? undefined
      : {
          allowed: '"cloud-init" (default) or "api" (platform key objects per stack, as 0.1.0 made them)',
          fix: 'leave it out, or write sshKeysVia: "api" to keep servers made by 0.1.0',
        },
};
