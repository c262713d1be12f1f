/**
 * The lifecycle of a libvirt machine (domain, copy-on-write disk, cloud-init seed), as the dynamic
 * provider runs it. Every operation is idempotent; create cleans up after itself when it fails.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import * as dgram from "node:dgram";
import * as net from "node:net";
import * as path from "node:path";
import { promisify } from "node:util";
import { withRetry } from "../kit/retry";
import { chooseAccelerator } from "./accelerator";
import { writeSeedIso } from "./cloud-init";
import type { DomainSpec, PortForward } from "./domain-xml";
import { domainXml, METADATA_NS } from "./domain-xml";
import type { BaseImage } from "./images";
import { virtualSizeBytes } from "./images";
import { domainInfo, leaseAddress, removeDomain, stopDomain, virsh } from "./virsh";
import type { AdoptedInputs, AdoptedOutputs } from "./adopted-domain";
import { deleteAdopted, diffAdopted, isAdoptedInputs, takeOverDomain, updateAdopted } from "./adopted-domain";

const execFileAsync = promisify(execFile);
/** A local tool (qemu-img), with transient failures (an image lock held a moment) retried. */
const run = (command: string, args: string[], options: { timeout: number }) =>
  withRetry(() => execFileAsync(command, args, options));

export interface MachineInputs {
  uri: string;
  /** Domain name: derived from project, stack and Machine, so a re-run finds what an interrupted run left. */
  name: string;
  hostname: string;
  cpus: number;
  memoryMiB: number;
  diskGiB: number;
  image: BaseImage;
  /** `user` (QEMU user-mode networking, SSH forwarded to 127.0.0.1) or the name of a libvirt network. */
  network: string;
  /** Guest ports published on 127.0.0.1 in user-mode networking (SSH always is). */
  ports: { protocol: "tcp" | "udp"; port: number }[];
  sshUser: string;
  sshKeys: string[];
  userData?: string;
  accelerator: "auto" | "kvm" | "qemu";
  stateDir: string;
  shutdownTimeoutSeconds: number;
  metadata: Record<string, string>;
  labels: Record<string, string>;
  /** `stopped` keeps the domain shut off; absent means running (state written before power existed has none). */
  powerState?: "stopped";
}

export interface MachineOutputs extends MachineInputs {
  uuid: string;
  acceleratorUsed: "kvm" | "qemu";
  state: string;
  sshHost?: string;
  sshPort?: number;
  /** `tcp/80` -> the 127.0.0.1 port that reaches guest port 80 (user-mode networking). */
  forwardedPorts: Record<string, number>;
  privateIp?: string;
  dir: string;
  diskPath: string;
  seedPath: string;
  consoleLog: string;
}

/** Changing any of these makes a new machine; cpus and memory change in place. */
export const REPLACE_ON: (keyof MachineInputs)[] = [
  "uri",
  "name",
  "hostname",
  "diskGiB",
  "image",
  "network",
  "ports",
  "sshUser",
  "sshKeys",
  "userData",
  "stateDir",
];
/** Changing these needs the domain restarted; the rest of UPDATE_ON is recorded without a restart. */
const RESTART_ON: (keyof MachineInputs)[] = ["cpus", "memoryMiB", "accelerator"];
const UPDATE_ON: (keyof MachineInputs)[] = [
  ...RESTART_ON,
  "shutdownTimeoutSeconds",
  "metadata",
  "labels",
  "powerState",
];

const wantsStopped = (inputs: Pick<MachineInputs, "powerState">) => inputs.powerState === "stopped";

const GUEST_SSH_PORT = 22;
const USER_MODE_GUEST_IP = "10.0.2.15";

function freeLoopbackPort(protocol: "tcp" | "udp"): Promise<number> {
  return new Promise((resolve, reject) => {
    if (protocol === "udp") {
      const socket = dgram.createSocket("udp4");
      socket.once("error", reject);
      socket.bind(0, "127.0.0.1", () => {
        const port = socket.address().port;
        socket.close(() => resolve(port));
      });
      return;
    }
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** A free 127.0.0.1 port for SSH and for every published guest port. */
async function allocateForwards(inputs: MachineInputs): Promise<Record<string, number>> {
  const wanted = [{ protocol: "tcp" as const, port: GUEST_SSH_PORT }, ...inputs.ports];
  const forwards: Record<string, number> = {};
  for (const { protocol, port } of wanted) {
    const key = `${protocol}/${port}`;
    if (!(key in forwards)) forwards[key] = await freeLoopbackPort(protocol);
  }
  return forwards;
}

function forwardList(forwards: Record<string, number>): PortForward[] {
  return Object.entries(forwards).map(([key, hostPort]) => {
    const [protocol, guestPort] = key.split("/");
    return { protocol: protocol as "tcp" | "udp", hostPort, guestPort: Number(guestPort) };
  });
}

function paths(inputs: MachineInputs) {
  const dir = path.join(inputs.stateDir, inputs.name);
  return {
    dir,
    diskPath: path.join(dir, "disk.qcow2"),
    seedPath: path.join(dir, "seed.iso"),
    consoleLog: path.join(dir, "console.log"),
  };
}

function specOf(inputs: MachineInputs, accelerator: "kvm" | "qemu", forwards: Record<string, number>): DomainSpec {
  const p = paths(inputs);
  return {
    name: inputs.name,
    accelerator,
    cpus: inputs.cpus,
    memoryMiB: inputs.memoryMiB,
    diskPath: p.diskPath,
    diskFormat: "qcow2",
    seedPath: p.seedPath,
    consoleLogPath: p.consoleLog,
    network:
      inputs.network === "user"
        ? { mode: "user", forwards: forwardList(forwards) }
        : { mode: "network", name: inputs.network },
    kernel: inputs.image.kernel,
    metadata: inputs.metadata,
    labels: inputs.labels ?? {},
  };
}

async function define(inputs: MachineInputs, spec: DomainSpec): Promise<void> {
  const file = path.join(paths(inputs).dir, "domain.xml");
  await writeFile(file, domainXml(spec));
  await virsh(inputs.uri, ["define", file]);
}

async function defineAndStart(inputs: MachineInputs, spec: DomainSpec): Promise<void> {
  await define(inputs, spec);
  await virsh(inputs.uri, ["start", inputs.name], 120_000);
}

const unescapeXml = (text: string) =>
  text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");

/**
 * Who a domain belongs to, from Machina's metadata element: the recorded project, stack and Machine;
 * undefined when the domain has no Machina metadata (someone else's).
 */
export function ownerOf(domainXmlText: string): Record<string, string> | undefined {
  const element = new RegExp(
    `<(\\w+):machine\\s+xmlns:\\1=['"]${METADATA_NS.replace(/[.]/g, "\\.")}['"]>([\\s\\S]*)</\\1:machine>\\s*</metadata>`,
  ).exec(domainXmlText);
  if (!element) return undefined;
  const owner: Record<string, string> = {};
  // The wrapper is itself `<prefix:machine>`: its children are the single-line <prefix:key>value</prefix:key>.
  for (const m of element[2].matchAll(/<\w+:(project|stack|machine)>([^<]*)<\/\w+:\1>/g))
    owner[m[1]] = unescapeXml(m[2]);
  return owner;
}

function sameOwner(recorded: Record<string, string> | undefined, wanted: Record<string, string>): boolean {
  if (!recorded) return false;
  return ["project", "stack", "machine"].every((k) => recorded[k] === wanted[k]);
}

const describeOwner = (o: Record<string, string> | undefined) =>
  o
    ? `project ${JSON.stringify(o.project ?? "")}, stack ${JSON.stringify(o.stack ?? "")}, Machine ${JSON.stringify(o.machine ?? "")}`
    : "nobody Machina knows (no Machina metadata)";

const OWNER_FILE = "owner.json";

function ownerOfDir(dir: string): Record<string, string> | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, OWNER_FILE), "utf8")) as Record<string, string>;
  } catch {
    return undefined;
  }
}

/**
 * Clears what an interrupted create of this very Machine left (a domain or a folder of its name
 * that Pulumi never recorded). Anything recorded as another owner's, or with no owner, is left
 * alone and the create fails, naming it.
 */
async function clearOwnLeftovers(inputs: MachineInputs): Promise<void> {
  const p = paths(inputs);
  if (await domainInfo(inputs.uri, inputs.name)) {
    const owner = ownerOf(await virsh(inputs.uri, ["dumpxml", inputs.name]));
    if (!sameOwner(owner, inputs.metadata)) {
      throw new Error(
        `a libvirt domain named ${inputs.name} exists and belongs to ${describeOwner(owner)}, not to ${describeOwner(inputs.metadata)}. ` +
          `Machina never touches a machine it cannot prove is this Machine's: rename this Machine (or stack), or, if that domain is really unused, remove it yourself (virsh destroy ${inputs.name}; virsh undefine ${inputs.name}).`,
      );
    }
    await destroyMachine(inputs);
  } else if (existsSync(p.dir)) {
    const owner = ownerOfDir(p.dir);
    if (owner && !sameOwner(owner, inputs.metadata)) {
      throw new Error(
        `the folder ${p.dir} belongs to ${describeOwner(owner)}, not to ${describeOwner(inputs.metadata)}: rename this Machine (or stack), or remove the folder if it is really unused`,
      );
    }
    await rm(p.dir, { recursive: true, force: true });
  }
}

/** Removes the domain and its files. Anything already gone is fine. */
export async function destroyMachine(inputs: Pick<MachineInputs, "uri" | "name" | "stateDir">): Promise<void> {
  await removeDomain(inputs.uri, inputs.name);
  await rm(path.join(inputs.stateDir, inputs.name), { recursive: true, force: true });
}

/** The error when the domain of this name is not the one Pulumi recorded: it is never touched. */
function notOurs(name: string, recordedUuid: string, foundUuid: string): Error {
  return new Error(
    `the libvirt domain ${name} has uuid ${foundUuid}, not ${recordedUuid}, the one this stack created: it was replaced outside this stack and is left alone. ` +
      `Run refresh (machina refresh, or pulumi refresh) so the stack forgets the machine that is gone, then run this again.`,
  );
}

export async function createMachine(inputs: MachineInputs): Promise<{ id: string; outs: MachineOutputs }>;
export async function createMachine(inputs: AdoptedInputs): Promise<{ id: string; outs: AdoptedOutputs }>;
export async function createMachine(
  inputs: MachineInputs | AdoptedInputs,
): Promise<{ id: string; outs: MachineOutputs | AdoptedOutputs }>;
export async function createMachine(
  inputs: MachineInputs | AdoptedInputs,
): Promise<{ id: string; outs: MachineOutputs | AdoptedOutputs }> {
  if (isAdoptedInputs(inputs)) return takeOverDomain(inputs);
  const p = paths(inputs);
  await clearOwnLeftovers(inputs);
  try {
    await mkdir(p.dir, { recursive: true, mode: 0o700 });
    await chmod(p.dir, 0o700);
    await writeFile(path.join(p.dir, OWNER_FILE), JSON.stringify(inputs.metadata), { mode: 0o600 });
    const size = `${inputs.diskGiB}G`;
    if (inputs.image.diskPath && inputs.image.fullCopy) {
      // Restored from a Snapshot: a standalone copy, so the Snapshot can be deleted without harm.
      await run("qemu-img", ["convert", "-q", "-O", "qcow2", inputs.image.diskPath, p.diskPath], {
        timeout: 30 * 60_000,
      });
      if (inputs.diskGiB * 1024 ** 3 > (await virtualSizeBytes(p.diskPath)))
        await run("qemu-img", ["resize", "-q", p.diskPath, size], { timeout: 60_000 });
    } else if (inputs.image.diskPath) {
      const baseBytes = await virtualSizeBytes(inputs.image.diskPath);
      const wanted = Math.max(inputs.diskGiB * 1024 ** 3, baseBytes);
      await run(
        "qemu-img",
        [
          "create",
          "-q",
          "-f",
          "qcow2",
          "-b",
          inputs.image.diskPath,
          "-F",
          inputs.image.diskFormat ?? "qcow2",
          p.diskPath,
          String(wanted),
        ],
        { timeout: 60_000 },
      );
    } else {
      await run("qemu-img", ["create", "-q", "-f", "qcow2", p.diskPath, size], { timeout: 60_000 });
    }
    await writeSeedIso(p.seedPath, {
      instanceId: `${inputs.name}-${Date.now().toString(36)}`,
      hostname: inputs.hostname,
      sshUser: inputs.sshUser,
      sshKeys: inputs.sshKeys,
      userData: inputs.userData,
    });
    let acceleratorUsed = await chooseAccelerator(inputs.accelerator);
    const forwards = inputs.network === "user" ? await allocateForwards(inputs) : {};
    try {
      // A machine created stopped is defined only: its first boot comes with its first start.
      if (wantsStopped(inputs)) await define(inputs, specOf(inputs, acceleratorUsed, forwards));
      else await defineAndStart(inputs, specOf(inputs, acceleratorUsed, forwards));
    } catch (e) {
      // KVM that passed the probe can still refuse this guest: software emulation always works.
      if (inputs.accelerator !== "auto" || acceleratorUsed !== "kvm") throw e;
      await removeDomain(inputs.uri, inputs.name);
      acceleratorUsed = "qemu";
      await defineAndStart(inputs, specOf(inputs, acceleratorUsed, forwards));
    }
    const info = await domainInfo(inputs.uri, inputs.name);
    if (!info) throw new Error(`domain ${inputs.name} vanished right after it was started`);
    const outs: MachineOutputs = {
      ...inputs,
      ...p,
      uuid: info.uuid,
      acceleratorUsed,
      state: info.state,
      sshHost: inputs.network === "user" ? "127.0.0.1" : undefined,
      sshPort: inputs.network === "user" ? forwards[`tcp/${GUEST_SSH_PORT}`] : GUEST_SSH_PORT,
      forwardedPorts: forwards,
      privateIp:
        inputs.network === "user"
          ? USER_MODE_GUEST_IP
          : wantsStopped(inputs)
            ? undefined
            : await waitForLease(inputs.uri, inputs.name, 60_000),
    };
    return { id: info.uuid, outs };
  } catch (e) {
    await destroyMachine(inputs).catch(() => undefined);
    throw new Error(`creating libvirt machine ${inputs.name} failed (cleaned up): ${(e as Error).message}`);
  }
}

async function waitForLease(uri: string, name: string, timeoutMs: number): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const address = await leaseAddress(uri, name);
    if (address) return address;
    await new Promise((r) => setTimeout(r, 2000));
  }
  return undefined;
}

/** The machine as it really is; an empty id when it is gone, so that refresh drops it. */
export async function readMachine<T extends MachineOutputs | AdoptedOutputs>(
  id: string,
  props: T,
): Promise<{ id: string; props: T | Record<string, never> }> {
  const info = await domainInfo(props.uri, props.name);
  if (!info || info.uuid !== id) return { id: "", props: {} };
  const privateIp =
    props.network === "user" ? props.privateIp : ((await leaseAddress(props.uri, props.name)) ?? props.privateIp);
  const xml = await virsh(props.uri, ["dumpxml", props.name]).catch(() => "");
  const acceleratorUsed = /<domain type='kvm'/.test(xml)
    ? "kvm"
    : /<domain type='qemu'/.test(xml)
      ? "qemu"
      : props.acceleratorUsed;
  // A domain shut off outside the stack reads as stopped, so the next up starts it again (and the reverse).
  const { powerState: _recorded, ...rest } = props;
  return {
    id,
    props: {
      ...rest,
      ...(info.state === "shut off" ? { powerState: "stopped" as const } : {}),
      cpus: info.cpus,
      memoryMiB: info.memoryMiB,
      state: info.state,
      privateIp,
      acceleratorUsed,
    } as T,
  };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export function diffMachine(olds: MachineOutputs | AdoptedOutputs, news: MachineInputs | AdoptedInputs) {
  if (isAdoptedInputs(news) || isAdoptedInputs(olds)) {
    if (isAdoptedInputs(news) && isAdoptedInputs(olds)) return diffAdopted(olds as AdoptedOutputs, news);
    // A machine Machina made is never swapped for an adopted one in place, nor the reverse.
    return { changes: true, replaces: ["adopt"], deleteBeforeReplace: false };
  }
  const replaces = REPLACE_ON.filter((k) => !same(olds[k], news[k]));
  const updates = UPDATE_ON.filter((k) => !same(olds[k], news[k]));
  return { changes: replaces.length + updates.length > 0, replaces, deleteBeforeReplace: true };
}

/**
 * vCPUs, memory and accelerator change in place with a restart: the domain is stopped (politely
 * first), redefined and started again. Labels and settings are redefined without a restart. The power
 * state is applied last: stopped is a graceful shutdown (ACPI) bounded by shutdownTimeoutSeconds, then
 * a forced off; running starts a domain that is shut off.
 */
export async function updateMachine(
  id: string,
  olds: MachineOutputs,
  news: MachineInputs,
): Promise<{ outs: MachineOutputs }>;
export async function updateMachine(
  id: string,
  olds: AdoptedOutputs,
  news: AdoptedInputs,
): Promise<{ outs: AdoptedOutputs }>;
export async function updateMachine(
  id: string,
  olds: MachineOutputs | AdoptedOutputs,
  news: MachineInputs | AdoptedInputs,
): Promise<{ outs: MachineOutputs | AdoptedOutputs }>;
export async function updateMachine(
  id: string,
  olds: MachineOutputs | AdoptedOutputs,
  news: MachineInputs | AdoptedInputs,
): Promise<{ outs: MachineOutputs | AdoptedOutputs }> {
  if (isAdoptedInputs(news)) return updateAdopted(id, olds as AdoptedOutputs, news);
  if (isAdoptedInputs(olds)) throw new Error("an adopted machine is replaced, never updated into a new one");
  const current = await domainInfo(news.uri, news.name);
  if (!current)
    throw new Error(`the libvirt domain ${news.name} (uuid ${id}) is gone: run refresh, then up to create it again`);
  if (current.uuid !== id) throw notOurs(news.name, id, current.uuid);
  const acceleratorUsed =
    news.accelerator === olds.accelerator ? olds.acceleratorUsed : await chooseAccelerator(news.accelerator);
  const spec = { ...specOf(news, acceleratorUsed, olds.forwardedPorts ?? {}), uuid: id };
  if (RESTART_ON.some((k) => !same(olds[k], news[k])))
    await stopDomain(news.uri, news.name, news.shutdownTimeoutSeconds);
  await define(news, spec);
  // Starts it again after a restart, unless it is to stay stopped.
  await applyPower(news);
  const info = await domainInfo(news.uri, news.name);
  if (!info || info.uuid !== id)
    throw new Error(`domain ${news.name} is not the one Pulumi knows (uuid ${id}); run pulumi refresh`);
  const { powerState: _was, ...kept } = olds;
  return {
    outs: { ...kept, ...news, acceleratorUsed, state: info.state, cpus: info.cpus, memoryMiB: info.memoryMiB },
  };
}

/** Brings the domain to the power state the inputs ask for; one already there is left alone. */
async function applyPower(inputs: MachineInputs): Promise<void> {
  const state = (await domainInfo(inputs.uri, inputs.name))?.state;
  if (wantsStopped(inputs)) {
    if (state !== "shut off") await stopDomain(inputs.uri, inputs.name, inputs.shutdownTimeoutSeconds);
  } else if (state === "shut off") {
    await virsh(inputs.uri, ["start", inputs.name], 120_000);
  }
}

/**
 * Deletes exactly the domain Pulumi recorded (by uuid) and its folder. Gone already is fine; a
 * different domain that took the name is never touched.
 */
export async function deleteMachine(id: string, props: MachineOutputs | AdoptedOutputs): Promise<void> {
  if (isAdoptedInputs(props)) return deleteAdopted(id, props);
  const current = await domainInfo(props.uri, props.name);
  if (current && current.uuid !== id) throw notOurs(props.name, id, current.uuid);
  if (current) await removeDomain(props.uri, id);
  await rm(path.join(props.stateDir, props.name), { recursive: true, force: true });
}

/** The serial console output so far (for diagnostics). */
export function consoleOutput(props: Pick<MachineOutputs, "consoleLog">): string {
  return existsSync(props.consoleLog) ? readFileSync(props.consoleLog, "utf8") : "";
}
