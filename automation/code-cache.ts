/**
 * Loads the CLI's bundle with a V8 code cache made after a command ran. Node's compile cache keeps
 * only what V8 compiles before running a file; a command then compiles the functions it calls, which
 * was half of an engine-free command's work after the bundle loaded. A cache made after the run keeps
 * those too.
 *
 * The cache lives under the user's cache directory (`${XDG_CACHE_HOME:-~/.cache}/machina/cli-code-cache`),
 * one per command (each compiles its own functions), named by the command, the bundle's path, inode,
 * size and modification time, and by Node's version and architecture;
 * V8 also refuses a cache that does not fit its version, flags or source. A run without a usable cache
 * writes one when it ends (to a temporary name, then renamed) and removes the caches of the same path's
 * earlier builds.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import Module from "node:module";
import { homedir } from "node:os";
import * as path from "node:path";
import { Script } from "node:vm";

export function codeCacheDir(): string {
  return path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), ".cache"), "machina", "cli-code-cache");
}

/** `require(file)` for a CommonJS file, with the code cache of `variant` (a command's name). */
export function requireWithCodeCache(file: string, variant: string): unknown {
  const loaded = require.cache[file];
  if (loaded) return loaded.exports;
  const stat = statSync(file);
  const ofPath = `${pathKey(file)}-${/^[a-z-]{1,40}$/.test(variant) ? variant : "other"}-`;
  const cacheFile = path.join(
    codeCacheDir(),
    `${ofPath}${process.version}-${process.arch}-${stat.ino}-${stat.size}-${Math.trunc(stat.mtimeMs)}.bin`,
  );
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new Script(Module.wrap(readFileSync(file, "utf8")), {
    filename: file,
    cachedData,
  });
  const module = new Module(file);
  module.filename = file;
  require.cache[file] = module;
  try {
    const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
    wrapper.call(module.exports, module.exports, Module.createRequire(file), module, file, path.dirname(file));
  } catch (e) {
    delete require.cache[file];
    throw e;
  }
  module.loaded = true;
  if (cachedData === undefined || script.cachedDataRejected)
    process.once("exit", () => writeCache(cacheFile, ofPath, script));
  return module.exports;
}

/** A short key of a path (FNV-1a, 32 bits): names the caches of one bundle file, not a secret. */
function pathKey(file: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < file.length; i++) hash = Math.imul(hash ^ file.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, "0");
}

function writeCache(cacheFile: string, ofPath: string, script: Script): void {
  try {
    const dir = path.dirname(cacheFile);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const old of readdirSync(dir)) if (old.startsWith(ofPath)) rmSync(path.join(dir, old), { force: true });
    const partial = `${cacheFile}.${process.pid}.part`;
    writeFileSync(partial, script.createCachedData(), { mode: 0o600 });
    renameSync(partial, cacheFile);
  } catch {
    // A cache that cannot be written (read-only home) only costs the next run its speed.
  }
}
