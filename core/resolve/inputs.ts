/**
 * The Machine arguments that may be Outputs (keys, label values, port sources, input options): each one
 * is handed to `later` with the check its plain value gets at construction, so that a value only an
 * Output reveals fails with the same field-named problem when it resolves. Plain values are left as they are.
 */
import type { ProviderModule } from "../contract";
import { takesInputs } from "../contract-version";
import { holdsDeferred, isDeferred } from "../deferred";
import type { FieldProblem } from "../errors";
import { optionValueProblems } from "../provider-options";
import type { MachineArgs } from "../spec";
import { checkLabelValue, DEFAULT_LABEL_RULES } from "./labels";
import { checkSources } from "./ports";
import { isObject } from "./problems";
import { checkSshKey } from "./ssh-keys";

/** Wraps an Input so that `check` runs on its value when it resolves; problems' fields are relative to the Machine. */
export type CheckLater = (input: unknown, check: (value: unknown) => FieldProblem[]) => unknown;

const mapValues = (o: Record<string, unknown>, f: (value: unknown, key: string) => unknown) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v, k)]));

/**
 * The Outputs a module written for contract 1.0 would be handed: it reads keys, labels and sources as
 * strings, so each is refused at construction, naming the field.
 */
export function inputsRefusedBy(args: MachineArgs, provider: ProviderModule): FieldProblem[] {
  if (takesInputs(provider.contractVersion) || !isObject(args as unknown)) return [];
  const { sshKeys, labels, ports, providerOptions } = args as Record<string, unknown>;
  const fields: string[] = [];
  if (Array.isArray(sshKeys)) sshKeys.forEach((k, i) => isDeferred(k) && fields.push(`sshKeys[${i}]`));
  if (isObject(labels)) Object.entries(labels).forEach(([k, v]) => isDeferred(v) && fields.push(`labels.${k}`));
  if (Array.isArray(ports))
    ports.forEach((p, i) => isObject(p) && holdsDeferred(p.sources) && fields.push(`ports[${i}].sources`));
  const own = isObject(providerOptions) ? providerOptions[provider.name] : undefined;
  if (isObject(own))
    Object.entries(own).forEach(([k, v]) => holdsDeferred(v) && fields.push(`providerOptions.${provider.name}.${k}`));
  return fields.map((field) => ({
    field,
    value: "<an Output>",
    allowed: `a plain value: provider ${provider.name} was written for contract ${String(provider.contractVersion)}, which takes Outputs from 1.1 on`,
    fix: `give a plain value, or upgrade ${provider.name} to a release written for contract 1.1`,
  }));
}

export function checkInputsLater(args: MachineArgs, provider: ProviderModule, later: CheckLater): MachineArgs {
  if (!isObject(args as unknown)) return args;
  const out: Record<string, unknown> = { ...args };
  const { sshKeys, labels, ports, providerOptions } = args as Record<string, unknown>;
  if (Array.isArray(sshKeys)) {
    out.sshKeys = sshKeys.map((key, i) => (isDeferred(key) ? later(key, (v) => checkSshKey(v, `sshKeys[${i}]`)) : key));
  }
  if (isObject(labels) && !isDeferred(labels)) {
    const rules = provider.catalog.labelRules ?? DEFAULT_LABEL_RULES;
    out.labels = mapValues(labels, (value, key) =>
      isDeferred(value) ? later(value, (v) => checkLabelValue(key, v, rules, provider.name)) : value,
    );
  }
  if (Array.isArray(ports)) {
    out.ports = ports.map((port, i) =>
      isObject(port) && holdsDeferred(port.sources)
        ? { ...port, sources: later(port.sources, (v) => checkSources(v, `ports[${i}].sources`)) }
        : port,
    );
  }
  const own = isObject(providerOptions) ? providerOptions[provider.name] : undefined;
  if (isObject(own)) {
    // Options a schema does not declare as inputs are refused at construction (optionProblems).
    const takesInput = (key: string) => !provider.options || provider.options[key]?.input === true;
    out.providerOptions = {
      ...(providerOptions as Record<string, unknown>),
      [provider.name]: mapValues(own, (value, key) =>
        holdsDeferred(value) && takesInput(key) ? later(value, (v) => optionValueProblems(provider, key, v)) : value,
      ),
    };
  }
  return out as MachineArgs;
}
