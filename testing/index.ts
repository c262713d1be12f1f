/** `pulumi-machina/testing`: what a program built on Machina needs for its own unit tests. */
export { installMachinaMocks, settle, valueOf } from "./mocks";
export type { MachinaMockOptions, MachinaMocks, RecordedInputs, RecordedInvoke, RecordedResource } from "./mocks";
