/**
 * The stable entry point that serialized dynamic providers require by package name
 * (`pulumi-machina/internal/dynamic/v1`). State written by one release is refreshed and destroyed by
 * the next through this file: keep its exports and their input/output shapes compatible, and add a
 * v2 beside it rather than changing a shape.
 */
import { waitForService } from "../../components/service-probe";
import { endWhenEngineIsGone } from "./engine-gone";
import type * as LibvirtBaseImage from "../../providers/libvirt/base-image-operations";
import type * as LibvirtOperations from "../../providers/libvirt/machine-operations";
import type * as LibvirtSnapshotOperations from "../../providers/libvirt/snapshot-operations";
import type * as VsphereConnection from "../../providers/vsphere/connection";
import type * as VsphereOperations from "../../providers/vsphere/machine-operations";

// Every dynamic provider process loads this file, the readiness check of every cloud provider among
// them: each provider's operations load on first use, not with the file.
const libvirtBaseImageOperations = () =>
  (require("../../providers/libvirt/base-image-operations") as typeof LibvirtBaseImage).baseImageOperations;
const libvirt = () => require("../../providers/libvirt/machine-operations") as typeof LibvirtOperations;
const libvirtSnapshots = () =>
  require("../../providers/libvirt/snapshot-operations") as typeof LibvirtSnapshotOperations;
const vsphere = () => require("../../providers/vsphere/machine-operations") as typeof VsphereOperations;
const connectionFrom: typeof VsphereConnection.connectionFrom = (config, env) =>
  (require("../../providers/vsphere/connection") as typeof VsphereConnection).connectionFrom(config, env);

endWhenEngineIsGone();

/** Outputs go to the engine as a protobuf Struct, which has no `undefined`: drop such fields. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

type BaseImageOperations = typeof LibvirtBaseImage.baseImageOperations;

export const libvirtBaseImage = {
  create: async (inputs: Parameters<BaseImageOperations["create"]>[0]) =>
    plain(await libvirtBaseImageOperations().create(inputs)),
  diff: (...args: Parameters<BaseImageOperations["diff"]>) => libvirtBaseImageOperations().diff(...args),
  read: async (id: string, props: Parameters<BaseImageOperations["read"]>[1]) =>
    plain(await libvirtBaseImageOperations().read(id, props)),
  delete: (...args: Parameters<BaseImageOperations["delete"]>) => libvirtBaseImageOperations().delete(...args),
};

export const libvirtMachine = {
  create: async (inputs: Parameters<typeof LibvirtOperations.createMachine>[0]) =>
    plain(await libvirt().createMachine(inputs)),
  diff: async (
    _id: string,
    olds: Parameters<typeof LibvirtOperations.diffMachine>[0],
    news: Parameters<typeof LibvirtOperations.diffMachine>[1],
  ) => libvirt().diffMachine(olds, news),
  update: async (
    id: string,
    olds: Parameters<typeof LibvirtOperations.updateMachine>[1],
    news: Parameters<typeof LibvirtOperations.updateMachine>[2],
  ) => plain(await libvirt().updateMachine(id, olds, news)),
  read: async (id: string, props: Parameters<typeof LibvirtOperations.readMachine>[1]) =>
    plain(await libvirt().readMachine(id, props)),
  delete: (...args: Parameters<typeof LibvirtOperations.deleteMachine>) => libvirt().deleteMachine(...args),
};

type SnapshotInputs = LibvirtSnapshotOperations.SnapshotInputs;
type SnapshotOutputs = LibvirtSnapshotOperations.SnapshotOutputs;

export const libvirtSnapshot = {
  create: async (inputs: SnapshotInputs) => plain(await libvirtSnapshots().createSnapshot(inputs)),
  diff: async (_id: string, olds: SnapshotOutputs, news: SnapshotInputs) => libvirtSnapshots().diffSnapshot(olds, news),
  update: async (id: string, olds: SnapshotOutputs, news: SnapshotInputs) =>
    plain(await libvirtSnapshots().updateSnapshot(id, olds, news)),
  read: async (id: string, props: SnapshotOutputs) => plain(await libvirtSnapshots().readSnapshot(id, props)),
  delete: (id: string, props: SnapshotOutputs) => libvirtSnapshots().deleteSnapshot(id, props),
};

/** The stack's config as the engine gave it to `configure` (every key, secrets unwrapped), kept in memory only. */
let vsphereConfig: (key: string) => string | undefined = () => undefined;
const vsphereContext = () => ({ connection: connectionFrom(vsphereConfig, process.env) });
type VsphereInputs = VsphereOperations.VsphereMachineInputs;
type VsphereOutputs = VsphereOperations.VsphereMachineOutputs;

export const vsphereMachine = {
  configure: async (request: { config: { get(key: string): string | undefined } }) => {
    vsphereConfig = (key) => request.config.get(key);
    // Long tasks report to the provider's log (stderr; stdout belongs to the engine's handshake).
    const operations = vsphere();
    operations.setTaskProgressListener(operations.throttledProgressLog((line) => process.stderr.write(`${line}\n`)));
  },
  create: async (inputs: VsphereInputs) => plain(await vsphere().createMachine(vsphereContext(), inputs)),
  diff: async (_id: string, olds: VsphereOutputs, news: VsphereInputs) => vsphere().diffMachine(olds, news),
  update: async (id: string, olds: VsphereOutputs, news: VsphereInputs) =>
    plain(await vsphere().updateMachine(vsphereContext(), id, olds, news)),
  read: async (id: string, props: VsphereOutputs) => plain(await vsphere().readMachine(vsphereContext(), id, props)),
  delete: (id: string, props: VsphereOutputs) => vsphere().deleteMachine(vsphereContext(), id, props),
};

export interface ReadinessInputs {
  host: string;
  port: number;
  /** `ssh` reads the SSH banner; `tcp` wants the connection held open or answered. */
  expect: "ssh" | "tcp";
  timeoutSeconds: number;
  machineId: string;
  /** The guest's SSH endpoint, waited for first when the port's forward accepts before the guest does. */
  guestUp?: { host: string; port: number };
  /**
   * The machine's size type. Every provider restarts a machine to resize it, so a new size is probed
   * again. Absent in state written before it was an input: such a check is probed again from the next new size on.
   */
  size?: string;
}

export interface ReadinessOutputs extends ReadinessInputs {
  waitedSeconds: number;
  attempts: number;
  banner?: string;
}

const REPLACE_ON: (keyof ReadinessInputs)[] = ["host", "port", "expect", "machineId"];

/** Waits until the machine answers: its guest first when a forward answers for it, then the port. */
async function probe(inputs: ReadinessInputs): Promise<ReadinessOutputs> {
  const started = Date.now();
  if (inputs.guestUp)
    await waitForService({ ...inputs.guestUp, expect: "ssh" }, { timeoutSeconds: inputs.timeoutSeconds });
  const remaining = Math.max(1, inputs.timeoutSeconds - (Date.now() - started) / 1000);
  const result = await waitForService(
    { host: inputs.host, port: inputs.port, expect: inputs.expect ?? "ssh" },
    { timeoutSeconds: remaining },
  );
  return plain({
    ...inputs,
    waitedSeconds: Math.round((Date.now() - started) / 100) / 10,
    attempts: result.attempts,
    banner: result.banner,
  });
}

/** Whether the machine restarted since the check last probed it (see ReadinessInputs.size). */
const restarted = (olds: ReadinessOutputs, news: ReadinessInputs) => olds.size !== undefined && olds.size !== news.size;

export const readiness = {
  async create(inputs: ReadinessInputs): Promise<{ id: string; outs: ReadinessOutputs }> {
    return { id: `${inputs.machineId}:${inputs.port}`, outs: await probe(inputs) };
  },
  async diff(_id: string, olds: ReadinessOutputs, news: ReadinessInputs) {
    const replaces = REPLACE_ON.filter((key) => olds[key] !== news[key]);
    return {
      changes: replaces.length > 0 || olds.timeoutSeconds !== news.timeoutSeconds || olds.size !== news.size,
      replaces,
      deleteBeforeReplace: true,
    };
  },
  async update(_id: string, olds: ReadinessOutputs, news: ReadinessInputs) {
    if (restarted(olds, news)) return { outs: await probe(news) };
    return { outs: plain({ ...olds, timeoutSeconds: news.timeoutSeconds, size: news.size }) };
  },
  async read(id: string, props: ReadinessOutputs) {
    return { id, props };
  },
  async delete(): Promise<void> {
    // Nothing exists outside Pulumi's state.
  },
};
