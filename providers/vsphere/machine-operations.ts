/**
 * The lifecycle of a vSphere VM as the dynamic provider runs it: clone from a template, reconfigure
 * (vCPUs, memory, disk, guestinfo cloud-init), tag, power on; read, update in place, destroy. Every
 * operation is idempotent; a create that fails removes what it made; a VM left by an interrupted
 * create is found by its deterministic name and owner marker and removed by the next create.
 */
import { serverName } from "./connection";
import type { Placement, PlacementRequest } from "./placement";
import { findTemplate, inventoryPath, resolvePlacement } from "./placement";
import { PLACEMENT_KEYS } from "./settings";
import type { MoRef, SoapObject, XmlNode } from "./soap";
import { asArray, moRef, moRefOf, SoapFault, textOf, xsiType } from "./soap";
import type { ObjectExists } from "./tags";
import { tagClientFor } from "./tags";
import type { Connection, TaskProgress, Vim } from "./vim";
import { optionValues, sessionFor, VimError } from "./vim";

export interface Owner {
  project: string;
  stack: string;
  machine: string;
}

export interface VsphereMachineInputs extends PlacementRequest {
  /** The vCenter the VM lives on (a host name, not a credential): recorded so delete and refresh go there. */
  server: string;
  /** VM name: derived from project, stack and Machine, so a re-run finds what an interrupted run left. */
  name: string;
  hostname: string;
  owner: Owner;
  /** Template: an inventory path, a path in the datacenter's VM folder, or a managed object id. */
  template: string;
  cpus: number;
  memoryMiB: number;
  /** Grows the first disk to this size; never shrinks it. */
  diskGiB?: number;
  /** Cloud-init user data (Machina's parts merged in), sent base64 as `guestinfo.userdata`. */
  userData?: string;
  /** Cloud-init meta data, sent base64 as `guestinfo.metadata`. */
  metadata: string;
  labels: Record<string, string>;
  powerOn: boolean;
  /** How long create waits for VMware Tools to report an address; 0 does not wait. */
  waitForGuestNetSeconds: number;
  /** The bound on each vSphere task (clone, reconfigure, power, destroy). */
  taskTimeoutSeconds: number;
}

export interface VsphereMachineOutputs extends VsphereMachineInputs {
  moid: string;
  instanceUuid: string;
  powerState: string;
  ipAddress?: string;
  /** Where the VM was placed (inventory paths). */
  placement: { datacenter: string; folder: string; resourcePool: string; path: string };
}

/** Changing any of these makes a new VM; cpus, memory, labels and power change in place. */
export const REPLACE_ON: (keyof VsphereMachineInputs)[] = [
  "server",
  "name",
  "hostname",
  "template",
  ...PLACEMENT_KEYS,
  "diskGiB",
  "userData",
  "metadata",
];
const UPDATE_ON: (keyof VsphereMachineInputs)[] = [
  "cpus",
  "memoryMiB",
  "labels",
  "powerOn",
  "owner",
  "waitForGuestNetSeconds",
  "taskTimeoutSeconds",
];
const RESTART_ON: (keyof VsphereMachineInputs)[] = ["cpus", "memoryMiB"];

/** The extraConfig key that records who a VM belongs to. */
export const OWNER_KEY = "machina.owner";

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** A progress line for a long task (shown in the provider's log; bounded waits say where they stopped). */
export let onTaskProgress: (p: TaskProgress) => void = () => undefined;
export function setTaskProgressListener(listener: (p: TaskProgress) => void): void {
  onTaskProgress = listener;
}

/** A progress listener that writes a line when a task starts, every `everyMs` while it runs, and when it ends. */
export function throttledProgressLog(write: (line: string) => void, everyMs = 10_000): (p: TaskProgress) => void {
  const last = new Map<string, number>();
  return (p) => {
    const previous = last.get(p.task);
    const ended = p.state === "success" || p.state === "error";
    if (previous !== undefined && !ended && p.elapsedMs - previous < everyMs) return;
    last.set(p.task, p.elapsedMs);
    if (ended) last.delete(p.task);
    const percent = p.progress === undefined ? "" : ` ${p.progress}%`;
    write(`vsphere: ${p.label} (${p.task}): ${p.state}${percent} after ${Math.round(p.elapsedMs / 1000)} s`);
  };
}

const base64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
const option = (key: string, value: string): SoapObject => ({ key, value: { $type: "xsd:string", $text: value } });

/** The guestinfo keys the VMware datasource of cloud-init reads, and Machina's owner marker. */
export function extraConfigFor(inputs: Pick<VsphereMachineInputs, "userData" | "metadata" | "owner">): SoapObject[] {
  const entries = [option(OWNER_KEY, JSON.stringify(inputs.owner))];
  entries.push(option("guestinfo.metadata", base64(inputs.metadata)), option("guestinfo.metadata.encoding", "base64"));
  if (inputs.userData !== undefined)
    entries.push(
      option("guestinfo.userdata", base64(inputs.userData)),
      option("guestinfo.userdata.encoding", "base64"),
    );
  return entries;
}

export function annotationFor(owner: Owner): string {
  return `Managed by Machina: project ${owner.project}, stack ${owner.stack}, Machine ${owner.machine}. Change it through the stack.`;
}

/** The clone spec: placement, powered off, and the owner marker from the first moment the VM exists. */
export function cloneSpec(placement: Placement, owner: Owner): SoapObject {
  return {
    location: {
      ...(placement.datastore ? { datastore: moRef(placement.datastore.type, placement.datastore.value) } : {}),
      pool: moRef(placement.pool.type, placement.pool.value),
    },
    template: false,
    config: {
      annotation: annotationFor(owner),
      extraConfig: [option(OWNER_KEY, JSON.stringify(owner))],
    },
    powerOn: false,
  };
}

interface ParsedDisk {
  key: string;
  controllerKey: string;
  unitNumber?: string;
  capacityInKB: number;
  backing: Record<string, XmlNode>;
}

/** The first virtual disk of a device list. */
export function firstDisk(devices: XmlNode | XmlNode[] | undefined): ParsedDisk | undefined {
  const list =
    devices && typeof devices === "object" && !Array.isArray(devices) ? (devices.VirtualDevice ?? []) : (devices ?? []);
  for (const d of asArray(list as XmlNode | XmlNode[]) as Record<string, XmlNode>[]) {
    if (xsiType(d) !== "VirtualDisk") continue;
    return {
      key: textOf(d.key) ?? "",
      controllerKey: textOf(d.controllerKey) ?? "",
      unitNumber: textOf(d.unitNumber),
      capacityInKB: Number(textOf(d.capacityInKB) ?? 0),
      backing: (d.backing ?? {}) as Record<string, XmlNode>,
    };
  }
  return undefined;
}

const NIC_TYPES = /^Virtual(E1000e?|Vmxnet\d?|Vmxnet3Vrdma|PCNet32|SriovEthernetCard)$/;

/** The first network card of a device list, as parsed. */
export function firstNic(devices: XmlNode | XmlNode[] | undefined): Record<string, XmlNode> | undefined {
  const list =
    devices && typeof devices === "object" && !Array.isArray(devices) ? (devices.VirtualDevice ?? []) : (devices ?? []);
  return (asArray(list as XmlNode | XmlNode[]) as Record<string, XmlNode>[]).find((d) =>
    NIC_TYPES.test(xsiType(d) ?? ""),
  );
}

/** The edit that moves a network card to another network: the card as it is, with the new backing. */
export function nicEdit(nic: Record<string, XmlNode>, backing: SoapObject): SoapObject {
  const connectable = (nic.connectable ?? {}) as Record<string, XmlNode>;
  const flag = (key: string) => (connectable[key] === undefined ? undefined : textOf(connectable[key]) === "true");
  return {
    operation: "edit",
    device: {
      $type: xsiType(nic),
      key: textOf(nic.key),
      backing,
      connectable:
        nic.connectable === undefined
          ? undefined
          : {
              startConnected: flag("startConnected"),
              allowGuestControl: flag("allowGuestControl"),
              connected: flag("connected"),
            },
      controllerKey: textOf(nic.controllerKey),
      unitNumber: textOf(nic.unitNumber),
      addressType: textOf(nic.addressType),
      macAddress: textOf(nic.macAddress),
    },
  };
}

/** The reconfigure spec after a clone: vCPUs, memory, the disk grown to `diskGiB`, the network card's network, guestinfo. */
export function reconfigureSpec(
  inputs: Pick<VsphereMachineInputs, "cpus" | "memoryMiB" | "diskGiB" | "userData" | "metadata" | "owner">,
  disk: ParsedDisk | undefined,
  network?: SoapObject,
): SoapObject {
  const wantedKB = inputs.diskGiB === undefined ? 0 : inputs.diskGiB * 1024 * 1024;
  const grow = disk && wantedKB > disk.capacityInKB;
  const datastore = disk ? moRefOf(disk.backing.datastore) : undefined;
  const changes: SoapObject[] = [];
  if (grow)
    changes.push({
      operation: "edit",
      device: {
        $type: "VirtualDisk",
        key: disk.key,
        backing: {
          $type: xsiType(disk.backing) ?? "VirtualDiskFlatVer2BackingInfo",
          fileName: textOf(disk.backing.fileName) ?? "",
          ...(datastore ? { datastore: moRef(datastore.type, datastore.value) } : {}),
          diskMode: textOf(disk.backing.diskMode) ?? "persistent",
        },
        controllerKey: disk.controllerKey,
        unitNumber: disk.unitNumber,
        capacityInKB: wantedKB,
        // Servers since API 5.5 read the size in bytes; vcsim took a missing one for 0.
        capacityInBytes: wantedKB * 1024,
      },
    });
  if (network) changes.push(network);
  return {
    numCPUs: inputs.cpus,
    memoryMB: inputs.memoryMiB,
    deviceChange: changes.length > 0 ? changes : undefined,
    extraConfig: extraConfigFor(inputs),
  };
}

async function task(
  vim: Vim,
  method: string,
  self: MoRef,
  args: Record<string, unknown>,
  label: string,
  timeoutS: number,
) {
  const t = moRefOf(await vim.call(method, moRef(self.type, self.value), args as SoapObject));
  if (!t) throw new VimError(`vSphere ${method} returned no task`);
  return vim.waitForTask(moRef(t.type, t.value), label, { timeoutMs: timeoutS * 1000, onProgress: onTaskProgress });
}

const VM_PROPS = [
  "name",
  "config.instanceUuid",
  "config.hardware.numCPU",
  "config.hardware.memoryMB",
  "config.extraConfig",
  "runtime.powerState",
  "guest.ipAddress",
];

interface VmState {
  name: string;
  instanceUuid: string;
  cpus: number;
  memoryMiB: number;
  owner?: Owner;
  powerState: string;
  ipAddress?: string;
}

/** A VM's state; undefined when the object is gone. */
export async function vmState(vim: Vim, vm: MoRef): Promise<VmState | undefined> {
  let p: Awaited<ReturnType<Vim["properties"]>>;
  try {
    p = await vim.properties(vm, VM_PROPS);
  } catch (e) {
    if (e instanceof SoapFault && e.faultType === "ManagedObjectNotFound") return undefined;
    throw e;
  }
  if (p.name === undefined) return undefined;
  let owner: Owner | undefined;
  try {
    const marker = optionValues(p["config.extraConfig"])[OWNER_KEY];
    owner = marker ? (JSON.parse(marker) as Owner) : undefined;
  } catch {
    owner = undefined;
  }
  const ip = textOf(p["guest.ipAddress"]);
  return {
    name: textOf(p.name) ?? "",
    instanceUuid: textOf(p["config.instanceUuid"]) ?? "",
    cpus: Number(textOf(p["config.hardware.numCPU"]) ?? 0),
    memoryMiB: Number(textOf(p["config.hardware.memoryMB"]) ?? 0),
    owner,
    powerState: textOf(p["runtime.powerState"]) ?? "unknown",
    ipAddress: ip || undefined,
  };
}

const sameOwner = (a: Owner | undefined, b: Owner) =>
  a !== undefined && a.project === b.project && a.stack === b.stack && a.machine === b.machine;
const describeOwner = (o: Owner | undefined) =>
  o
    ? `project ${JSON.stringify(o.project)}, stack ${JSON.stringify(o.stack)}, Machine ${JSON.stringify(o.machine)}`
    : "nobody Machina knows (no machina.owner marker)";

async function powerOff(vim: Vim, vm: MoRef, timeoutS: number): Promise<void> {
  try {
    await task(vim, "PowerOffVM_Task", vm, {}, "power off", timeoutS);
  } catch (e) {
    // Already off is what we wanted.
    if (!(e instanceof SoapFault && e.faultType === "InvalidPowerState")) throw e;
  }
}

async function destroyVm(vim: Vim, vm: MoRef, timeoutS: number): Promise<void> {
  const state = await vmState(vim, vm);
  if (!state) return;
  if (state.powerState !== "poweredOff") await powerOff(vim, vm, timeoutS);
  try {
    await task(vim, "Destroy_Task", vm, {}, "destroy", timeoutS);
  } catch (e) {
    if (!(e instanceof SoapFault && e.faultType === "ManagedObjectNotFound")) throw e;
  }
}

/**
 * Removes a VM of this name in the target folder that an interrupted create of this very Machine
 * left. One recorded for another owner, or with no owner marker, is never touched: the create fails.
 */
async function clearOwnLeftover(vim: Vim, inputs: VsphereMachineInputs, folder: MoRef): Promise<void> {
  const existing = await vim.findChild(folder, inputs.name);
  if (!existing) return;
  const state = await vmState(vim, existing);
  if (!state) return;
  if (!sameOwner(state.owner, inputs.owner))
    throw new VimError(
      `a vSphere VM named ${inputs.name} (${existing.value}) exists and belongs to ${describeOwner(state.owner)}, not to ${describeOwner(inputs.owner)}. ` +
        `Machina never touches a VM it cannot prove is this Machine's: rename this Machine (or stack), or remove that VM yourself if it is really unused.`,
    );
  await destroyVm(vim, existing, inputs.taskTimeoutSeconds);
}

async function waitForAddress(vim: Vim, vm: MoRef, seconds: number): Promise<string | undefined> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const state = await vmState(vim, vm);
    if (state?.ipAddress) return state.ipAddress;
    if (Date.now() >= deadline) return undefined;
    await new Promise((r) => setTimeout(r, 2_000));
  }
}

/** Whether a tagged object still exists: a VM is asked for; other kinds are taken to exist. */
const objectExists =
  (vim: Vim): ObjectExists =>
  async (object) =>
    object.type !== "VirtualMachine" || (await vmState(vim, moRef("VirtualMachine", object.id))) !== undefined;

export interface OperationContext {
  connection: Connection;
}

function checkServer(connection: Connection, recorded: string): void {
  if (serverName(connection.server) !== serverName(recorded))
    throw new VimError(
      `this VM lives on the vCenter ${recorded}, but vsphere:vsphereServer (or VSPHERE_SERVER) is ${connection.server}: point them at the same server`,
    );
}

export async function createMachine(
  ctx: OperationContext,
  inputs: VsphereMachineInputs,
): Promise<{ id: string; outs: VsphereMachineOutputs }> {
  checkServer(ctx.connection, inputs.server);
  const vim = sessionFor(ctx.connection);
  const placement = await resolvePlacement(vim, inputs);
  const template = await findTemplate(vim, placement.datacenter.name, inputs.template);
  if (!template)
    throw new VimError(
      `the template ${JSON.stringify(inputs.template)} does not exist in datacenter ${placement.datacenter.name} on ${inputs.server}: give image an inventory path (/${placement.datacenter.name}/vm/templates/debian-12), a path in the VM folder, or a managed object id (vm-42)`,
    );
  await clearOwnLeftover(vim, inputs, placement.folder);
  let vm: MoRef | undefined;
  try {
    const result = await task(
      vim,
      "CloneVM_Task",
      template,
      {
        folder: moRef(placement.folder.type, placement.folder.value),
        name: inputs.name,
        spec: cloneSpec(placement, inputs.owner),
      },
      `clone ${inputs.name}`,
      inputs.taskTimeoutSeconds,
    );
    vm = moRefOf(result) ?? (await vim.findChild(placement.folder, inputs.name));
    if (!vm) throw new VimError(`the clone of ${inputs.name} finished but the VM is not in its folder`);
    vm = moRef(vm.type, vm.value);
    const devices = (await vim.properties(vm, ["config.hardware.device"]))["config.hardware.device"];
    let network: SoapObject | undefined;
    if (placement.network) {
      const nic = firstNic(devices);
      if (!nic)
        throw new VimError(
          `the template ${JSON.stringify(inputs.template)} has no network card to attach to the network ${JSON.stringify(inputs.network)}: give it one, or unset network`,
        );
      network = nicEdit(nic, placement.network.backing);
    }
    await task(
      vim,
      "ReconfigVM_Task",
      vm,
      { spec: reconfigureSpec(inputs, firstDisk(devices), network) },
      `reconfigure ${inputs.name}`,
      inputs.taskTimeoutSeconds,
    );
    if (Object.keys(inputs.labels).length > 0) await tagClientFor(ctx.connection).setLabels(vm.value, inputs.labels);
    if (inputs.powerOn) await task(vim, "PowerOnVM_Task", vm, {}, `power on ${inputs.name}`, inputs.taskTimeoutSeconds);
    const ipAddress = inputs.powerOn ? await waitForAddress(vim, vm, inputs.waitForGuestNetSeconds) : undefined;
    const state = await vmState(vim, vm);
    if (!state) throw new VimError(`the VM ${inputs.name} vanished right after it was created`);
    const outs: VsphereMachineOutputs = {
      ...inputs,
      cpus: state.cpus,
      memoryMiB: state.memoryMiB,
      moid: vm.value,
      instanceUuid: state.instanceUuid,
      powerState: state.powerState,
      ipAddress,
      placement: {
        datacenter: placement.datacenter.name,
        folder: await inventoryPath(vim, placement.folder),
        resourcePool: await inventoryPath(vim, placement.pool),
        path: await inventoryPath(vim, vm),
      },
    };
    return { id: vm.value, outs };
  } catch (e) {
    const leftover = vm ?? (await vim.findChild(placement.folder, inputs.name).catch(() => undefined));
    if (leftover) {
      const state = await vmState(vim, leftover).catch(() => undefined);
      // Only what this create made: the marker proves it.
      if (state && sameOwner(state.owner, inputs.owner))
        await destroyVm(vim, moRef(leftover.type, leftover.value), inputs.taskTimeoutSeconds).catch(() => undefined);
    }
    await tagClientFor(ctx.connection)
      .removeUnused(inputs.labels, objectExists(vim))
      .catch(() => undefined);
    throw new Error(`creating vSphere VM ${inputs.name} failed (cleaned up): ${(e as Error).message}`);
  }
}

/** The VM as it really is; an empty id when it is gone, so that refresh drops it. */
export async function readMachine(
  ctx: OperationContext,
  id: string,
  props: VsphereMachineOutputs,
): Promise<{ id: string; props: VsphereMachineOutputs | Record<string, never> }> {
  checkServer(ctx.connection, props.server);
  const vim = sessionFor(ctx.connection);
  const state = await vmState(vim, { type: "VirtualMachine", value: id });
  if (!state || state.instanceUuid !== props.instanceUuid) return { id: "", props: {} };
  const labels = await tagClientFor(ctx.connection)
    .labelsOf(id, Object.keys(props.labels ?? {}))
    .catch(() => props.labels);
  return {
    id,
    props: {
      ...props,
      cpus: state.cpus,
      memoryMiB: state.memoryMiB,
      powerState: state.powerState,
      powerOn: state.powerState === "poweredOn",
      ipAddress: state.ipAddress ?? props.ipAddress,
      labels,
    },
  };
}

export function diffMachine(olds: VsphereMachineOutputs, news: VsphereMachineInputs) {
  const replaces = REPLACE_ON.filter((k) => !same(olds[k], news[k]));
  const updates = UPDATE_ON.filter((k) => !same(olds[k], news[k]));
  return { changes: replaces.length + updates.length > 0, replaces, deleteBeforeReplace: true };
}

/** vCPUs and memory change with the VM powered off (it is started again after); labels and power in place. */
export async function updateMachine(
  ctx: OperationContext,
  id: string,
  olds: VsphereMachineOutputs,
  news: VsphereMachineInputs,
): Promise<{ outs: VsphereMachineOutputs }> {
  checkServer(ctx.connection, news.server);
  const vim = sessionFor(ctx.connection);
  const vm = moRef("VirtualMachine", id);
  let state = await vmState(vim, vm);
  if (!state || state.instanceUuid !== olds.instanceUuid)
    throw new VimError(`the vSphere VM ${news.name} (${id}) is gone: run refresh, then up to create it again`);
  const timeout = news.taskTimeoutSeconds;
  if (
    RESTART_ON.some((k) => !same(olds[k], news[k])) ||
    state.cpus !== news.cpus ||
    state.memoryMiB !== news.memoryMiB
  ) {
    if (state.powerState !== "poweredOff") await powerOff(vim, vm, timeout);
    await task(
      vim,
      "ReconfigVM_Task",
      vm,
      { spec: { numCPUs: news.cpus, memoryMB: news.memoryMiB } },
      `reconfigure ${news.name}`,
      timeout,
    );
  }
  if (!same(olds.owner, news.owner))
    await task(
      vim,
      "ReconfigVM_Task",
      vm,
      { spec: { annotation: annotationFor(news.owner), extraConfig: [option(OWNER_KEY, JSON.stringify(news.owner))] } },
      `record owner of ${news.name}`,
      timeout,
    );
  if (!same(olds.labels, news.labels))
    await tagClientFor(ctx.connection).setLabels(id, news.labels, Object.keys(olds.labels ?? {}), objectExists(vim));
  state = (await vmState(vim, vm))!;
  if (news.powerOn && state.powerState !== "poweredOn")
    await task(vim, "PowerOnVM_Task", vm, {}, `power on ${news.name}`, timeout);
  if (!news.powerOn && state.powerState === "poweredOn") await powerOff(vim, vm, timeout);
  const after = await vmState(vim, vm);
  if (!after) throw new VimError(`the vSphere VM ${news.name} (${id}) vanished during the update`);
  return {
    outs: {
      ...olds,
      ...news,
      cpus: after.cpus,
      memoryMiB: after.memoryMiB,
      powerState: after.powerState,
      ipAddress: after.ipAddress ?? olds.ipAddress,
    },
  };
}

/**
 * Destroys exactly the VM Pulumi recorded (managed object id and instance UUID); gone already is fine.
 * Then the tags of its labels that Machina made and nothing else carries go, and their empty categories.
 */
export async function deleteMachine(ctx: OperationContext, id: string, props: VsphereMachineOutputs): Promise<void> {
  checkServer(ctx.connection, props.server);
  const vim = sessionFor(ctx.connection);
  const vm = moRef("VirtualMachine", id);
  const state = await vmState(vim, vm);
  if (state && state.instanceUuid === props.instanceUuid) await destroyVm(vim, vm, props.taskTimeoutSeconds ?? 600);
  await tagClientFor(ctx.connection).removeUnused(props.labels ?? {}, objectExists(vim));
}
