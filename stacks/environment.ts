import { existsSync, readdirSync } from "node:fs";
import * as path from "node:path";
import type { FieldProblem } from "../core/errors";
import { renderValue, UnknownEnvironmentError, ValidationError } from "../core/errors";
import type { AdoptSpec, MachineArgs } from "../core/spec";
import { checkAdoptShape } from "../core/resolve/adopt";
import type { LabelRules } from "../core/contract";
import type { PowerState } from "../core/power";
import { isPowerState, POWER_STATES } from "../core/power";
import { nameSnapshotId } from "../core/snapshot-ids";
import { readYamlFile } from "./yaml-file";

export { readYamlFile };

/** One entry of `machina:machines`: Machine args plus a name and a count. */
export interface MachineGroup extends Omit<MachineArgs, "provider"> {
  name: string;
  count?: number;
}

/** The stack-level settings of an environment, read from `machina:*` config. */
export interface EnvironmentConfig {
  provider?: string;
  /** One region for the default provider, or a region per provider name. */
  region?: string | Record<string, string>;
  sshKeys?: string[];
  labels?: Record<string, string>;
  machines: MachineGroup[];
  /**
   * Power wishes by machine name (`machina stop web` writes `web: stopped` into the stack's file),
   * over each machine's own powerState.
   */
  power?: Record<string, PowerState>;
  /**
   * Snapshots by name: the machine each copies (`machina snapshot web` writes `web-<time>: web` into the
   * stack's file). A machine whose image is `{ snapshot: <a name here> }` restores from that Snapshot.
   */
  snapshots?: Record<string, string>;
  /**
   * Machines that take over an existing machine, by name (`machina adopt <id> --as web` writes
   * `web: <id>`, or `{ id, retainOnDelete: false }` with --delete-on-destroy), over each machine's own adopt.
   */
  adopted?: Record<string, string | AdoptSpec>;
}

export const CONFIG_NAMESPACE = "machina";
/** The per-stack maps: the environment file's belong to the environment's own stack, never to its other stacks. */
export const PER_STACK_KEYS = ["power", "snapshots", "adopted"] as const;
const KEYS = ["provider", "region", "sshKeys", "labels", "machines", ...PER_STACK_KEYS] as const;
const MAX_COUNT = 100;

function readProjectFile(projectDir: string): { name?: string; stackConfigDir?: string } {
  const projectFile = path.join(projectDir, "Pulumi.yaml");
  if (!existsSync(projectFile)) return {};
  return readYamlFile(projectFile) as { name?: string; stackConfigDir?: string };
}

/** The Pulumi project name of projectDir (part of every platform name). */
export function projectName(projectDir: string): string {
  return readProjectFile(projectDir).name ?? path.basename(projectDir);
}

/** The folder holding Pulumi.<environment>.yaml: `stackConfigDir` of Pulumi.yaml in projectDir. */
export function stackConfigDir(projectDir: string): string {
  return path.join(projectDir, readProjectFile(projectDir).stackConfigDir ?? ".");
}

export function listEnvironments(projectDir: string): string[] {
  const dir = stackConfigDir(projectDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((f) => /^Pulumi\.([A-Za-z0-9_.-]+)\.yaml$/.exec(f)?.[1])
    .filter((e): e is string => e !== undefined)
    .sort();
}

/**
 * A stack name is an environment (`staging`), or an environment on another provider
 * (`staging-hetzner`), which reads the same environment config and keeps its own state.
 */
export function parseStackName(
  stack: string,
  environments: string[],
  providers: string[],
): { environment: string; provider?: string } {
  if (environments.includes(stack)) return { environment: stack };
  for (const provider of providers) {
    const suffix = `-${provider}`;
    if (stack.endsWith(suffix) && environments.includes(stack.slice(0, -suffix.length))) {
      return { environment: stack.slice(0, -suffix.length), provider };
    }
  }
  return { environment: stack };
}

/** The name of the stack that runs an environment on a provider. */
export function stackNameFor(
  environment: string,
  provider: string | undefined,
  defaultProvider: string | undefined,
): string {
  return provider === undefined || provider === defaultProvider ? environment : `${environment}-${provider}`;
}

/** The raw `config:` map of Pulumi.<environment>.yaml, with `secure:` values left out. */
export function readEnvironmentFile(projectDir: string, environment: string): Record<string, unknown> {
  const environments = listEnvironments(projectDir);
  if (!environments.includes(environment)) throw new UnknownEnvironmentError(environment, environments);
  const file = path.join(stackConfigDir(projectDir), `Pulumi.${environment}.yaml`);
  const doc = readYamlFile(file) as { config?: Record<string, unknown> | null };
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc.config ?? {})) {
    const secure = typeof value === "object" && value !== null && "secure" in value;
    if (!secure) config[key] = value;
  }
  return config;
}

/** Checks the `machina:*` keys of a config map and returns them typed; every problem is listed. */
export function parseEnvironmentConfig(config: Record<string, unknown>, subject: string): EnvironmentConfig {
  const { env, problems } = checkEnvironmentConfig(config);
  if (problems.length > 0) throw new ValidationError(subject, problems);
  return env;
}

/**
 * Every problem of the `machina:*` keys, and what is usable despite them: a stack-level value with a
 * problem is left out, and so is a machine group with one, so that the rest can still be checked.
 */
export function checkEnvironmentConfig(config: Record<string, unknown>): {
  env: EnvironmentConfig;
  problems: FieldProblem[];
} {
  const problems: FieldProblem[] = [];
  // `pulumi config set` stores a list or map as JSON text; read it as Pulumi's getObject does.
  const get = (key: string) => {
    const value = config[`${CONFIG_NAMESPACE}:${key}`];
    if (typeof value === "string" && /^\s*[[{]/.test(value)) {
      try {
        return JSON.parse(value) as unknown;
      } catch {
        return value;
      }
    }
    return value;
  };
  const add = (field: string, value: unknown, allowed: string, fix: string) =>
    problems.push({ field: `${CONFIG_NAMESPACE}:${field}`, value: renderValue(value), allowed, fix });

  for (const key of Object.keys(config)) {
    const [ns, name] = key.split(":");
    if (ns === CONFIG_NAMESPACE && !(KEYS as readonly string[]).includes(name)) {
      add(
        name,
        config[key],
        `one of ${KEYS.map((k) => `${CONFIG_NAMESPACE}:${k}`).join(", ")}`,
        `remove or rename ${key}`,
      );
    }
  }
  let provider = get("provider");
  if (provider !== undefined && (typeof provider !== "string" || provider === "")) {
    add("provider", provider, "a provider name", "pulumi config set machina:provider hetzner");
    provider = undefined;
  }
  let region = get("region");
  const regionMap =
    typeof region === "object" &&
    region !== null &&
    !Array.isArray(region) &&
    Object.values(region).every((r) => typeof r === "string");
  if (region !== undefined && typeof region !== "string" && !regionMap) {
    add(
      "region",
      region,
      "a region name, or a map of provider name to region",
      "write machina:region: fsn1, or machina:region: { hetzner: fsn1, digitalocean: fra1 }",
    );
    region = undefined;
  }
  let sshKeys = get("sshKeys");
  if (sshKeys !== undefined && !(Array.isArray(sshKeys) && sshKeys.every((k) => typeof k === "string"))) {
    add("sshKeys", sshKeys, "a list of public key strings", "write each key as one list item");
    sshKeys = undefined;
  }
  let labels = get("labels");
  if (labels !== undefined && (typeof labels !== "object" || labels === null || Array.isArray(labels))) {
    add("labels", labels, "a map of label names to values", "write labels as key: value lines");
    labels = undefined;
  }
  const rawMachines = get("machines") ?? [];
  const machines: MachineGroup[] = [];
  if (!Array.isArray(rawMachines)) {
    add("machines", rawMachines, "a list of machines, each with at least a name", "write machines: [{ name: web }]");
  } else {
    const seen = new Set<string>();
    const entryIndex: number[] = [];
    rawMachines.forEach((m, i) => {
      if (typeof m !== "object" || m === null || Array.isArray(m)) {
        add(`machines[${i}]`, m, "an object with name, count, size, image, ports, ...", "write - name: web");
        return;
      }
      const { name, count, ...rest } = m as Record<string, unknown>;
      if (typeof name !== "string" || !/^[a-z][a-z0-9-]{0,40}$/.test(name)) {
        add(
          `machines[${i}].name`,
          name,
          "lowercase letters, digits and '-', starting with a letter, at most 41 characters",
          "name it like web or db-1",
        );
        return;
      }
      if (seen.has(name)) add(`machines[${i}].name`, name, "a name not used by another entry", "rename one of them");
      seen.add(name);
      if (count !== undefined && (!Number.isInteger(count) || (count as number) < 0 || (count as number) > MAX_COUNT)) {
        add(`machines[${i}].count`, count, `an integer from 0 to ${MAX_COUNT}`, "use count: 1");
        return;
      }
      if ("provider" in rest) {
        add(
          `machines[${i}].provider`,
          rest.provider,
          "no per-machine provider: the stack chooses it",
          "set machina:provider, or run the environment on another provider",
        );
        return;
      }
      machines.push({ name, count: count as number | undefined, ...(rest as Omit<MachineGroup, "name" | "count">) });
      entryIndex.push(i);
    });
    // A count expands `web` into web, web-2, ...: an expanded name must not meet another entry's name.
    const madeBy = new Map<string, MachineGroup>();
    machines.forEach((group, i) => {
      for (const expanded of expandedNames(group)) {
        const other = madeBy.get(expanded);
        if (other !== undefined && other !== group) {
          const otherEntry = `machines[${entryIndex[machines.indexOf(other)]}] (${other.name}${(other.count ?? 1) > 1 ? `, count ${other.count}` : ""})`;
          add(
            `machines[${entryIndex[i]}].name`,
            group.name,
            `a name whose machines no other entry makes: ${JSON.stringify(expanded)} is also made by ${otherEntry}`,
            "rename one of them, or lower the count",
          );
        }
        madeBy.set(expanded, group);
      }
    });
  }
  const power = checkPower(get("power"), machines, add);
  const snapshots = checkSnapshots(get("snapshots"), machines, add);
  const adopted = checkAdopted(get("adopted"), machines, add);
  return {
    env: {
      provider: provider as string | undefined,
      region: region as EnvironmentConfig["region"],
      sshKeys: sshKeys as string[] | undefined,
      labels: labels as Record<string, string> | undefined,
      machines,
      ...(power ? { power } : {}),
      ...(snapshots ? { snapshots } : {}),
      ...(adopted ? { adopted } : {}),
    },
    problems,
  };
}

type AddProblem = (field: string, value: unknown, allowed: string, fix: string) => void;

/**
 * A per-stack map keyed by this environment's machine names (`machina:power`, `machina:adopted`): a map,
 * each key a machine (else `unknownFix` names the way out), each value as `entry` takes it (undefined:
 * it added the problem).
 */
function checkMachineMap<T>(
  key: string,
  value: unknown,
  machines: MachineGroup[],
  add: AddProblem,
  map: {
    allowed: string;
    fix: string;
    unknownFix: (name: string) => string;
    entry: (name: string, value: unknown) => T | undefined;
  },
): Record<string, T> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) {
    add(key, value, map.allowed, map.fix);
    return undefined;
  }
  const names = machines.flatMap(expandedNames);
  const checked: Record<string, T> = {};
  for (const [name, entry] of Object.entries(value as Record<string, unknown>)) {
    if (!names.includes(name)) {
      add(
        `${key}.${name}`,
        entry,
        `a machine of this environment: ${names.join(", ") || "(none)"}`,
        map.unknownFix(name),
      );
      continue;
    }
    const taken = map.entry(name, entry);
    if (taken !== undefined) checked[name] = taken;
  }
  return checked;
}

/** `machina:power`: a map of this environment's machine names to running or stopped. */
function checkPower(value: unknown, machines: MachineGroup[], add: AddProblem): Record<string, PowerState> | undefined {
  return checkMachineMap("power", value, machines, add, {
    allowed: "a map of machine names to running or stopped",
    fix: "write machina:power: { web: stopped }",
    unknownFix: (name) => `remove ${name} from machina:power (machina start ${name} and machina stop ${name} write it)`,
    entry: (name, state) => {
      if (isPowerState(state)) return state;
      add(`power.${name}`, state, POWER_STATES.join(" or "), `write ${name}: stopped, or remove it`);
      return undefined;
    },
  });
}

/** The Snapshot of this stack a machine restores from: its image is `{ snapshot: <a name in machina:snapshots> }`. */
export function restoresFrom(args: MachineArgs, env: Pick<EnvironmentConfig, "snapshots">): string | undefined {
  const image = args.image as { snapshot?: unknown } | undefined;
  const name = typeof image === "object" && image !== null ? image.snapshot : undefined;
  return typeof name === "string" && env.snapshots !== undefined && Object.hasOwn(env.snapshots, name)
    ? name
    : undefined;
}

/**
 * The args as checked before the stack's Snapshots exist: a restore from one of them is a restore from an
 * id known at deployment, named by its Snapshot in messages.
 */
export function withPendingSnapshot(args: MachineArgs, env: Pick<EnvironmentConfig, "snapshots">): MachineArgs {
  const from = restoresFrom(args, env);
  if (from === undefined) return args;
  const pending = Promise.resolve(from);
  nameSnapshotId(pending, from);
  return { ...args, image: { snapshot: pending } };
}

/** A Snapshot's name: what Pulumi takes as a resource name and a platform can carry. */
export const SNAPSHOT_NAME = /^[A-Za-z][A-Za-z0-9-]{0,62}$/;

/** `machina:snapshots`: a map of Snapshot names to the machine of this environment each copies. */
function checkSnapshots(value: unknown, machines: MachineGroup[], add: AddProblem): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) {
    add(
      "snapshots",
      value,
      "a map of snapshot names to machine names",
      "write machina:snapshots: { web-before-upgrade: web }",
    );
    return undefined;
  }
  const names = machines.flatMap(expandedNames);
  const snapshots: Record<string, string> = {};
  for (const [name, machine] of Object.entries(value as Record<string, unknown>)) {
    if (!SNAPSHOT_NAME.test(name)) {
      add(
        `snapshots.${name}`,
        name,
        "a name of letters, digits and hyphens, starting with a letter, at most 63 characters",
        "rename the snapshot",
      );
    } else if (typeof machine !== "string" || !names.includes(machine)) {
      add(
        `snapshots.${name}`,
        machine,
        `a machine of this environment: ${names.join(", ") || "(none)"}`,
        `remove ${name} from machina:snapshots (machina delete-snapshot ${name} does), or name one of the machines`,
      );
    } else {
      snapshots[name] = machine;
    }
  }
  return snapshots;
}

/**
 * `machina:adopted`: a map of this environment's machine names to the platform id each takes over (or
 * `{ id, retainOnDelete }`). An adopted machine must be one of the environment's machines: its entry in
 * `machina:machines` is the spec that must describe the existing machine (its size above all).
 */
function checkAdopted(
  value: unknown,
  machines: MachineGroup[],
  add: AddProblem,
): Record<string, string | AdoptSpec> | undefined {
  return checkMachineMap("adopted", value, machines, add, {
    allowed: "a map of machine names to platform ids",
    fix: "write machina:adopted: { web: <platform id> }",
    unknownFix: (name) =>
      `add ${name} to machina:machines with the spec of the machine it adopts (its size), or remove it from machina:adopted`,
    entry: (name, entry) => {
      const shape = checkAdoptShape(entry);
      for (const p of shape.problems) add(`adopted.${name}${p.field.slice("adopt".length)}`, entry, p.allowed, p.fix);
      return shape.problems.length === 0 ? (entry as string | AdoptSpec) : undefined;
    },
  });
}

/**
 * The environment's name becomes the `environment` label of every machine: a name the provider's
 * labels cannot carry is a problem of the name (rename the environment), not of a label value.
 */
export function environmentNameProblem(
  environment: string,
  rules: LabelRules,
  provider: string,
): FieldProblem | undefined {
  if (environment.length <= rules.maxValueLength && new RegExp(rules.valuePattern).test(environment)) return undefined;
  const suggestion =
    environment
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, rules.maxValueLength) || "env";
  return {
    field: "environment",
    value: renderValue(environment),
    allowed: `an environment name ${provider} can carry as the value of the machines' environment label: at most ${rules.maxValueLength} characters, ${rules.description}`,
    fix: `rename the environment: stacks/Pulumi.${environment}.yaml to stacks/Pulumi.${suggestion}.yaml (its stacks and state follow the new name)`,
  };
}

/** The environment's region for a provider: a per-provider entry, or the plain one on its default provider. */
export function regionFor(env: EnvironmentConfig, provider: string | undefined): string | undefined {
  if (typeof env.region === "object") return provider === undefined ? undefined : env.region[provider];
  return provider === env.provider ? env.region : undefined;
}

/** The names a machine group makes: name, name-2, name-3, ... */
function expandedNames(group: MachineGroup): string[] {
  return Array.from({ length: group.count ?? 1 }, (_, i) => (i === 0 ? group.name : `${group.name}-${i + 1}`));
}

/**
 * The Machines an environment config describes: one per count, named name, name-2, name-3, ... so
 * that raising a count adds machines and never renames the first.
 */
export function expandMachines(env: EnvironmentConfig, provider = env.provider): { name: string; args: MachineArgs }[] {
  const out: { name: string; args: MachineArgs }[] = [];
  const onDefault = provider === env.provider;
  for (const group of env.machines) {
    const { name, count = 1, ...rest } = group;
    // Regions and zones name places of one provider: on another provider its defaults apply.
    const args = onDefault ? rest : { ...rest, region: undefined, zone: undefined };
    for (let i = 1; i <= count; i++) {
      const machine = i === 1 ? name : `${name}-${i}`;
      const wish = env.power?.[machine];
      const adopt = env.adopted?.[machine];
      out.push({
        name: machine,
        args: {
          ...args,
          region: args.region ?? regionFor(env, provider),
          sshKeys: [...(env.sshKeys ?? []), ...(args.sshKeys ?? [])],
          labels: { ...(env.labels ?? {}), ...(args.labels ?? {}) },
          ...(wish ? { powerState: wish } : {}),
          ...(adopt ? { adopt } : {}),
        },
      });
    }
  }
  return out;
}
