/**
 * `@pulumi/pulumi/automation` requires the whole Pulumi runtime (`@pulumi/pulumi/runtime`: about 500
 * modules with `@npmcli/arborist`, `sigstore` and `pacote`, 1 s and 60 MB here) for one constant,
 * `grpcChannelOptions`, which lives in `runtime/settings`. A process that runs no inline program (the
 * `machina` CLI) never needs the rest: this puts a stand-in for the runtime module in the module
 * cache that answers `grpcChannelOptions` from `runtime/settings` and loads the real runtime on any
 * other use, forwarding to it from then on. Installed only when the runtime is not loaded yet.
 */
import Module from "node:module";

type Exports = Record<PropertyKey, unknown>;

export function installLazyRuntime(from = __dirname): boolean {
  let runtimeFile: string;
  let settingsFile: string;
  try {
    runtimeFile = require.resolve("@pulumi/pulumi/runtime/index.js", { paths: [from] });
    settingsFile = require.resolve("@pulumi/pulumi/runtime/settings.js", { paths: [from] });
  } catch {
    return false;
  }
  if (require.cache[runtimeFile]) return false;
  let real: Exports | undefined;
  const stub = new Module(runtimeFile);
  const load = (): Exports => {
    if (!real) {
      delete require.cache[runtimeFile];
      try {
        real = require(runtimeFile) as Exports;
      } finally {
        require.cache[runtimeFile] = stub;
      }
    }
    return real;
  };
  const exports = new Proxy({} as Exports, {
    get: (_, key) => {
      if (key === "grpcChannelOptions" && !real) {
        const options = (require(settingsFile) as Exports).grpcChannelOptions;
        if (options !== undefined) return options;
      }
      return load()[key];
    },
    has: (_, key) => key in load(),
    ownKeys: () => Reflect.ownKeys(load()),
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);
      return descriptor && { ...descriptor, configurable: true };
    },
    set: (_, key, value) => Reflect.set(load(), key, value),
  });
  stub.filename = runtimeFile;
  stub.loaded = true;
  stub.exports = exports;
  require.cache[runtimeFile] = stub;
  return true;
}
