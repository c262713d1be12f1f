/**
 * The program every stack runs. The stack name is the environment (`staging`) or an environment on
 * another provider (`staging-hetzner`); the environment's Pulumi.<environment>.yaml gives the machines,
 * and the stack's own config overrides it.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { Machine } from "../components/machine";
import { isSecretConfigKey, secretIf } from "../components/secret-config";
import { knownProviderNames } from "../providers/registry";
import { CONFIG_NAMESPACE, expandMachines, listEnvironments, parseEnvironmentConfig, parseStackName, readEnvironmentFile } from "./environment";

const projectDir = process.env.MACHINA_PROJECT_DIR ?? process.cwd();
const stack = pulumi.getStack();
const { environment, provider: providerFromName } = parseStackName(stack, listEnvironments(projectDir), knownProviderNames());

// Environment defaults first, then the stack's own (non-secret and secret) machina:* values.
const merged: Record<string, unknown> = environment === stack ? {} : readEnvironmentFile(projectDir, environment);
const own = new pulumi.Config(CONFIG_NAMESPACE);
for (const key of ["provider", "region", "labels", "machines"]) {
  // Plain strings stay strings; lists and maps arrive as JSON text (parsed in parseEnvironmentConfig).
  const value = own.get(key);
  if (value !== undefined) merged[`${CONFIG_NAMESPACE}:${key}`] = value;
}
// Keys add up: the environment's and the stack's own (e.g. a developer's key on the development stack).
const ownKeys = own.getObject<unknown>("sshKeys");
if (Array.isArray(ownKeys) && ownKeys.length > 0) {
  const envKeys = merged[`${CONFIG_NAMESPACE}:sshKeys`];
  merged[`${CONFIG_NAMESPACE}:sshKeys`] = [...(Array.isArray(envKeys) && environment !== stack ? envKeys : []), ...ownKeys];
}
const env = parseEnvironmentConfig(merged, `stack ${stack} (${path.join("stacks", `Pulumi.${environment}.yaml`)})`);
const provider = providerFromName ?? env.provider;

// A machines list set with --secret stays readable (names, sizes and images build the Machines), but
// the user data in it is a secret in every resource input and state file.
const machinesAreSecret = isSecretConfigKey(`${CONFIG_NAMESPACE}:machines`);
const machines = expandMachines(env, provider).map(({ name, args }) => ({
  name,
  machine: new Machine(name, {
    ...args,
    userData: secretIf(machinesAreSecret, args.userData),
    provider,
    labels: { environment, ...args.labels },
  }),
}));

export { environment };
export const providerName = provider;
export const machineOutputs = Object.fromEntries(
  machines.map(({ name, machine: m }) => [
    name,
    pulumi.output({
      id: m.id, provider: m.provider, region: m.region, type: m.type, image: m.image, publicIp: m.publicIp,
      privateIp: m.privateIp, sshUser: m.sshUser, ssh: m.ssh, details: m.details,
    }),
  ]),
);
