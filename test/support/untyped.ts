/**
 * Data a test reads by path without a schema: the resource inputs the mocks record (every provider
 * SDK's shape), the JSON the CLI prints, the cloud-config cloud-init parsed. A wrong path reads
 * undefined and the assertion on it fails, which is the check.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the one untyped view, for the reasons above
export type Untyped = Record<string, any>;
