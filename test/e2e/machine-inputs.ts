import type * as ops from "../../dist/providers/libvirt/machine-operations";

/**
 * The inputs of a small test machine on the system daemon with user-mode networking, as the dynamic
 * provider receives them; `run` keeps the domain names of concurrent runs apart.
 */
export function machineInputs(
  base: { run: string; stack: string; stateDir: string },
  name: string,
  over: Partial<ops.MachineInputs> = {},
): ops.MachineInputs {
  return {
    uri: "qemu:///system",
    name: `${base.run}-${name}`,
    hostname: name,
    cpus: 1,
    memoryMiB: 256,
    diskGiB: 1,
    image: { diskFormat: "qcow2" },
    network: "user",
    ports: [],
    sshUser: "machina",
    sshKeys: [],
    accelerator: "auto",
    stateDir: base.stateDir,
    shutdownTimeoutSeconds: 0,
    metadata: { stack: base.stack, machine: name },
    labels: {},
    ...over,
  };
}
