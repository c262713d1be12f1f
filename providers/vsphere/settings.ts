/**
 * The per-machine settings of vSphere: `providerOptions.vsphere.<key>` first, then the stack's
 * `vsphere:<key>` config, then the default. Declared once: validation, defaults and docs read this table.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ProviderOptionSchema } from "../../core/contract";
import type { PlacementRequest } from "./placement";

export interface VsphereSetting {
  key: string;
  kind: "string" | "integer" | "boolean";
  description: string;
  default?: string | number | boolean;
  /** Inclusive bounds of an integer. */
  min?: number;
  max?: number;
}

/**
 * The keys of a placement request. Declared here, where `machina info` reads it without the SOAP layer:
 * the settings that may be Outputs, and inputs that replace the VM.
 */
export const PLACEMENT_KEYS = [
  "datacenter",
  "cluster",
  "resourcePool",
  "folder",
  "datastore",
  "network",
] as const satisfies readonly (keyof PlacementRequest)[];

export const VSPHERE_SETTINGS: VsphereSetting[] = [
  { key: "datacenter", kind: "string", description: "datacenter name (default: the server's only datacenter)" },
  {
    key: "cluster",
    kind: "string",
    description: "cluster (or host) whose root resource pool runs the VM (default: the first cluster)",
  },
  {
    key: "resourcePool",
    kind: "string",
    description: "resource pool path under the datacenter's host folder, e.g. cluster1/Resources/web",
  },
  {
    key: "folder",
    kind: "string",
    description: "VM folder path under the datacenter's VM folder (default: the VM folder itself)",
  },
  { key: "datastore", kind: "string", description: "datastore name (default: the template's)" },
  {
    key: "network",
    kind: "string",
    description:
      "network (port group) of the VM's first network card, by name or path under the datacenter's network folder (default: the template's)",
  },
  { key: "powerOn", kind: "boolean", description: "keep the VM powered on", default: true },
  {
    key: "waitForGuestNetSeconds",
    kind: "integer",
    description: "how long create waits for VMware Tools to report an address (0: do not wait)",
    default: 300,
    min: 0,
    max: 3600,
  },
  {
    key: "taskTimeoutSeconds",
    kind: "integer",
    description: "bound on each vSphere task (clone, reconfigure, power, destroy)",
    default: 1800,
    min: 10,
    max: 86400,
  },
];

/** Where the VM goes, each place by name or path, or an Output that resolves to one. */
export type PlacementSettings = { [K in keyof PlacementRequest]?: pulumi.Input<string> };

export interface VsphereSettings {
  placement: PlacementSettings;
  powerOn: boolean;
  waitForGuestNetSeconds: number;
  taskTimeoutSeconds: number;
}

/** A setting's raw value: the machine's option, else the stack config (a string), else undefined. */
export function rawSetting(
  key: string,
  options: Record<string, unknown>,
  config: (key: string) => string | undefined,
): unknown {
  return options[key] !== undefined ? options[key] : config(key);
}

function typed(setting: VsphereSetting, raw: unknown): string | number | boolean | undefined {
  if (raw === undefined) return setting.default;
  if (setting.kind === "integer") return typeof raw === "string" ? Number(raw) : (raw as number);
  if (setting.kind === "boolean") return typeof raw === "string" ? raw === "true" : (raw as boolean);
  return raw as string;
}

/** The settings of one machine; `config(key)` reads `vsphere:<key>`. Values are assumed validated. */
export function vsphereSettings(
  options: Record<string, unknown>,
  config: (key: string) => string | undefined,
): VsphereSettings {
  const value = (key: string) =>
    typed(
      VSPHERE_SETTINGS.find((s) => s.key === key)!,
      rawSetting(key, options, config),
    );
  const placement: PlacementSettings = {};
  for (const key of PLACEMENT_KEYS) {
    const v = value(key);
    if (v !== undefined) placement[key] = v as string;
  }
  return {
    placement,
    powerOn: value("powerOn") as boolean,
    waitForGuestNetSeconds: value("waitForGuestNetSeconds") as number,
    taskTimeoutSeconds: value("taskTimeoutSeconds") as number,
  };
}

/** Why a raw setting value is wrong, or undefined when it is fine. */
export function settingProblem(setting: VsphereSetting, raw: unknown): string | undefined {
  if (raw === undefined) return undefined;
  if (setting.kind === "string")
    return typeof raw === "string" && raw.trim() !== "" && !/[\n\r]/.test(raw) ? undefined : "a non-empty name or path";
  if (setting.kind === "boolean")
    return typeof raw === "boolean" || raw === "true" || raw === "false" ? undefined : "true or false";
  const n = typeof raw === "string" && /^-?\d+$/.test(raw) ? Number(raw) : raw;
  return Number.isInteger(n) && (n as number) >= (setting.min ?? 0) && (n as number) <= (setting.max ?? Infinity)
    ? undefined
    : `an integer from ${setting.min ?? 0} to ${setting.max}`;
}

/**
 * `providerOptions.vsphere`, declared for core and `machina info`. No fixed defaults here: an unset
 * option falls back to the stack's `vsphere:<key>` config first (see rawSetting), then the default.
 */
export function vsphereOptionSchema(): ProviderOptionSchema {
  return Object.fromEntries(
    VSPHERE_SETTINGS.map((setting) => [
      setting.key,
      {
        type: setting.kind,
        description: setting.description,
        defaultText:
          setting.default === undefined ? `vsphere:${setting.key}` : `vsphere:${setting.key}, else ${setting.default}`,
        // Where the VM goes names inventory objects another program may make (a folder, a port group).
        ...((PLACEMENT_KEYS as readonly string[]).includes(setting.key) ? { input: true as const } : {}),
        check: (value: unknown) => {
          const allowed = settingProblem(setting, value);
          return allowed ? { allowed, fix: `set ${setting.key} to ${setting.description}` } : undefined;
        },
      },
    ]),
  );
}
