import type * as pulumi from "@pulumi/pulumi";
import type { ReadinessSpec } from "../core/spec";
import { DynamicEntryResource } from "../providers/kit/dynamic-entry";

export interface ReadinessCheckArgs {
  host: pulumi.Input<string>;
  port: pulumi.Input<number>;
  expect: pulumi.Input<"ssh" | "tcp">;
  timeoutSeconds: pulumi.Input<number>;
  machineId: pulumi.Input<string>;
  /** An SSH endpoint of the guest that must answer first (see PortEndpoint.acceptsBeforeGuest). */
  guestUp?: pulumi.Input<{ host: string; port: number } | undefined>;
  /** The machine's size type: a resize restarts the machine, so a new size is probed again. */
  size?: pulumi.Input<string>;
}

/** The readiness check keeps nothing outside Pulumi's state: an interrupted create is safe to forget. */
export { READINESS_TYPE } from "../core/readiness-type";

/** Waits, at create, until the machine's service answers on a port. */
export class ReadinessCheck extends DynamicEntryResource {
  declare readonly waitedSeconds: pulumi.Output<number>;
  declare readonly attempts: pulumi.Output<number>;
  declare readonly banner: pulumi.Output<string | undefined>;

  constructor(name: string, args: ReadinessCheckArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      "readiness",
      "ReadinessCheck",
      name,
      { waitedSeconds: undefined, attempts: undefined, banner: undefined, ...args },
      opts,
    );
  }
}

/** The readiness check of a Machine, at the endpoint where a client of the checked port connects. */
export function waitUntilReady(
  name: string,
  input: {
    endpoint: pulumi.Output<{ host: string; port: number } | undefined>;
    guestUp?: pulumi.Output<{ host: string; port: number } | undefined>;
    readiness: ReadinessSpec;
    machineId: pulumi.Input<string>;
    size: string;
  },
  parent: pulumi.Resource,
): pulumi.Output<boolean> {
  const port = input.readiness.port ?? 22;
  const target = input.endpoint.apply((e) => {
    if (!e)
      throw new Error(
        `${name}: the machine has no address to check readiness at; set publicIp or turn waitForReady off`,
      );
    return e;
  });
  const check = new ReadinessCheck(
    name,
    {
      host: target.apply((t) => t.host),
      port: target.apply((t) => t.port),
      expect: port === 22 ? "ssh" : "tcp",
      timeoutSeconds: input.readiness.timeoutSeconds ?? 300,
      machineId: input.machineId,
      size: input.size,
      ...(input.guestUp ? { guestUp: input.guestUp } : {}),
    },
    { parent },
  );
  return check.waitedSeconds.apply(() => true);
}
