/**
 * `pulumi-machina/testing`: what a test of a program built on Machina, or of a provider written for
 * it, needs. Pulumi mocks with realistic platform state, the one set-up of a unit test of Machines, an
 * in-memory provider, and the provider contract suite. Loads no provider SDK and no test runner.
 */
export type { ContractSuiteHooks, ContractSuiteOptions, ExpectLike, Matchers } from "./contract-suite";
export { providerContractSuite } from "./contract-suite";
export { fakeProvider } from "./fake-provider";
export type { MockOptions, RecordedInputs, RecordedResource } from "./mocks";
export {
  installMachinaMocks,
  invokes,
  KEY_A,
  KEY_B,
  loadMachine,
  loadSnapshot,
  machinaUnderMocks,
  ofType,
  settle,
  valueOf,
} from "./mocks";
