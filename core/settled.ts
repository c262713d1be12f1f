import type { ResolvedMachineSpec, SettledSpec } from "./contract";
import { isDeferred } from "./deferred";

/** The spec as a SettledSpec when its keys and user data are known now (none is an Output); else undefined. */
export function settledNow(spec: ResolvedMachineSpec): SettledSpec | undefined {
  return spec.sshKeys.some(isDeferred) || isDeferred(spec.userData) ? undefined : (spec as SettledSpec);
}
