/** Power on KubeVirt: the VirtualMachine's `spec.runStrategy` (Halted stops it, keeping the VM and its disks). */
import type { PowerInputs } from "../../core/contract";
import type { MachineState, PowerState } from "../../core/power";
import { machineStateFrom } from "../../core/power";
import { stateReadFrom } from "../kit/state-reading";

export const VIRTUAL_MACHINE_TYPE = "kubernetes:kubevirt.io/v1:VirtualMachine";

/** For a running machine, the `runStrategy` option (default Always) applies; stopped is always Halted. */
export function kubevirtPower(state: PowerState, runStrategy = "Always"): PowerInputs {
  return { type: VIRTUAL_MACHINE_TYPE, inputs: { "spec.runStrategy": state === "stopped" ? "Halted" : runStrategy } };
}

/** KubeVirt's `status.printableStatus`. */
export function kubevirtState(status: string | undefined): MachineState {
  return machineStateFrom(status, {
    Provisioning: "provisioning",
    Starting: "provisioning",
    WaitingForVolumeBinding: "provisioning",
    Running: "running",
    Stopping: "stopped",
    Stopped: "stopped",
    Paused: "stopped",
  });
}

/** The live state: the VirtualMachine's `status.printableStatus`. */
export const kubevirtLiveState = stateReadFrom(VIRTUAL_MACHINE_TYPE, (outputs) =>
  kubevirtState((outputs.status as { printableStatus?: string } | undefined)?.printableStatus),
);
