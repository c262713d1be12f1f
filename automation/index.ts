/** The Automation API layer for pipelines: `import { run, status } from "pulumi-machina/automation"`. */
export { run, status, selectStack, explainEngineError, machineTargets, snapshotTargets } from "./operations";
export { changePower } from "./power";
export type { PowerVerb } from "./power";
export { recordPowerWish } from "./power-config";
export { deleteSnapshot, listSnapshots, takeSnapshot } from "./snapshots";
export type { ListedSnapshot } from "./snapshots";
export { forgetSnapshot, recordSnapshot } from "./snapshot-config";
export { adoptMachine, ADOPTED_KEY } from "./adopt";
export type { AdoptOptions } from "./adopt";
export type { LockHolder, Operation, ProgressEvent, RunOptions, StatusSummary, Summary, Target } from "./operations";
export type { EnvironmentTarget, InlineTarget } from "./workspace";
export { LiveLockError } from "./recover";
export type { RecoveryReport, StackLock } from "./recover";
export { classifyError, classifyFailure, FAILURE_CLASSES, FAILURE_CLASS_INFO } from "../core/failure";
export type { Failure, FailureClass } from "../core/failure";
