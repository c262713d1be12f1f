/**
 * A local state folder holds every resource's recorded inputs and outputs (secrets encrypted, the
 * rest in plaintext): readable by its owner only. The engine writes files with the process umask, so
 * the folder is closed (0700) before a run and every file in it tightened (0600) after.
 */
import { chmodSync, lstatSync, mkdirSync, readdirSync } from "node:fs";
import * as path from "node:path";

const MAX_DEPTH = 12;

export function closeStateDir(stateDir: string): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  chmodSync(stateDir, 0o700);
}

/** A file another process removes meanwhile (a lock, a temporary file) needs no tightening. */
function chmodQuietly(file: string): void {
  try {
    chmodSync(file, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
}

/** Folders 0700, files 0600; symbolic links (an inline program's node_modules) are not followed. */
export function tightenStateFiles(stateDir: string): void {
  const walk = (dir: string, depth: number) => {
    chmodSync(dir, 0o700);
    if (depth >= MAX_DEPTH) return;
    for (const entry of readdirSync(dir)) {
      const file = path.join(dir, entry);
      const stat = lstatSync(file, { throwIfNoEntry: false });
      if (!stat || stat.isSymbolicLink()) continue;
      if (stat.isDirectory()) walk(file, depth + 1);
      else if ((stat.mode & 0o777) !== 0o600) chmodQuietly(file);
    }
  };
  walk(stateDir, 0);
}
