/**
 * The offline image cache is shared by every checkout on a machine: scripts/build-image.sh removes
 * another recipe's image only when it is old, idle and not open, and the libvirt provider uses its
 * own checkout's recipe and stamps what it uses.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { offlineImage } from "../../dist/providers/libvirt/images";

const root = path.resolve(__dirname, "../..");
const ownHash = createHash("sha256")
  .update(readFileSync(path.join(root, "scripts/build-image.sh")))
  .digest("hex")
  .slice(0, 12);
const DAY = 86_400;

let cache: string;
beforeEach(() => {
  cache = mkdtempSync(path.join(tmpdir(), "machina-image-cache-"));
});
afterEach(() => rmSync(cache, { recursive: true, force: true }));

/** A built image folder whose last use was `ageSeconds` ago (`stamp: false`: built by a recipe before stamps). */
function image(hash: string, ageSeconds: number, stamp = true): string {
  const dir = path.join(cache, hash);
  for (const name of ["debian-12", "busybox"]) mkdirSync(path.join(dir, name), { recursive: true });
  for (const file of [
    "debian-12/disk.qcow2",
    "debian-12/vmlinuz",
    "debian-12/initrd.img",
    "busybox/vmlinuz",
    "busybox/initrd.img",
    "kernel-version",
  ]) {
    writeFileSync(path.join(dir, file), "x");
  }
  const when = Date.now() / 1000 - ageSeconds;
  const old = Date.now() / 1000 - 90 * DAY;
  if (stamp) writeFileSync(path.join(dir, "last-used"), "");
  for (const file of ["kernel-version", ...(stamp ? ["last-used"] : [])]) {
    const t = file === "kernel-version" && stamp ? old : when;
    utimesSync(path.join(dir, file), t, t);
  }
  return dir;
}

describe("scripts/build-image.sh leaves other checkouts' images alone", () => {
  it("removes only images beyond the newest three, unused for more than two days, and not open", async () => {
    image(ownHash, 0);
    image("aaaaaaaaaaa1", 3600); // used an hour ago
    image("aaaaaaaaaaa2", 10 * DAY); // old, but among the three most recently used
    image("aaaaaaaaaaa3", 20 * DAY); // old and idle: removed
    const open = image("aaaaaaaaaaa4", 30 * DAY); // old, but a running guest holds its disk open
    image("aaaaaaaaaaa5", 40 * DAY, false); // an older recipe's image without a stamp: its build time counts
    const holder = spawn(
      "bash",
      ["-c", 'exec 3<"$1"; exec sleep 60', "holder", path.join(open, "debian-12/disk.qcow2")],
      { stdio: "ignore" },
    );
    try {
      await new Promise((r) => setTimeout(r, 300));
      // The recipe's own image is cached: the run is a cache hit, which prunes as well.
      const run = spawnSync("bash", [path.join(root, "scripts/build-image.sh")], {
        env: { ...process.env, MACHINA_IMAGE_CACHE: cache },
        encoding: "utf8",
        timeout: 30_000,
      });
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout.trim()).toBe(path.join(cache, ownHash));
      expect(readdirSync(cache).sort()).toEqual([ownHash, "aaaaaaaaaaa1", "aaaaaaaaaaa2", "aaaaaaaaaaa4"].sort());
      expect(run.stderr).toContain(`kept ${open}: a process has it open`);
      expect(run.stderr).toMatch(/removing .*aaaaaaaaaaa3 \(another recipe's image, unused for more than 2 days\)/);
      // The use is stamped.
      expect(Date.now() / 1000 - statSync(path.join(cache, ownHash, "last-used")).mtimeMs / 1000).toBeLessThan(60);
    } finally {
      holder.kill();
    }
  });

  it("keeps everything recent, however many recipes there are", () => {
    image(ownHash, 0);
    for (let i = 1; i <= 5; i++) image(`bbbbbbbbbbb${i}`, i * 3600);
    const run = spawnSync("bash", [path.join(root, "scripts/build-image.sh")], {
      env: { ...process.env, MACHINA_IMAGE_CACHE: cache },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(readdirSync(cache)).toHaveLength(6);
  });
});

describe("offline images in the provider", () => {
  const withCache = <T>(fn: () => T): T => {
    const previous = process.env.MACHINA_IMAGE_CACHE;
    process.env.MACHINA_IMAGE_CACHE = cache;
    try {
      return fn();
    } finally {
      if (previous === undefined) delete process.env.MACHINA_IMAGE_CACHE;
      else process.env.MACHINA_IMAGE_CACHE = previous;
    }
  };

  it("uses this checkout's recipe even when another checkout built a newer one, and stamps it", () => {
    const own = image(ownHash, 5 * DAY);
    utimesSync(
      path.join(own, "debian-12"),
      new Date(Date.now() - 5 * DAY * 1000),
      new Date(Date.now() - 5 * DAY * 1000),
    );
    image("ccccccccccc1", 0);
    const resolved = withCache(() => offlineImage("debian-12"));
    expect(resolved.diskPath).toBe(path.join(own, "debian-12", "disk.qcow2"));
    expect(Date.now() - statSync(path.join(own, "last-used")).mtimeMs).toBeLessThan(60_000);
  });

  it("without this checkout's recipe built, uses the most recently built image", () => {
    const older = image("ddddddddddd1", 0);
    const newer = image("ddddddddddd2", 0);
    const past = new Date(Date.now() - 3600_000);
    utimesSync(path.join(older, "busybox"), past, past);
    expect(withCache(() => offlineImage("busybox")).kernel?.kernel).toBe(path.join(newer, "busybox", "vmlinuz"));
    expect(existsSync(path.join(newer, "last-used"))).toBe(true);
  });
});
