import * as pulumi from "@pulumi/pulumi";

/*
 * Stack config set with `--secret` arrives in the program decrypted; `Config.get` drops the flag.
 * Whatever Machina reads from such a key and hands to a resource must be wrapped again, or the engine
 * records it in plaintext. The language host lists the secret keys in PULUMI_CONFIG_SECRET_KEYS.
 */

type RuntimeConfig = { isConfigSecret?: (key: string) => boolean };

/** Whether the stack config key `namespace:name` was set as a secret. */
export function isSecretConfigKey(fullKey: string): boolean {
  const runtimeConfig = require("@pulumi/pulumi/runtime/config") as RuntimeConfig;
  if (typeof runtimeConfig.isConfigSecret === "function") return runtimeConfig.isConfigSecret(fullKey);
  try {
    const keys = JSON.parse(process.env.PULUMI_CONFIG_SECRET_KEYS ?? "[]") as unknown;
    return Array.isArray(keys) && keys.includes(fullKey);
  } catch {
    return false;
  }
}

/** Wraps a value read from a secret config key so that every resource input made from it stays secret. */
export function secretIf(secret: boolean, value: pulumi.Input<string>): pulumi.Input<string>;
export function secretIf(secret: boolean, value: pulumi.Input<string> | undefined): pulumi.Input<string> | undefined;
export function secretIf(secret: boolean, value: pulumi.Input<string> | undefined): pulumi.Input<string> | undefined {
  return secret && value !== undefined ? pulumi.secret(value) : value;
}
