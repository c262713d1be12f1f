/**
 * The Snapshot a restore id came from, for messages: a Snapshot's `id` is an Output, unknown while the
 * program builds its Machines, so a refusal of a restoring Machine names the Snapshot instead.
 */
const snapshotNames = new WeakMap<object, string>();

export function nameSnapshotId(id: object, snapshot: string): void {
  snapshotNames.set(id, snapshot);
}

export function snapshotNameOf(id: unknown): string | undefined {
  return typeof id === "object" && id !== null ? snapshotNames.get(id) : undefined;
}
