/** The Machine's name and the shape of its arguments: known fields, booleans, provider options. */
import { toDnsLabel } from "../naming";
import type { MachineArgs } from "../spec";
import type { Resolution } from "./problems";
import { isObject, problem } from "./problems";

export const MACHINE_FIELDS: (keyof MachineArgs)[] = [
  "provider",
  "size",
  "arch",
  "image",
  "region",
  "zone",
  "diskGiB",
  "sshKeys",
  "userData",
  "labels",
  "ports",
  "openSshPort",
  "publicIp",
  "waitForReady",
  "powerState",
  "adopt",
  "providerOptions",
];

/** The host name a Machine's name gives; the name must have something to give. */
export function resolveHostname(name: unknown): Resolution<string> {
  if (typeof name !== "string" || name.trim() === "")
    return { value: "", problems: [problem("", name, "a non-empty name", 'give the Machine a name such as "web"')] };
  const hostname = toDnsLabel(name);
  return {
    value: hostname,
    problems:
      hostname === ""
        ? [
            problem(
              "",
              name,
              "a name with at least one letter (it becomes the host name)",
              'use a name such as "web-1"',
            ),
          ]
        : [],
  };
}

/** Every argument is a Machine field. */
export function checkFields(args: object) {
  return Object.keys(args)
    .filter((key) => !(MACHINE_FIELDS as string[]).includes(key))
    .map((key) =>
      problem(
        key,
        (args as Record<string, unknown>)[key],
        `one of the Machine fields: ${MACHINE_FIELDS.join(", ")}`,
        `remove or rename ${key}`,
      ),
    );
}

/** `publicIp` and `openSshPort` are true or false when given. */
export function checkBooleans(args: Pick<MachineArgs, "publicIp" | "openSshPort">) {
  return (["publicIp", "openSshPort"] as const)
    .filter((key) => args[key] !== undefined && typeof args[key] !== "boolean")
    .map((key) => problem(key, args[key], "true or false", `write ${key}: true`));
}

/** This provider's entry of `providerOptions` (an object keyed by provider name, each an object). */
export function resolveProviderOptions(
  providerOptions: unknown,
  provider: string | undefined,
): Resolution<Record<string, unknown>> {
  if (providerOptions === undefined) return { value: {}, problems: [] };
  if (!isObject(providerOptions) || !Object.values(providerOptions).every(isObject)) {
    return {
      value: {},
      problems: [
        problem(
          "providerOptions",
          providerOptions,
          "an object keyed by provider name, each an object",
          `write providerOptions: { ${provider ?? "<provider>"}: { ... } }`,
        ),
      ],
    };
  }
  return {
    value: provider === undefined ? {} : ((providerOptions[provider] as Record<string, unknown> | undefined) ?? {}),
    problems: [],
  };
}
