/**
 * The version of the provider contract (core/contract.ts, explained in docs/provider-contract.md) and
 * of the public provider kit (`pulumi-machina/providers/kit`), as `<major>.<minor>`. Within a major
 * version Machina only adds: a provider written for 1.x runs on every Machina that speaks 1.y, y >= x.
 */
export const CONTRACT_VERSION = "1.2";

const VERSION = /^(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

/**
 * Whether a module written for `declared` takes Outputs in the spec (contract 1.1: keys, label values,
 * firewall sources, options declared `input`). Built-in modules, and modules that declare no version
 * (registered in the program), do.
 */
export function takesInputs(declared: unknown): boolean {
  if (declared === undefined) return true;
  const parsed = typeof declared === "string" ? VERSION.exec(declared) : null;
  if (!parsed) return false;
  const [, major, minor] = parsed.map(Number);
  return major > 1 || (major === 1 && minor >= 1);
}

/**
 * Why a provider outside Machina that declares `declared` cannot run here, with the fix; undefined
 * when it can.
 */
export function contractVersionProblem(declared: unknown, origin: string, ours = CONTRACT_VERSION): string | undefined {
  const page = "docs/provider-contract.md";
  if (declared === undefined) {
    return (
      `${origin} declares no contractVersion: a provider outside Machina states the contract it was written for. ` +
      `Check it against ${page} and add contractVersion: "${ours}" (CONTRACT_VERSION from pulumi-machina).`
    );
  }
  const theirs = typeof declared === "string" ? VERSION.exec(declared) : null;
  if (!theirs) {
    return `${origin} declares contractVersion ${JSON.stringify(declared)}, which is not "<major>.<minor>": write contractVersion: "${ours}".`;
  }
  const [, major, minor] = theirs.map(Number);
  const [, ourMajor, ourMinor] = VERSION.exec(ours)!.map(Number);
  if (major > ourMajor || (major === ourMajor && minor > ourMinor)) {
    return (
      `${origin} was written for provider contract ${declared}; this pulumi-machina speaks ${ours}. ` +
      `Upgrade pulumi-machina (npm install pulumi-machina@latest), or use a release of the provider written for ${ours}.`
    );
  }
  if (major < ourMajor) {
    return (
      `${origin} was written for provider contract ${declared}; this pulumi-machina speaks ${ours}, whose major version ` +
      `changed the contract. Upgrade the provider to a release written for ${ourMajor}.x (its changes are listed in ${page}), ` +
      `or keep a pulumi-machina that speaks ${major}.x.`
    );
  }
  return undefined;
}
