/**
 * The secrets passphrase of a local state folder. It never sits beside the state it protects: a
 * copied or committed state folder must not carry its own key. The state folder holds only a random,
 * non-secret id; the passphrase lives under the user's config directory, keyed by that id.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";

const ID_FILE = "machina-state-id";
const LEGACY_FILE = "passphrase";

/** `$XDG_CONFIG_HOME/machina/passphrases` (default `~/.config/machina/passphrases`). */
export function passphraseDir(): string {
  return path.join(process.env.XDG_CONFIG_HOME || path.join(homedir(), ".config"), "machina", "passphrases");
}

function stateId(stateDir: string): string {
  const file = path.join(stateDir, ID_FILE);
  if (!existsSync(file)) writeFileSync(file, `${randomBytes(12).toString("hex")}\n`, { mode: 0o600 });
  const id = readFileSync(file, "utf8").trim();
  if (!/^[0-9a-f]{24}$/.test(id))
    throw new Error(
      `${file} is damaged (expected 24 hex digits): restore it, or remove it and set PULUMI_CONFIG_PASSPHRASE`,
    );
  return id;
}

/** Where the generated passphrase of a state folder is kept. */
export function passphraseFile(stateDir: string): string {
  return path.join(passphraseDir(), stateId(stateDir));
}

/**
 * The passphrase for a local state folder: generated once (0600, in a 0700 folder). A passphrase an
 * earlier version kept inside the state folder is moved out of it.
 */
export function localPassphrase(stateDir: string): string {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const file = passphraseFile(stateDir);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  chmodSync(path.dirname(file), 0o700);
  const legacy = path.join(stateDir, LEGACY_FILE);
  if (existsSync(legacy)) {
    if (existsSync(file)) rmSync(legacy);
    else renameSync(legacy, file);
  }
  if (!existsSync(file)) writeFileSync(file, randomBytes(24).toString("base64url"), { mode: 0o600 });
  chmodSync(file, 0o600);
  return readFileSync(file, "utf8").trim();
}
