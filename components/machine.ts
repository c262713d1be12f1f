import * as pulumi from "@pulumi/pulumi";
import type { ProviderModule } from "../core/contract";
import { assertSdkInstalled, resolveProvider } from "../providers/registry";
import type { FieldProblem } from "../core/errors";
import { MachinaError, ValidationError } from "../core/errors";
import { withChildOptions } from "./child-options";
import { checkWhenResolved } from "./input-checks";
import { recordOwnerOptions } from "../providers/kit/owner-options";
import { perRun } from "../providers/kit/per-run";
import { isUniformStateOutput } from "../providers/kit/machine-state";
import { recordMachineInternals } from "./machine-internals";
import { waitUntilReady } from "./readiness";
import type { MachineArgs } from "../core/spec";
import type { MachineState } from "../core/power";
import { isMachineState } from "../core/power";
import { checkInputsLater, resolveMachineSpec, settledNow, userDataProblems } from "../core/validation";

export const MACHINE_TYPE = "machina:index:Machine";

/**
 * Takes the platform name for one Machine in this program run. Distinct names never collide, but two Machines of one
 * name under different parent components would: the second is refused, naming both.
 */
function claimPlatformName(provider: string, platformName: string, machine: string): void {
  const claimed = perRun<string>("platform-names");
  const key = `${provider}/${platformName}`;
  const holder = claimed.get(key);
  if (holder !== undefined) {
    throw new ValidationError(`Machines ${JSON.stringify(holder)} and ${JSON.stringify(machine)} on ${provider}`, [
      {
        field: machine,
        value: JSON.stringify(platformName),
        allowed: `a platform name of its own; Machine ${JSON.stringify(holder)} of this stack already has this one`,
        fix: "give the two Machines different names (Machines under different components still share the stack's platform names)",
      },
    ]);
  }
  claimed.set(key, machine);
}

function readConfig(key: string): string | undefined {
  const at = key.indexOf(":");
  return at > 0 ? new pulumi.Config(key.slice(0, at)).get(key.slice(at + 1)) : undefined;
}

function validationContext(args: MachineArgs) {
  return {
    stack: pulumi.getStack(),
    project: pulumi.getProject(),
    defaultRegion: args.region === undefined ? new pulumi.Config("machina").get("region") : undefined,
    config: readConfig,
  };
}

/**
 * The problems `new Machine(name, args)` would refuse, without registering anything: a program that
 * builds many Machines checks them all first and reports every problem at once.
 */
export function machineProblems(name: string, args: MachineArgs): FieldProblem[] {
  try {
    resolveMachineSpec(name, args, selectProvider(args), validationContext(args));
    return [];
  } catch (e) {
    if (e instanceof ValidationError) return e.problems;
    throw e;
  }
}

/** The provider a Machine uses: its own argument, else the stack config `machina:provider`. */
export function selectProvider(args: MachineArgs): ProviderModule {
  const choice = args.provider ?? new pulumi.Config("machina").get("provider");
  if (choice === undefined) {
    throw new MachinaError(
      "no provider chosen: set the Machine's provider argument, or `pulumi config set machina:provider <name>`",
    );
  }
  return resolveProvider(choice);
}

/**
 * An Input as an Output: an Output as it is (`pulumi.output` would wrap it in two more, which add up at a
 * thousand Machines), anything else through `pulumi.output`.
 */
function asOutput<T>(value: pulumi.Input<T>): pulumi.Output<T> {
  return pulumi.Output.isInstance(value) ? (value as pulumi.Output<T>) : (pulumi.output(value) as pulumi.Output<T>);
}

/** Defines each field as made by its function when first read, and kept from then on. */
function madeOnRead<T extends object>(target: T, makers: { [K in keyof T]?: () => T[K] }): void {
  for (const [key, make] of Object.entries(makers) as [string, () => unknown][]) {
    Object.defineProperty(target, key, {
      configurable: true,
      enumerable: true,
      get() {
        const value = make();
        Object.defineProperty(target, key, { value, enumerable: true });
        return value;
      },
    });
  }
}

/** The value `make` gives on the first call, made then and kept. */
function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

/**
 * `use` of the machine's first address, public else private: applies nested one in the other, not
 * `pulumi.all`, which at a thousand Machines cost more than any other output of a Machine. The result
 * depends on the addresses it was made from (an Output returned by `apply` brings its resources along).
 */
function fromFirstAddress<T>(
  publicIp: pulumi.Input<string | undefined>,
  privateIp: pulumi.Input<string | undefined>,
  use: (host: string | undefined) => T,
): pulumi.Output<T> {
  const fromPrivate = () => asOutput(privateIp).apply((priv) => use(priv || undefined));
  // apply lifts the Output its function returns: the result is an Output of T, which its types do not say.
  return asOutput(publicIp).apply((pub) => (pub ? use(pub) : fromPrivate())) as unknown as pulumi.Output<T>;
}

function sshCommand(user: string, host: string | undefined, port: number): string | undefined {
  if (!host) return undefined;
  return port === 22 ? `ssh ${user}@${host}` : `ssh -p ${port} ${user}@${host}`;
}

/**
 * One virtual machine on any provider. Every field is checked before a resource is registered;
 * the outputs are the same on every provider.
 */
export class Machine extends pulumi.ComponentResource {
  /** The platform's id of the machine. */
  readonly id: pulumi.Output<string>;
  declare readonly provider: pulumi.Output<string>;
  declare readonly region: pulumi.Output<string>;
  /** The resolved instance type. */
  declare readonly type: pulumi.Output<string>;
  /** The resolved image id, pinned at creation (for a restore, the snapshot's id). */
  declare readonly image: pulumi.Output<string>;
  readonly publicIp: pulumi.Output<string | undefined>;
  readonly privateIp: pulumi.Output<string | undefined>;
  declare readonly sshUser: pulumi.Output<string>;
  /** A ready-to-run SSH command line, when the machine has an address. */
  declare readonly ssh: pulumi.Output<string | undefined>;
  declare readonly labels: pulumi.Output<Record<string, string>>;
  /** Provider-specific facts (a Hetzner location, the libvirt accelerator, ...). */
  declare readonly details: pulumi.Output<Record<string, unknown>>;
  /** `running`, `stopped`, `provisioning` or `unknown`: the platform's status when it was last read, on every provider. */
  readonly state: pulumi.Output<MachineState>;
  /** Resolves once the machine answers (immediately when waitForReady is not set, or the machine is stopped). */
  declare readonly ready: pulumi.Output<boolean>;

  constructor(name: string, args: MachineArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    const module = selectProvider(args);
    const subject = `Machine ${JSON.stringify(name)} on ${module.name}`;
    // Plain values are checked now; each Output (a key, a label value, sources, an input option) when it resolves.
    const checkedArgs = checkInputsLater(args, module, (input, check) =>
      checkWhenResolved(input as pulumi.Input<unknown>, subject, name, check),
    );
    const spec = resolveMachineSpec(name, checkedArgs, module, validationContext(args));
    claimPlatformName(module.name, spec.platformName, name);
    if (spec.userData !== undefined && !settledNow(spec)) {
      // What the platform receives depends on the keys too: measured once both are known.
      spec.userData = checkWhenResolved(
        pulumi.all([pulumi.output(spec.userData), pulumi.output(spec.sshKeys)]),
        subject,
        name,
        ([userData, sshKeys]) => userDataProblems(userData, module, { ...spec, sshKeys, userData }),
      ).apply(([userData]) => userData);
    }
    assertSdkInstalled(module);
    super(MACHINE_TYPE, name, {}, withChildOptions(opts));
    // Shared resources the module makes are as protective as the Machines that share them.
    recordOwnerOptions(this, opts);

    const result = module.create(spec, this);
    recordMachineInternals(this, { name, module, spec, result });
    const fromAddress = <T>(use: (host: string | undefined) => T) =>
      fromFirstAddress(result.publicIp, result.privateIp, use);
    const address = once(() => fromAddress((host) => host));
    const endpoint = once(() =>
      result.sshEndpoint === undefined
        ? fromAddress((host) => (host ? { host, port: 22 } : undefined))
        : pulumi
            .all([result.sshEndpoint, address()])
            .apply(([e, host]) => e ?? (host ? { host, port: 22 } : undefined)),
    );
    // A client of any other port connects where the provider says (a forward), else to the address.
    const endpointOf = (port: number) =>
      port === 22
        ? endpoint()
        : pulumi
            .all([result.portEndpoints, address()])
            .apply(([known, host]) => known?.[`tcp/${port}`] ?? (host ? { host, port } : undefined));
    // A stopped machine answers nothing: it is not waited for.
    const readiness = spec.powerState !== "stopped" ? spec.readiness : undefined;

    const image = result.image ?? spec.image.snapshot ?? spec.image.id;
    const { region, sshUser, labels } = spec;
    const type = spec.size.type;
    this.id = asOutput(result.id);
    this.publicIp = asOutput(result.publicIp);
    this.privateIp = asOutput(result.privateIp);
    // Made when first read: a program reads few of a Machine's outputs, and each Output is a dozen
    // promises (details: nine Outputs), which at a thousand Machines is most of what a Machine costs.
    madeOnRead<Machine>(this, {
      provider: () => pulumi.output(module.name),
      region: () => pulumi.output(region),
      type: () => pulumi.output(type),
      image: () => asOutput(image),
      sshUser: () => pulumi.output(sshUser),
      labels: () => pulumi.output(labels),
      details: () => pulumi.output(result.details) as unknown as pulumi.Output<Record<string, unknown>>,
      ssh: () =>
        result.sshEndpoint === undefined
          ? fromAddress((host) => sshCommand(sshUser, host, 22))
          : endpoint().apply((e) => sshCommand(sshUser, e?.host, e?.port ?? 22)),
    });
    this.state = isUniformStateOutput(result.state)
      ? result.state
      : asOutput(result.state).apply((s): MachineState => (isMachineState(s) ? s : "unknown"));
    const readyPort = readiness?.port ?? 22;
    const readyEndpoint = readiness ? endpointOf(readyPort) : undefined;
    const waited =
      readiness && readyEndpoint
        ? waitUntilReady(
            `${name}-ready`,
            {
              endpoint: readyEndpoint,
              // Behind a forward that accepts before the guest does, the guest must answer SSH first.
              guestUp:
                readyPort === 22
                  ? undefined
                  : pulumi
                      .all([readyEndpoint, endpoint()])
                      .apply(([e, ssh]) => (e && "acceptsBeforeGuest" in e && e.acceptsBeforeGuest ? ssh : undefined)),
              readiness,
              machineId: this.id,
              size: type,
            },
            this,
          )
        : undefined;
    if (waited) Object.defineProperty(this, "ready", { value: waited, enumerable: true });
    else madeOnRead<Machine>(this, { ready: () => pulumi.output(true) });

    // The state keeps the Machine's uniform facts, the same values as its fields, given as they came
    // where they came plain: Pulumi registers a plain value as it does a known Output of it, without
    // awaiting (and tracing) a promise per output. Not kept: `details`, facts the module read off its
    // own resources (in the state as theirs), and `ssh`, made from the address and user when first read.
    // At 3000 Machines, registering the two (and making `ssh` unread) cost 4% of the CPU and 3% of the peak memory.
    this.registerOutputs({
      id: result.id,
      provider: module.name,
      region,
      type,
      image,
      publicIp: result.publicIp,
      privateIp: result.privateIp,
      sshUser,
      labels,
      state: this.state,
      ready: waited ?? true,
    });
  }
}
