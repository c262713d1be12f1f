/**
 * Options several providers take with one meaning, declared here once so that the rule is written and
 * checked in one place; a provider puts them in its options declaration under the name given.
 */
import type { ProviderOption } from "./contract";

/**
 * `existingSshKeys`: SSH keys the platform already holds, by the platform's names for them, added to the
 * machine next to the spec's keys (for platforms that keep keys as objects: Hetzner, DigitalOcean).
 */
export function existingSshKeysOption(platformKeys: { what: string; example: string }): ProviderOption<string[]> {
  return {
    type: "string[]",
    description: `${platformKeys.what}, added to the machine next to sshKeys`,
    input: true,
    check: (keys) =>
      Array.isArray(keys) && keys.every((k) => typeof k === "string" && k !== "")
        ? undefined
        : {
            allowed: `a list of ${platformKeys.what}`,
            fix: `write existingSshKeys: [${JSON.stringify(platformKeys.example)}]`,
          },
  };
}
