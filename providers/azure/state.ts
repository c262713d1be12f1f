/** The VM's power from its instance view (`PowerState/running`, ...), else its provisioning state. */
import type { MachineState } from "../../core/power";
import { machineStateFrom } from "../../core/power";

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
