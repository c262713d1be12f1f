import { existsSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { MachinaError, MissingPrerequisiteError, UnknownProviderError } from "../core/errors";
import type { ProviderModule } from "../core/contract";
import { PLATFORM_FACTS } from "../core/capabilities";
import { contractVersionProblem } from "../core/contract-version";

const registered = new Map<string, ProviderModule>();
const loaded = new Map<string, ProviderModule>();

/** Folders next to the providers that are not providers: the kit they share. */
const NOT_PROVIDERS = ["kit"];

/**
 * In the CLI's bundle, the built-in modules are in the bundle: its build (scripts/bundle-cli.js) finds
 * the same folders and puts a loader for each here. Everywhere else this is undefined: the folders are read.
 */
declare const MACHINA_BUNDLED_PROVIDERS: Record<string, () => unknown> | undefined;
const bundled = typeof MACHINA_BUNDLED_PROVIDERS === "undefined" ? undefined : MACHINA_BUNDLED_PROVIDERS;

/** Built-in providers: every folder next to this file that holds a module. Nothing is loaded. */
export function builtInProviderNames(): string[] {
  if (bundled) return Object.keys(bundled).sort();
  return readdirSync(__dirname, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !NOT_PROVIDERS.includes(d.name))
    .filter((d) => ["index.js", "index.ts"].some((f) => existsSync(path.join(__dirname, d.name, f))))
    .map((d) => d.name)
    .sort();
}

export function knownProviderNames(): string[] {
  return [...new Set([...builtInProviderNames(), ...registered.keys()])].sort();
}

const REQUIRED_MEMBERS = ["name", "description", "requirements", "platformFacts", "catalog", "create"] as const;

/**
 * The module, when it is one: its required members, platform facts as booleans, no hand-set
 * capabilities, and (for a provider outside Machina) a contract version this Machina speaks.
 */
function assertModule(candidate: unknown, origin: string, outside = true): ProviderModule {
  const m = candidate as (Partial<ProviderModule> & { capabilities?: unknown }) | undefined;
  const missing = REQUIRED_MEMBERS.filter((key) => m === undefined || m === null || m[key] === undefined);
  if (m !== undefined && m !== null && m.capabilities !== undefined) {
    throw new MachinaError(
      `${origin} declares capabilities, which Machina derives: operations (power, snapshot, adopt, state) from the ` +
        `functions the module exports, arm64 and regions from its catalog. Remove capabilities and declare ` +
        `platformFacts: { publicIp, firewall, resizeInPlace }.`,
    );
  }
  if (missing.length > 0 || typeof m?.create !== "function" || typeof m?.name !== "string") {
    throw new MachinaError(
      `${origin} is not a Machina provider: it lacks ${missing.length ? missing.join(", ") : "a create function"}. ` +
        `A provider module exports an object with ${REQUIRED_MEMBERS.slice(0, -1).join(", ")} and create().`,
    );
  }
  const facts = m.platformFacts as unknown as Record<string, unknown>;
  const notBoolean = PLATFORM_FACTS.filter((fact) => typeof facts?.[fact] !== "boolean");
  if (notBoolean.length > 0) {
    throw new MachinaError(
      `${origin} is not a Machina provider: platformFacts.${notBoolean.join(", platformFacts.")} must be true or false.`,
    );
  }
  if (outside || m.contractVersion !== undefined) {
    const problem = contractVersionProblem(m.contractVersion, origin);
    if (problem) throw new MachinaError(problem);
  }
  return m as ProviderModule;
}

/** Throws, with what is wrong and the fix, unless the registry accepts `candidate` as a provider module from outside Machina. */
export function assertProviderModule(candidate: unknown, origin: string): ProviderModule {
  return assertModule(candidate, origin);
}

/** Makes a provider defined in a program available by its name. */
export function registerProvider(module: ProviderModule): void {
  const m = assertModule(module, `registerProvider(${JSON.stringify((module as { name?: unknown })?.name)})`);
  registered.set(m.name, m);
}

/** For tests: forget providers registered with registerProvider. */
export function clearRegisteredProviders(): void {
  registered.clear();
}

function looksLikePackageName(name: string): boolean {
  return /^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/.test(name);
}

function loadPackage(name: string): ProviderModule | undefined {
  let resolved: string;
  try {
    resolved = require.resolve(name, { paths: [process.cwd(), __dirname] });
  } catch {
    return undefined;
  }
  const exported = require(resolved);
  return assertModule(exported?.default ?? exported, `package ${name}`);
}

/**
 * The provider module for a name: registered in the program, built in (loaded from its folder now,
 * not before), or an installed npm package whose default export is a provider.
 */
export function resolveProvider(provider: string | ProviderModule): ProviderModule {
  if (typeof provider === "object" && provider !== null) return assertModule(provider, "the provider argument");
  if (typeof provider !== "string" || provider === "")
    throw new UnknownProviderError(String(provider), knownProviderNames());
  const cached = registered.get(provider) ?? loaded.get(provider);
  if (cached) return cached;
  let module: ProviderModule | undefined;
  if (builtInProviderNames().includes(provider)) {
    const exported = (bundled?.[provider] ?? (() => require(path.join(__dirname, provider))))() as {
      default?: unknown;
    };
    module = assertModule(exported.default ?? exported, `built-in provider ${provider}`, false);
  } else if (looksLikePackageName(provider)) {
    module = loadPackage(provider);
  }
  if (!module) throw new UnknownProviderError(provider, knownProviderNames());
  loaded.set(provider, module);
  return module;
}

/** Modules whose SDK was found in this process: resolving it again for each of a thousand Machines showed in their profile. */
const sdkFound = new WeakSet<ProviderModule>();

/** Throws when the provider's Pulumi SDK package cannot be found from the program. */
export function assertSdkInstalled(module: ProviderModule): void {
  const pkg = module.requirements.sdkPackage;
  if (!pkg || sdkFound.has(module)) return;
  try {
    require.resolve(`${pkg}/package.json`, { paths: [process.cwd(), __dirname] });
    sdkFound.add(module);
  } catch {
    throw new MissingPrerequisiteError(module.name, [
      `the Pulumi SDK ${pkg} is not installed: run \`npm install ${pkg}\` in your Pulumi program`,
    ]);
  }
}
