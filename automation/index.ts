/** The Automation API layer for pipelines: `import { run, status } from "pulumi-machina/automation"`. */
export { run, status, selectStack, explainEngineError } from "./operations";
export type { Operation, ProgressEvent, RunOptions, Summary, Target } from "./operations";
export type { EnvironmentTarget, InlineTarget } from "./workspace";
export type { RecoveryReport } from "./recover";
