export { Machine, MACHINE_TYPE, selectProvider } from "./components/machine";
export type {
  Arch, FirewallRule, ImageSpec, MachineArgs, PortSpec, Protocol, ReadinessSpec, SizeClass, SizeSpec,
} from "./components/spec";
export {
  InvalidEnvironmentError, MachinaError, MissingPrerequisiteError, StackFileError, UnknownEnvironmentError, UnknownProviderError, UsageError,
  ValidationError,
} from "./components/errors";
export type { FieldProblem } from "./components/errors";
export { resolveMachineSpec, toDnsLabel, platformNameFor } from "./components/validation";
export { SIZE_CLASSES, cheapestFit } from "./components/sizes";
export { registerProvider, resolveProvider, knownProviderNames, builtInProviderNames } from "./providers/registry";
export type {
  Catalog, CatalogRegion, CatalogSize, CredentialRequirement, LabelRules, MachineResult, ProviderCapabilities,
  ProviderModule, ProviderRequirements, ResolvedMachineSpec, ToolRequirement,
} from "./providers/contract";
