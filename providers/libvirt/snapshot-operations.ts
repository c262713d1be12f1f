/**
 * A libvirt snapshot as the dynamic provider runs it: a consistent, standalone copy of a machine's disk
 * in the image cache. The guest is stopped for the copy (a graceful ACPI shutdown bounded by
 * shutdownTimeoutSeconds, then forced; a guest already stopped stays as it is), the disk and its
 * backing chain are flattened into one qcow2 (`qemu-img convert`), and a guest that was running is
 * started again. A Machine restores from it by copying it whole, so deleting a Snapshot never breaks a
 * machine restored from it. Taken once: a later change of its Machine does not take it again.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { promisify } from "node:util";
import { withRetry } from "../kit/retry";
import type { BaseImage } from "./images";
import { snapshotRecordPath, virtualSizeBytes } from "./images";
import { domainInfo, stopDomain, virsh } from "./virsh";

const execFileAsync = promisify(execFile);

export interface SnapshotInputs {
  uri: string;
  /** The source machine's domain name and uuid (the Machine's id): only that domain is ever stopped or read. */
  domain: string;
  machineId: string;
  /** Where the copy is kept: `<image cache>/snapshots/<platform name>.qcow2`. Its id. */
  path: string;
  shutdownTimeoutSeconds: number;
  /** Project, stack and Snapshot: a copy recorded as someone else's is never overwritten or deleted. */
  owner: Record<string, string>;
  labels: Record<string, string>;
}

export interface SnapshotOutputs extends SnapshotInputs {
  /** The source's direct-boot kernel, which a restored machine boots too. */
  kernel?: BaseImage["kernel"];
  sourceDisk: string;
  sizeBytes: number;
  virtualSizeBytes: number;
  takenAt: string;
  guestWasRunning: boolean;
  stopSeconds: number;
  copySeconds: number;
}

/** What a restore reads next to the copy: `<path without .qcow2>.json`. */
export interface SnapshotRecord {
  owner: Record<string, string>;
  domain: string;
  kernel?: BaseImage["kernel"];
  takenAt: string;
}

const recordPathOf = snapshotRecordPath;

export function readSnapshotRecord(copy: string): SnapshotRecord | undefined {
  try {
    return JSON.parse(readFileSync(recordPathOf(copy), "utf8")) as SnapshotRecord;
  } catch {
    return undefined;
  }
}

const sameOwner = (a: Record<string, string> | undefined, b: Record<string, string>) =>
  !!a && ["project", "stack", "snapshot"].every((k) => a[k] === b[k]);

function refuseOthers(inputs: Pick<SnapshotInputs, "path" | "owner">): void {
  const recorded = readSnapshotRecord(inputs.path);
  if (existsSync(inputs.path) && !sameOwner(recorded?.owner, inputs.owner)) {
    throw new Error(
      `${inputs.path} exists and is not recorded as Snapshot ${JSON.stringify(inputs.owner.snapshot)} of stack ${JSON.stringify(inputs.owner.stack)}: ` +
        `Machina never overwrites a copy it cannot prove is this Snapshot's. Rename the Snapshot, or remove the file if it is really unused.`,
    );
  }
}

/** The domain's first disk (vda) and its direct-boot kernel, from its persistent definition. */
export function diskAndKernelOf(domainXml: string): { disk?: string; kernel?: BaseImage["kernel"] } {
  const unescape = (t: string) =>
    t
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, "&");
  let disk: string | undefined;
  for (const m of domainXml.matchAll(/<disk\b[^>]*device=['"]disk['"][^>]*>([\s\S]*?)<\/disk>/g)) {
    if (!/<target\s+dev=['"]vda['"]/.test(m[1])) continue;
    const file = /<source\s+file=['"]([^'"]+)['"]/.exec(m[1]);
    if (file) disk = unescape(file[1]);
  }
  const element = (tag: string) => {
    const found = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(domainXml);
    return found ? unescape(found[1]) : undefined;
  };
  const kernelPath = element("kernel");
  const kernel = kernelPath
    ? { kernel: kernelPath, initrd: element("initrd"), cmdline: element("cmdline") }
    : undefined;
  return { disk, kernel: kernel && (JSON.parse(JSON.stringify(kernel)) as BaseImage["kernel"]) };
}

const seconds = (since: number) => Math.round((Date.now() - since) / 100) / 10;

export async function createSnapshot(inputs: SnapshotInputs): Promise<{ id: string; outs: SnapshotOutputs }> {
  const info = await domainInfo(inputs.uri, inputs.domain);
  if (!info) throw new Error(`the libvirt domain ${inputs.domain} does not exist: there is no disk to snapshot`);
  if (info.uuid !== inputs.machineId)
    throw new Error(
      `the libvirt domain ${inputs.domain} has uuid ${info.uuid}, not ${inputs.machineId}, the Machine's: it is left alone. Run refresh, then up.`,
    );
  const { disk, kernel } = diskAndKernelOf(await virsh(inputs.uri, ["dumpxml", "--inactive", inputs.domain]));
  if (!disk) throw new Error(`the libvirt domain ${inputs.domain} has no file disk vda to snapshot`);
  refuseOthers(inputs);
  await mkdir(path.dirname(inputs.path), { recursive: true, mode: 0o700 });

  const guestWasRunning = info.state !== "shut off";
  const stopping = Date.now();
  if (guestWasRunning) await stopDomain(inputs.uri, inputs.domain, inputs.shutdownTimeoutSeconds);
  const stopSeconds = seconds(stopping);
  const copying = Date.now();
  const part = `${inputs.path}.part`;
  try {
    // The whole chain (the machine's overlay and its base) flattened into one standalone qcow2.
    await withRetry(
      () => execFileAsync("qemu-img", ["convert", "-q", "-O", "qcow2", disk, part], { timeout: 30 * 60_000 }),
      { attempts: 3, startingDelayMs: 1000, maxDelayMs: 4000 },
    );
    await rename(part, inputs.path);
    const record: SnapshotRecord = {
      owner: inputs.owner,
      domain: inputs.domain,
      kernel,
      takenAt: new Date().toISOString(),
    };
    await writeFile(recordPathOf(inputs.path), JSON.stringify(record), { mode: 0o600 });
  } catch (e) {
    await rm(part, { force: true });
    throw new Error(`copying the disk of ${inputs.domain} to ${inputs.path} failed: ${(e as Error).message}`);
  } finally {
    if (guestWasRunning) await virsh(inputs.uri, ["start", inputs.domain], 120_000);
  }
  const copySeconds = seconds(copying);
  const record = readSnapshotRecord(inputs.path)!;
  const outs: SnapshotOutputs = {
    ...inputs,
    kernel,
    sourceDisk: disk,
    sizeBytes: (await stat(inputs.path)).size,
    virtualSizeBytes: await virtualSizeBytes(inputs.path),
    takenAt: record.takenAt,
    guestWasRunning,
    stopSeconds,
    copySeconds,
  };
  return { id: inputs.path, outs };
}

/** Only the copy's place makes a new one; labels and the timeout are recorded. A change of Machine does not retake it. */
export function diffSnapshot(olds: SnapshotOutputs, news: SnapshotInputs) {
  const replaces = (["uri", "path"] as const).filter((k) => olds[k] !== news[k]);
  const updates =
    JSON.stringify(olds.labels ?? {}) !== JSON.stringify(news.labels ?? {}) ||
    olds.shutdownTimeoutSeconds !== news.shutdownTimeoutSeconds;
  return { changes: replaces.length > 0 || updates, replaces, deleteBeforeReplace: true };
}

export async function updateSnapshot(
  _id: string,
  olds: SnapshotOutputs,
  news: SnapshotInputs,
): Promise<{ outs: SnapshotOutputs }> {
  return { outs: { ...olds, labels: news.labels, shutdownTimeoutSeconds: news.shutdownTimeoutSeconds } };
}

/** Gone from the cache: refresh forgets it. */
export async function readSnapshot(id: string, props: SnapshotOutputs) {
  return existsSync(props.path) ? { id, props } : { id: "", props: {} };
}

/** Removes the copy and its record; gone already is fine, someone else's copy is never touched. */
export async function deleteSnapshot(_id: string, props: SnapshotOutputs): Promise<void> {
  if (!existsSync(props.path)) {
    await rm(recordPathOf(props.path), { force: true });
    return;
  }
  refuseOthers(props);
  await rm(props.path, { force: true });
  await rm(recordPathOf(props.path), { force: true });
  await rm(`${props.path}.part`, { force: true });
}
