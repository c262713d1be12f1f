/**
 * A Machine's args checked against its provider and resolved into what a module builds. Each field has
 * its own resolver under core/resolve/, exported and tested on its own; this file puts them in order.
 */
import type { ProviderModule, ResolvedMachineSpec } from "./contract";
import type { FieldProblem } from "./errors";
import { renderValue, ValidationError } from "./errors";
import { platformNameFor, toDnsLabel } from "./naming";
import { optionProblems } from "./provider-options";
import { ruleProblems } from "./provider-rules";
import { settledNow } from "./settled";
import { adoptionProblems, checkAdoptShape } from "./resolve/adopt";
import { checkArchShape, resolveArch } from "./resolve/arch";
import { checkBooleans, checkFields, resolveHostname, resolveProviderOptions } from "./resolve/fields";
import { checkImageShape, resolveImage } from "./resolve/image";
import { inputsRefusedBy } from "./resolve/inputs";
import { checkLabels, checkLabelShape, DEFAULT_LABEL_RULES, MANAGED_LABELS } from "./resolve/labels";
import { checkPorts, firewallRules, normaliseRules } from "./resolve/ports";
import { isObject, underMachine } from "./resolve/problems";
import { checkPowerStateShape, resolvePowerState } from "./resolve/power";
import { checkReadiness } from "./resolve/readiness";
import { checkPlacementShape, checkZone, resolveRegion } from "./resolve/region";
import { checkSizeShape, resolveDisk, resolveSize } from "./resolve/size";
import { checkSshKeys } from "./resolve/ssh-keys";
import { checkControlCharacters, checkUserDataShape, userDataProblems } from "./resolve/text";
import type { MachineArgs, ReadinessSpec } from "./spec";

/** Where the Machine is being built: things that are not in its args. */
export interface ValidationContext {
  stack: string;
  project: string;
  /** Region from stack config, used when the args name none. */
  defaultRegion?: string;
  /** Reads a provider's stack config (`libvirt:network`), for checks that depend on it. */
  config?: (key: string) => string | undefined;
}

export { DEFAULT_LABEL_RULES, platformNameFor, toDnsLabel, userDataProblems };
export { checkInputsLater } from "./resolve/inputs";
export { settledNow } from "./settled";

/**
 * Checks every field of a Machine's args against the selected provider and resolves size, image,
 * region and firewall. Throws one ValidationError listing every problem; creates nothing.
 */
export function resolveMachineSpec(
  name: string,
  args: MachineArgs,
  provider: ProviderModule,
  context: ValidationContext,
): ResolvedMachineSpec & { readiness?: ReadinessSpec } {
  const subject = `Machine ${JSON.stringify(name)} on ${provider.name}`;
  const catalog = provider.catalog;
  const hostname = resolveHostname(name);
  if (!isObject(args as unknown)) {
    throw new ValidationError(subject, [
      {
        field: name,
        value: renderValue(args),
        allowed: "an object of Machine arguments",
        fix: "pass { size, image, ... }",
      },
    ]);
  }
  const region = resolveRegion(args.region, catalog, provider.name, context.defaultRegion);
  const zone = checkZone(args.zone, region.value.id, region.value.entry, provider.name);
  const arch = resolveArch(args.arch, catalog, provider.name);
  const disk = resolveDisk(args.diskGiB, catalog.defaults.diskGiB);
  const size = resolveSize(args.size, {
    catalog,
    provider: provider.name,
    region: region.value.id,
    regionEntry: region.value.entry,
    requestedArch: args.arch,
    arch: arch.value,
    requestedDiskGiB: args.diskGiB,
    diskGiB: disk.value,
  });
  const image = resolveImage(
    args.image,
    size.value.arch,
    catalog,
    provider.name,
    typeof provider.snapshot === "function",
  );
  const sshKeys = checkSshKeys(args.sshKeys);
  const labels = checkLabels(args.labels, catalog.labelRules ?? DEFAULT_LABEL_RULES, provider.name);
  const ports = checkPorts(args.ports);
  const readiness = checkReadiness(args.waitForReady);
  const options = resolveProviderOptions(args.providerOptions, provider.name);
  const powerState = resolvePowerState(args.powerState, provider);
  const adopt = checkAdoptShape(args.adopt);

  const problems = [
    ...hostname.problems,
    ...checkFields(args),
    ...region.problems,
    ...zone,
    ...arch.problems,
    ...disk.problems,
    ...size.problems,
    ...image.problems,
    ...sshKeys.problems,
    ...checkUserDataShape(args.userData),
    ...checkControlCharacters(name, args),
    ...labels.problems,
    ...ports.problems,
    ...checkBooleans(args),
    ...readiness.problems,
    ...options.problems,
    ...powerState.problems,
    ...adopt.problems,
    ...inputsRefusedBy(args, provider),
  ];
  if (problems.length > 0 || !size.value.size || !image.value)
    throw new ValidationError(subject, underMachine(name, problems));

  const resolved: ResolvedMachineSpec & { readiness?: ReadinessSpec } = {
    name,
    hostname: hostname.value,
    platformName: platformNameFor(context.project, context.stack, name),
    region: region.value.id,
    zone: args.zone,
    arch: size.value.arch,
    size: size.value.size,
    image: image.value,
    diskGiB: disk.value,
    sshKeys: sshKeys.value,
    sshUser: (image.value.alias && catalog.imageUsers?.[image.value.alias]) || catalog.defaults.sshUser,
    userData: args.userData,
    labels: { ...labels.value, ...MANAGED_LABELS },
    firewall: firewallRules(ports.value, {
      sshKeys: sshKeys.value.length,
      readiness: readiness.value,
      openSshPort: args.openSshPort,
    }),
    requestedFirewall: normaliseRules(ports.value),
    publicIp: args.publicIp ?? true,
    options: options.value,
    powerState: powerState.value,
    ...(adopt.value ? { adopt: adopt.value } : {}),
    readiness: readiness.value,
  };
  const providerProblems = checkOnProvider(resolved, args, provider, context);
  if (providerProblems.length > 0) throw new ValidationError(subject, underMachine(name, providerProblems));
  return resolved;
}

/**
 * What the provider says about a resolved spec: user data against its limit, its options against its
 * declaration, the shared rules it states, and its own `validate`.
 */
export function checkOnProvider(
  spec: ResolvedMachineSpec,
  args: MachineArgs,
  provider: ProviderModule,
  context: ValidationContext,
): FieldProblem[] {
  // User data that waits on an Output (its own, or a key's) is measured when it resolves, by the Machine.
  const settled = settledNow(spec);
  return [
    ...(typeof args.userData === "string" && settled ? userDataProblems(args.userData, provider, settled) : []),
    ...optionProblems(provider, spec.options),
    ...ruleProblems(provider, spec),
    ...adoptionProblems(spec, provider),
    ...(provider.validate?.(spec, { config: context.config ?? (() => undefined) }) ?? []),
  ];
}

/**
 * The checks of a Machine's args that need no provider: field names and types, size and image
 * shapes, ports, keys, readiness. For reporting every problem of a stack file when its provider is
 * itself unknown or invalid; resolveMachineSpec does all of this and the provider's own checks.
 */
export function machineShapeProblems(name: string, args: MachineArgs): FieldProblem[] {
  if (!isObject(args as unknown))
    return underMachine(name, [
      {
        field: "",
        value: renderValue(args),
        allowed: "an object of Machine arguments",
        fix: "pass { size, image, ... }",
      },
    ]);
  return underMachine(name, [
    ...checkFields(args),
    ...checkPlacementShape(args),
    ...checkArchShape(args.arch),
    ...resolveDisk(args.diskGiB).problems,
    ...checkSizeShape(args.size),
    ...checkImageShape(args.image),
    ...checkSshKeys(args.sshKeys).problems,
    ...checkUserDataShape(args.userData),
    ...checkControlCharacters(name, args),
    ...checkLabelShape(args.labels),
    ...checkPorts(args.ports).problems,
    ...checkBooleans(args),
    ...checkReadiness(args.waitForReady).problems,
    ...checkPowerStateShape(args.powerState).problems,
    ...checkAdoptShape(args.adopt).problems,
    ...resolveProviderOptions(args.providerOptions, undefined).problems,
  ]);
}
