/**
 * The mocks of this repository's tests: `pulumi-machina/testing` (testing/mocks.ts), the kit users get,
 * with the defaults and fixtures the tests share.
 */
import { installMachinaMocks } from "../../testing/mocks";
import type { MachinaMockOptions, MachinaMocks, RecordedInvoke, RecordedResource } from "../../testing/mocks";

export { settle, valueOf } from "../../testing/mocks";
export type { RecordedInputs, RecordedResource } from "../../testing/mocks";

let current: MachinaMocks | undefined;

/** Installs the mocks (project `proj` unless given) and returns the list every registration is added to. */
export function installMocks(options: MachinaMockOptions = {}): RecordedResource[] {
  current = installMachinaMocks({ project: "proj", ...options });
  return current.resources;
}

/** The invokes recorded since the last installMocks. */
export function invokes(): RecordedInvoke[] {
  return current?.invokes ?? [];
}

export const ofType = (recorded: RecordedResource[], type: string) => recorded.filter((r) => r.type === type);

export const KEY_A = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk3m0d0Zb8o9H0vJ3yqvY3wQmQ5b6r9fL3e0Jm1xYzA alice@laptop";
export const KEY_B = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB2q7cRrGk1m5n8Yx0pT3dVw9sL4uH6eZ1aC8bN2fQwE bob@desk";
