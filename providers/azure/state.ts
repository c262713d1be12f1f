/** The VM's power from its instance view (`PowerState/running`, ...), else its provisioning state. */
import type { MachineState } from "../../core/power";
import { machineStateFrom } from "../../core/power";
import { stateReadFrom } from "../kit/state-reading";

export function azureState(
  instanceView: { statuses?: { code?: string }[] } | undefined,
  provisioningState: string | undefined,
): MachineState {
  const power = instanceView?.statuses?.find((s) => s.code?.startsWith("PowerState/"))?.code;
  if (power)
    return machineStateFrom(power.slice("PowerState/".length), {
      starting: "provisioning",
      running: "running",
      stopping: "stopped",
      stopped: "stopped",
      deallocating: "stopped",
      deallocated: "stopped",
    });
  return machineStateFrom(provisioningState, { Creating: "provisioning" });
}

export const VIRTUAL_MACHINE_TYPE = "azure-native:compute:VirtualMachine";

/** The live state: the VM's instance view, else its provisioning state. */
export const azureLiveState = stateReadFrom(VIRTUAL_MACHINE_TYPE, (outputs) =>
  azureState(
    outputs.instanceView as { statuses?: { code?: string }[] } | undefined,
    outputs.provisioningState as string | undefined,
  ),
);
