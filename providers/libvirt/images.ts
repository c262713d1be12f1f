/** Base images: a URL fetched once into a cache (checksum-verified when given), a local file, or an offline image. */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import {
  createReadStream,
  createWriteStream,
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { homedir } from "node:os";
import * as path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface BaseImage {
  /** The disk to lay a copy-on-write disk over; absent for a kernel-only (initrd) guest. */
  diskPath?: string;
  diskFormat?: "qcow2" | "raw";
  kernel?: { kernel: string; initrd?: string; cmdline?: string };
  sha256?: string;
  /** The disk is a Snapshot's copy: a machine's disk is a full copy of it, never an overlay over it. */
  fullCopy?: boolean;
}

export function cacheRoot(): string {
  return (
    process.env.MACHINA_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), ".cache"), "machina")
  );
}

export const OFFLINE_PREFIX = "offline:";
/** The base image of a machine restored from a Snapshot: `snapshot:<the copy's path>`. */
export const SNAPSHOT_PREFIX = "snapshot:";

/** Where Snapshots' copies are kept: the image cache's `snapshots` folder. */
export function snapshotDir(): string {
  return path.join(cacheRoot(), "snapshots");
}

/** The record next to a Snapshot's copy (owner, source domain, kernel): `<copy without .qcow2>.json`. */
export const snapshotRecordPath = (copy: string) => copy.replace(/\.qcow2$/, "") + ".json";

/** A Snapshot's copy, with the kernel its machine booted (recorded next to it). */
function snapshotImage(copy: string): BaseImage {
  if (!path.isAbsolute(copy) || !existsSync(copy))
    throw new Error(`the snapshot ${copy} does not exist (deleted, or taken on another host)`);
  const recordFile = snapshotRecordPath(copy);
  const record = existsSync(recordFile)
    ? (JSON.parse(readFileSync(recordFile, "utf8")) as { kernel?: BaseImage["kernel"] })
    : {};
  return { diskPath: copy, diskFormat: "qcow2", ...(record.kernel ? { kernel: record.kernel } : {}), fullCopy: true };
}

/** The recipe hash of this checkout's scripts/build-image.sh (the cache folder it builds), if there is one. */
function ownRecipeHash(): string | undefined {
  // Compiled to dist/providers/libvirt, run from source at providers/libvirt: the checkout is above.
  for (const up of ["../../..", "../.."]) {
    const recipe = path.resolve(__dirname, up, "scripts", "build-image.sh");
    if (existsSync(recipe)) return createHash("sha256").update(readFileSync(recipe)).digest("hex").slice(0, 12);
  }
  return undefined;
}

/**
 * Records that an offline image is in use: scripts/build-image.sh never removes an image used in the
 * last days. Best effort (a read-only cache is fine).
 */
export function markOfflineImageUsed(imageDir: string): void {
  const stamp = path.join(imageDir, "last-used");
  try {
    const now = new Date();
    if (existsSync(stamp)) utimesSync(stamp, now, now);
    else writeFileSync(stamp, "");
  } catch {
    // not ours to write: the image is still usable
  }
}

/**
 * The image built by scripts/build-image.sh that holds `name`: this checkout's own recipe when it is
 * built (other checkouts on the machine may have built other recipes into the same cache), else the
 * most recently built one.
 */
export function offlineImage(name: string): BaseImage {
  const root = process.env.MACHINA_IMAGE_CACHE ?? path.join(cacheRoot(), "images");
  const candidates = (existsSync(root) ? readdirSync(root) : [])
    .filter((d) => /^[0-9a-f]{12}$/.test(d))
    .map((d) => path.join(root, d, name))
    .filter((d) => existsSync(path.join(d, "vmlinuz")))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  const own = ownRecipeHash();
  const dir = candidates.find((d) => path.basename(path.dirname(d)) === own) ?? candidates[0];
  if (!dir) {
    throw new Error(
      `the offline image ${name} is not built here (looked in ${root}): run scripts/build-image.sh (as root) first`,
    );
  }
  markOfflineImageUsed(path.dirname(dir));
  const disk = path.join(dir, "disk.qcow2");
  const cmdline = existsSync(path.join(dir, "cmdline"))
    ? readFileSync(path.join(dir, "cmdline"), "utf8").trim()
    : undefined;
  return {
    diskPath: existsSync(disk) ? disk : undefined,
    diskFormat: existsSync(disk) ? "qcow2" : undefined,
    kernel: { kernel: path.join(dir, "vmlinuz"), initrd: path.join(dir, "initrd.img"), cmdline },
  };
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  await new Promise<void>((resolve, reject) => {
    createReadStream(file)
      .on("data", (c) => hash.update(c))
      .on("end", resolve)
      .on("error", reject);
  });
  return hash.digest("hex");
}

export async function diskFormat(file: string): Promise<"qcow2" | "raw"> {
  const { stdout } = await run("qemu-img", ["info", "--output=json", file], { timeout: 30_000 });
  const format = (JSON.parse(stdout) as { format: string }).format;
  if (format !== "qcow2" && format !== "raw")
    throw new Error(`${file} is a ${format} image; Machina's libvirt provider takes qcow2 or raw`);
  return format;
}

export async function virtualSizeBytes(file: string): Promise<number> {
  const { stdout } = await run("qemu-img", ["info", "--output=json", file], { timeout: 30_000 });
  return (JSON.parse(stdout) as { "virtual-size": number })["virtual-size"];
}

/** Streams a URL to `target` (cloud images are hundreds of MB: never held in memory), atomically. */
async function download(url: string, target: string, timeoutMs: number): Promise<void> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok || !response.body) throw new Error(`downloading ${url}: HTTP ${response.status}`);
  const part = `${target}.part`;
  try {
    await pipeline(
      Readable.fromWeb(response.body as import("node:stream/web").ReadableStream),
      createWriteStream(part),
    );
    await rename(part, target);
  } finally {
    await rm(part, { force: true });
  }
}

/**
 * Resolves an image id to a base image: `offline:<name>`, an absolute path, or an http(s) URL
 * (downloaded once into the cache; a given sha256 is checked, and a mismatch removes the file).
 */
export async function resolveBaseImage(
  source: string,
  checksum?: string,
  downloadTimeoutMs = 30 * 60_000,
): Promise<BaseImage> {
  if (source.startsWith(OFFLINE_PREFIX)) return offlineImage(source.slice(OFFLINE_PREFIX.length));
  if (source.startsWith(SNAPSHOT_PREFIX)) return snapshotImage(source.slice(SNAPSHOT_PREFIX.length));
  let file: string;
  if (/^https?:\/\//.test(source)) {
    const dir = path.join(cacheRoot(), "base-images");
    await mkdir(dir, { recursive: true });
    file = path.join(
      dir,
      `${createHash("sha256").update(source).digest("hex").slice(0, 24)}${path.extname(new URL(source).pathname) || ".img"}`,
    );
    if (!existsSync(file)) await download(source, file, downloadTimeoutMs);
  } else if (path.isAbsolute(source)) {
    if (!existsSync(source)) throw new Error(`base image ${source} does not exist`);
    file = source;
  } else {
    throw new Error(`image ${JSON.stringify(source)} is neither an http(s) URL, an absolute path, nor offline:<name>`);
  }
  let sha256: string | undefined;
  if (checksum) {
    sha256 = await sha256File(file);
    if (sha256 !== checksum.replace(/^sha256:/, "").toLowerCase()) {
      if (file !== source) await rm(file, { force: true });
      throw new Error(`base image ${source} has sha256 ${sha256}, expected ${checksum}`);
    }
  }
  return { diskPath: file, diskFormat: await diskFormat(file), sha256 };
}
