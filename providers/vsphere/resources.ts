import * as pulumi from "@pulumi/pulumi";
import { withKeys } from "../kit/settled";
import { cpusAndMemory } from "../../core/sizes";
import { DynamicEntryResource } from "../kit/dynamic-entry";
import type { MachineResult, ResolvedMachineSpec } from "../../core/contract";
import { CONFIG_KEYS, ENV_VARS, serverName } from "./connection";
import type { VsphereMachineInputs } from "./machine-operations";
import { guestMetadata, platformUserData } from "./user-data";
import type { PlacementSettings } from "./settings";
import { vsphereSettings } from "./settings";

/*
 * The connection (server, user, password) reaches the provider through `configure` (the stack's
 * config) or the environment, never through inputs, so no credential is ever in state.
 */
export type VsphereMachineArgs = Omit<VsphereMachineInputs, "userData" | "labels" | keyof PlacementSettings> &
  PlacementSettings & {
    userData?: pulumi.Input<string>;
    labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  };

export class VsphereMachine extends DynamicEntryResource {
  declare readonly moid: pulumi.Output<string>;
  declare readonly instanceUuid: pulumi.Output<string>;
  declare readonly powerState: pulumi.Output<string>;
  declare readonly ipAddress: pulumi.Output<string | undefined>;
  declare readonly placement: pulumi.Output<{ datacenter: string; folder: string; resourcePool: string; path: string }>;
  constructor(name: string, args: VsphereMachineArgs, opts?: pulumi.CustomResourceOptions) {
    const outputs = {
      moid: undefined,
      instanceUuid: undefined,
      powerState: undefined,
      ipAddress: undefined,
      placement: undefined,
    };
    super(
      "vsphereMachine",
      "VsphereMachine",
      name,
      { ...outputs, ...args },
      {
        ...opts,
        additionalSecretOutputs: ["userData"],
      },
    );
  }
}

export function createVsphereMachine(spec: ResolvedMachineSpec, parent: pulumi.Resource): MachineResult {
  const config = new pulumi.Config("vsphere");
  const server = config.get(CONFIG_KEYS.server.split(":")[1]) ?? process.env[ENV_VARS.server] ?? "";
  const settings = vsphereSettings(spec.options, (key) => config.get(key));
  // Machina's user and keys merged with the user's data; a secret user data stays one.
  const userData = withKeys(spec, platformUserData);
  const machine = new VsphereMachine(
    spec.name,
    {
      server: serverName(server),
      name: spec.platformName,
      hostname: spec.hostname,
      owner: { project: pulumi.getProject(), stack: pulumi.getStack(), machine: spec.name },
      template: spec.image.id,
      ...settings.placement,
      ...cpusAndMemory(spec.size),
      diskGiB: spec.diskGiB,
      userData,
      metadata: guestMetadata(spec),
      labels: spec.labels,
      powerOn: settings.powerOn,
      waitForGuestNetSeconds: settings.waitForGuestNetSeconds,
      taskTimeoutSeconds: settings.taskTimeoutSeconds,
    },
    { parent },
  );
  return {
    id: machine.moid,
    publicIp: undefined,
    privateIp: machine.ipAddress,
    details: {
      server: serverName(server),
      moid: machine.moid,
      instanceUuid: machine.instanceUuid,
      powerState: machine.powerState,
      template: spec.image.id,
      placement: machine.placement,
    },
  };
}
