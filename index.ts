export { Machine, MACHINE_TYPE, selectProvider } from "./components/machine";
export type { Arch } from "./core/arch";
export type { FirewallRule, Protocol } from "./core/firewall-rule";
export type { MachineState, PowerState } from "./core/power";
export { MACHINE_STATES, POWER_STATES } from "./core/power";
export type {
  AdoptSpec,
  ImageSpec,
  MachineArgs,
  PortSpec,
  ProviderOptionsMap,
  ReadinessSpec,
  SizeClass,
  SizeSpec,
} from "./core/spec";
export {
  InvalidEnvironmentError,
  MachinaError,
  MissingPrerequisiteError,
  StackFileError,
  UnknownEnvironmentError,
  UnknownProviderError,
  UsageError,
  ValidationError,
} from "./core/errors";
export type { FieldProblem } from "./core/errors";
export { resolveMachineSpec, toDnsLabel, platformNameFor } from "./core/validation";
export { SIZE_CLASSES, cheapestFit } from "./core/sizes";
export { capabilitiesOf, CAPABILITY_NAMES } from "./core/capabilities";
export { CONTRACT_VERSION } from "./core/contract-version";
export { registerProvider, resolveProvider, knownProviderNames, builtInProviderNames } from "./providers/registry";
export type {
  Catalog,
  CatalogRegion,
  CatalogSize,
  CredentialRequirement,
  LabelRules,
  MachineResult,
  DayTwoOperation,
  PowerInputs,
  PowerOperation,
  SnapshotOperation,
  SnapshotRequest,
  SnapshotResult,
  SnapshotSource,
  AdoptOperation,
  AdoptionPlan,
  StateOperation,
  PlatformFacts,
  ProviderCapabilities,
  ProviderModule,
  ProviderRequirements,
  ResolvedMachineSpec,
  ToolRequirement,
} from "./core/contract";
