/** The per-stack snapshots, `machina:snapshots: { web-before-upgrade: web }` in Pulumi.<stack>.yaml (see config-map). */
import { editConfigMap, readConfigMap } from "./config-map";

export const SNAPSHOTS_KEY = "machina:snapshots";

/** Records that the Snapshot `name` copies `machine`, in the stack file `file` (created when missing). */
export function recordSnapshot(file: string, name: string, machine: string): void {
  editConfigMap(file, SNAPSHOTS_KEY, name, machine);
}

/** Removes the Snapshot `name` from the stack file; the map goes when it is empty. */
export function forgetSnapshot(file: string, name: string): void {
  editConfigMap(file, SNAPSHOTS_KEY, name, undefined);
}

export function recordedSnapshots(file: string): Record<string, unknown> {
  return readConfigMap(file, SNAPSHOTS_KEY);
}
