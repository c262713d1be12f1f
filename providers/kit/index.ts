/**
 * The provider kit, public as `pulumi-machina/providers/kit`: what Machina's own providers share, for
 * providers written outside Machina. It is versioned with the provider contract: what is exported
 * here follows CONTRACT_VERSION's compatibility promise (docs/provider-contract.md). Its modules that
 * are not exported here are internal and may change in any release.
 */
export { CONTRACT_VERSION } from "../../core/contract-version";
export type {
  Catalog,
  CatalogRegion,
  CatalogSize,
  CredentialRequirement,
  LabelRules,
  MachineResult,
  OptionRefusal,
  PlatformFacts,
  PortEndpoint,
  PowerInputs,
  PowerOperation,
  SnapshotOperation,
  SnapshotRequest,
  SnapshotResult,
  SnapshotSource,
  AdoptOperation,
  AdoptionPlan,
  StateOperation,
  ProviderModule,
  ProviderOption,
  ProviderOptionSchema,
  ProviderRequirements,
  ProviderRules,
  ProviderValidationContext,
  ResolvedMachineSpec,
  SettledSpec,
  ToolRequirement,
} from "../../core/contract";
export type { FieldProblem } from "../../core/errors";
export type { FirewallRule, FirewallRuleInput, Protocol } from "../../core/firewall-rule";
export type { MachineState, PowerState } from "../../core/power";
export { machineStateFrom } from "../../core/power";
export { machineStateOutput } from "./machine-state";
export { stateReadFrom } from "./state-reading";
export { derivedName, platformNameFor, stackScopedName, toDnsLabel } from "../../core/naming";
export { MANAGED_LABELS } from "../../core/resolve/labels";
export { cpusAndMemory, CUSTOM_SHAPE } from "../../core/sizes";
export { existingSshKeysOption } from "../../core/standard-options";
export { keysCloudConfig, mergeUserData, userCloudConfig } from "./cloud-init";
export { firewallKnown, firewallRules, labelValues, withKeys } from "./settled";
export type { Transform } from "./transform";
export { transformed, transformOption } from "./transform";
export { portRange, singlePorts } from "./firewall";
export type { DeclaredOptions, OptionSchemaOf } from "./options";
export { defineOptions, matching, oneOf, resourceArgsOption } from "./options";
export type { RetryOptions } from "./retry";
export { withRetry } from "./retry";
export { adoptionOptions, isAdopted } from "./adoption";
export { contentHash, sharedPerStack } from "./shared";
export type { SshKeysVia } from "./ssh-keys-via";
export { sshKeysVia, sshKeysViaOption, userDataWithKeys } from "./ssh-keys-via";
