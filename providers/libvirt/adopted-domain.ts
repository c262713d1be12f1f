/**
 * A libvirt domain made outside Machina (plain `virsh define`) and taken over by a Machine. Pulumi's
 * `import` cannot import a dynamic provider's resource (the engine's import calls `read` without the
 * serialized provider, pulumi/pulumi#16175), so the dynamic provider's `create` takes the domain over
 * instead of making one: it checks the domain against the Machine's spec (a difference is an error
 * naming the fields; nothing is changed) and records it. From then on vCPUs, memory and the power state
 * change in place by editing the domain's own definition; its disks, devices and name stay as they are.
 * Deleting it (only when the user opted out of retainOnDelete) undefines the domain and leaves its disks.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { METADATA_NS } from "./domain-xml";
import { domainInfo, leaseAddress, removeDomain, stopDomain, virsh } from "./virsh";

export interface AdoptedInputs {
  uri: string;
  /** The domain taken over: its name or UUID as the user gave it. */
  adopt: string;
  cpus: number;
  memoryMiB: number;
  shutdownTimeoutSeconds: number;
  metadata: Record<string, string>;
  labels: Record<string, string>;
  powerState?: "stopped";
}

export interface AdoptedOutputs extends AdoptedInputs {
  uuid: string;
  /** The domain's own name (the id may have been its UUID). */
  name: string;
  state: string;
  acceleratorUsed: "kvm" | "qemu";
  /** `user`, the libvirt network its first interface is on, or `none`. */
  network: string;
  /** Its first disk's file, where it was and stays. */
  diskPath?: string;
  privateIp?: string;
  forwardedPorts: Record<string, number>;
  consoleLog: string;
}

export const isAdoptedInputs = (inputs: object): inputs is AdoptedInputs =>
  typeof (inputs as { adopt?: unknown }).adopt === "string";

const unescape = (text: string) =>
  text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");

/** What a domain's XML says about it, for the record: name, first disk, network, accelerator, Machina owner. */
export function domainFacts(xml: string) {
  const network = /<interface type=['"]network['"]>[\s\S]*?<source network=['"]([^'"]+)['"]/.exec(xml)?.[1];
  return {
    name: unescape(/<name>([^<]+)<\/name>/.exec(xml)?.[1] ?? ""),
    diskPath:
      unescape(/<disk [^>]*device=['"]disk['"][^>]*>[\s\S]*?<source file=['"]([^'"]+)['"]/.exec(xml)?.[1] ?? "") ||
      undefined,
    network:
      network ??
      (/<interface type=['"]user['"]|hostfwd=|-netdev['"]\/>\s*<qemu:arg value=['"]user/.test(xml) ? "user" : "none"),
    acceleratorUsed: (/<domain type=['"]kvm['"]/.test(xml) ? "kvm" : "qemu") as "kvm" | "qemu",
    machinaOwner: new RegExp(`xmlns:\\w+=['"]${METADATA_NS.replace(/[.]/g, "\\.")}['"]`).test(xml),
  };
}

/**
 * The domain definition with `cpus` vCPUs and `memoryMiB` of memory (maximum and current), everything
 * else as it was: its disks, devices, name and UUID.
 */
export function resizedDomainXml(xml: string, cpus: number, memoryMiB: number): string {
  const kib = memoryMiB * 1024;
  return xml
    .replace(/<memory(\s[^>]*)?>\s*\d+\s*<\/memory>/, `<memory unit='KiB'>${kib}</memory>`)
    .replace(/<currentMemory(\s[^>]*)?>\s*\d+\s*<\/currentMemory>/, `<currentMemory unit='KiB'>${kib}</currentMemory>`)
    .replace(
      /<vcpu([^>]*)>\s*\d+\s*<\/vcpu>/,
      (_m, attrs: string) => `<vcpu${attrs.replace(/\s+current=['"]\d+['"]/, "")}>${cpus}</vcpu>`,
    );
}

const gib = (mib: number) => Number((mib / 1024).toFixed(3));

/** Takes the domain over: the Machine's spec must describe it as it is. */
export async function takeOverDomain(inputs: AdoptedInputs): Promise<{ id: string; outs: AdoptedOutputs }> {
  const info = await domainInfo(inputs.uri, inputs.adopt);
  if (!info)
    throw new Error(
      `there is no libvirt domain ${JSON.stringify(inputs.adopt)} on ${inputs.uri} to adopt: give the name or UUID \`virsh -c ${inputs.uri} list --all\` shows`,
    );
  const facts = domainFacts(await virsh(inputs.uri, ["dumpxml", info.uuid]));
  if (facts.machinaOwner)
    throw new Error(
      `the libvirt domain ${facts.name} was made by a Machina Machine: it is that stack's, and is not adopted a second time`,
    );
  const differences: string[] = [];
  if (info.cpus !== inputs.cpus || info.memoryMiB !== inputs.memoryMiB)
    differences.push(
      `size: the Machine asks for ${inputs.cpus} vCPU and ${inputs.memoryMiB} MiB, the domain has ${info.cpus} vCPU and ${info.memoryMiB} MiB ` +
        `(write size: { type: "${info.cpus}cpu-${gib(info.memoryMiB)}gb" } to adopt it as it is, then change the size with a later up)`,
    );
  if (differences.length > 0)
    throw new Error(
      `Machine ${JSON.stringify(inputs.metadata.machine ?? "")}: the libvirt domain ${facts.name} differs from the Machine's spec in ${differences.length} field${differences.length === 1 ? "" : "s"}, ` +
        `and adopting never changes or replaces a machine:\n${differences.map((d) => `  - ${d}`).join("\n")}`,
    );
  await applyPower(inputs, facts.name);
  const now = await domainInfo(inputs.uri, info.uuid);
  return {
    id: info.uuid,
    outs: {
      ...inputs,
      ...facts,
      uuid: info.uuid,
      state: now?.state ?? info.state,
      privateIp:
        facts.network !== "user" && facts.network !== "none" ? await leaseAddress(inputs.uri, facts.name) : undefined,
      forwardedPorts: {},
      consoleLog: "",
    },
  };
}

async function applyPower(inputs: Pick<AdoptedInputs, "uri" | "powerState" | "shutdownTimeoutSeconds">, name: string) {
  const state = (await domainInfo(inputs.uri, name))?.state;
  if (inputs.powerState === "stopped") {
    if (state !== "shut off") await stopDomain(inputs.uri, name, inputs.shutdownTimeoutSeconds);
  } else if (state === "shut off") {
    await virsh(inputs.uri, ["start", name], 120_000);
  }
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const REPLACE_ON: (keyof AdoptedInputs)[] = ["uri", "adopt"];
const UPDATE_ON: (keyof AdoptedInputs)[] = [
  "cpus",
  "memoryMiB",
  "powerState",
  "shutdownTimeoutSeconds",
  "metadata",
  "labels",
];

export function diffAdopted(olds: AdoptedOutputs, news: AdoptedInputs) {
  const replaces = REPLACE_ON.filter((k) => !same(olds[k], news[k]));
  const updates = UPDATE_ON.filter((k) => !same(olds[k], news[k]));
  // A replacement is another domain taken over; the one before is let go (retained) or deleted as asked.
  return { changes: replaces.length + updates.length > 0, replaces, deleteBeforeReplace: false };
}

function notTheAdopted(name: string, id: string, found: string): Error {
  return new Error(
    `the libvirt domain ${name} has uuid ${found}, not ${id}, the one this stack adopted: it is left alone. Run refresh, then adopt again.`,
  );
}

/** vCPUs and memory: the domain is stopped (politely first), its own definition edited and started again. */
export async function updateAdopted(
  id: string,
  olds: AdoptedOutputs,
  news: AdoptedInputs,
): Promise<{ outs: AdoptedOutputs }> {
  const current = await domainInfo(news.uri, id);
  if (!current) throw new Error(`the adopted libvirt domain ${olds.name} (uuid ${id}) is gone: run refresh`);
  if (current.uuid !== id) throw notTheAdopted(olds.name, id, current.uuid);
  if (current.cpus !== news.cpus || current.memoryMiB !== news.memoryMiB) {
    await stopDomain(news.uri, id, news.shutdownTimeoutSeconds);
    const dir = await mkdtemp(path.join(tmpdir(), "machina-adopted-"));
    try {
      const file = path.join(dir, "domain.xml");
      await writeFile(
        file,
        resizedDomainXml(await virsh(news.uri, ["dumpxml", "--inactive", id]), news.cpus, news.memoryMiB),
      );
      await virsh(news.uri, ["define", file]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  await applyPower(news, id);
  const info = await domainInfo(news.uri, id);
  if (!info || info.uuid !== id)
    throw new Error(`the adopted domain ${olds.name} is not the one Pulumi knows (uuid ${id}); run refresh`);
  const { powerState: _was, ...kept } = olds;
  return { outs: { ...kept, ...news, state: info.state, cpus: info.cpus, memoryMiB: info.memoryMiB } };
}

/** Only when the user opted out of retainOnDelete: the domain is undefined; its disks, never Machina's, stay. */
export async function deleteAdopted(id: string, props: AdoptedOutputs): Promise<void> {
  const current = await domainInfo(props.uri, id);
  if (!current) return;
  if (current.uuid !== id) throw notTheAdopted(props.name, id, current.uuid);
  await removeDomain(props.uri, id);
}
