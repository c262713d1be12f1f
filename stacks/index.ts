/**
 * The program every stack runs. The stack name is the environment (`staging`) or an environment on
 * another provider (`staging-hetzner`); the environment's Pulumi.<environment>.yaml gives the machines,
 * and the stack's own config overrides it.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ValidationError } from "../core/errors";
import { Machine, machineProblems } from "../components/machine";
import { Snapshot } from "../components/snapshot";
import type { MachineArgs } from "../core/spec";
import { DEFAULT_LABEL_RULES } from "../core/validation";
import { isSecretConfigKey, secretIf } from "../providers/kit/secret-config";
import { knownProviderNames, resolveProvider } from "../providers/registry";
import {
  checkEnvironmentConfig,
  CONFIG_NAMESPACE,
  environmentNameProblem,
  expandMachines,
  listEnvironments,
  parseStackName,
  PER_STACK_KEYS,
  readEnvironmentFile,
  restoresFrom as restoresFromSnapshot,
  withPendingSnapshot,
} from "./environment";

const projectDir = process.env.MACHINA_PROJECT_DIR ?? process.cwd();
const stack = pulumi.getStack();
const { environment, provider: providerFromName } = parseStackName(
  stack,
  listEnvironments(projectDir),
  knownProviderNames(),
);

// Environment defaults first, then the stack's own (non-secret and secret) machina:* values.
const merged: Record<string, unknown> = environment === stack ? {} : readEnvironmentFile(projectDir, environment);
// Power wishes, snapshots and adoptions are per stack: the environment file's belong to the environment's own stack.
for (const key of PER_STACK_KEYS) delete merged[`${CONFIG_NAMESPACE}:${key}`];
const own = new pulumi.Config(CONFIG_NAMESPACE);
for (const key of ["provider", "region", "labels", "machines", ...PER_STACK_KEYS]) {
  // Plain strings stay strings; lists and maps arrive as JSON text (parsed in parseEnvironmentConfig).
  const value = own.get(key);
  if (value !== undefined) merged[`${CONFIG_NAMESPACE}:${key}`] = value;
}
// Keys add up: the environment's and the stack's own (e.g. a developer's key on the development stack).
const ownKeys = own.getObject<unknown>("sshKeys");
if (Array.isArray(ownKeys) && ownKeys.length > 0) {
  const envKeys = merged[`${CONFIG_NAMESPACE}:sshKeys`];
  merged[`${CONFIG_NAMESPACE}:sshKeys`] = [
    ...(Array.isArray(envKeys) && environment !== stack ? envKeys : []),
    ...ownKeys,
  ];
}
const { env, problems } = checkEnvironmentConfig(merged);
const provider = providerFromName ?? env.provider;
const expanded = expandMachines(env, provider);
const snapshotWishes = env.snapshots ?? {};
const restoresFrom = (args: MachineArgs) => restoresFromSnapshot(args, env);

// Every problem of the stack at once, before any resource is registered: the stack's keys, the
// environment's name (it becomes a label), and every machine.
if (provider !== undefined && knownProviderNames().includes(provider)) {
  const module = resolveProvider(provider);
  const nameProblem = environmentNameProblem(environment, module.catalog.labelRules ?? DEFAULT_LABEL_RULES, provider);
  if (nameProblem) problems.push(nameProblem);
  // With a name the labels cannot carry, the machines are checked without it (one problem, not one per machine).
  const environmentLabel: Record<string, string> = nameProblem ? {} : { environment };
  for (const { name, args } of expanded) {
    const checked = withPendingSnapshot(args, env);
    problems.push(...machineProblems(name, { ...checked, provider, labels: { ...environmentLabel, ...args.labels } }));
  }
}
if (problems.length > 0)
  throw new ValidationError(`stack ${stack} (${path.join("stacks", `Pulumi.${environment}.yaml`)})`, problems);

// A machines list set with --secret stays readable (names, sizes and images build the Machines), but
// the user data in it is a secret in every resource input and state file.
const machinesAreSecret = isSecretConfigKey(`${CONFIG_NAMESPACE}:machines`);
const built = new Map<string, Machine>();
const snapshots = new Map<string, Snapshot>();
// Machines first, then the Snapshots of them, then the machines restoring from those, and so on.
for (let progress = true; progress;) {
  progress = false;
  for (const { name, args } of expanded) {
    const from = restoresFrom(args);
    if (built.has(name) || (from !== undefined && !snapshots.has(from))) continue;
    const machine = new Machine(name, {
      ...args,
      ...(from !== undefined ? { image: snapshots.get(from)!.image } : {}),
      userData: secretIf(machinesAreSecret, args.userData),
      provider,
      labels: { environment, ...args.labels },
    });
    built.set(name, machine);
    progress = true;
  }
  for (const [name, machine] of Object.entries(snapshotWishes)) {
    if (snapshots.has(name) || !built.has(machine)) continue;
    snapshots.set(name, new Snapshot(name, { machine: built.get(machine)!, labels: { environment } }));
    progress = true;
  }
}
const circular = expanded.filter(({ name }) => !built.has(name));
if (circular.length > 0)
  throw new ValidationError(
    `stack ${stack}`,
    circular.map(({ name, args }) => ({
      field: `${name}.image.snapshot`,
      value: JSON.stringify(restoresFrom(args)),
      allowed: "a Snapshot of a machine that does not itself wait for this one",
      fix: "restore from a Snapshot of another machine, or from a Snapshot's id",
    })),
  );
const machines = expanded.map(({ name }) => ({ name, machine: built.get(name)! }));

export { environment };
export const providerName = provider;
export const machineOutputs = Object.fromEntries(
  machines.map(({ name, machine: m }) => [
    name,
    pulumi.output({
      id: m.id,
      provider: m.provider,
      region: m.region,
      type: m.type,
      image: m.image,
      publicIp: m.publicIp,
      privateIp: m.privateIp,
      sshUser: m.sshUser,
      ssh: m.ssh,
      state: m.state,
      details: m.details,
    }),
  ]),
);
export const snapshotOutputs = Object.fromEntries(
  [...snapshots].map(([name, s]) => [
    name,
    pulumi.output({ id: s.id, machine: s.machine, provider: s.provider, details: s.details }),
  ]),
);
