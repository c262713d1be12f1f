/**
 * The provider contract suite (docs/provider-contract.md), as a function a test file calls with its
 * runner's hooks: vitest's or Jest's `describe`/`it`/`beforeAll`/`expect`, or node:test's with the
 * `expect` package. No test runner is a dependency of Machina. It installs Pulumi mocks (so give it a
 * test file of its own) and builds Machines on each provider: built-in and package providers by name,
 * modules defined in the program (registered with registerProvider first).
 *
 *   import { describe, it, beforeAll, expect } from "vitest";
 *   import { providerContractSuite } from "pulumi-machina/testing";
 *   import myProvider from "../src";
 *   providerContractSuite({ describe, it, beforeAll, expect }, { providers: [myProvider] });
 */
import { capabilitiesOf } from "../core/capabilities";
import { takesInputs } from "../core/contract-version";
import type { CatalogSize, ProviderModule } from "../core/contract";
import type { MachineArgs } from "../core/spec";
import { ValidationError } from "../core/errors";
import { platformNameFor } from "../core/naming";
import { resolveMachineSpec } from "../core/validation";
import { assertProviderModule, registerProvider, resolveProvider } from "../providers/registry";
import type { MockOptions, RecordedResource } from "./mocks";
import { installMachinaMocks, KEY_A, KEY_B, loadMachine, loadSnapshot, settle, valueOf } from "./mocks";

/** The matchers the suite uses, as vitest, Jest and the `expect` package have them. */
export interface Matchers {
  toBe(expected: unknown): void;
  toEqual(expected: unknown): void;
  toMatchObject(expected: object): void;
  toContain(item: unknown): void;
  toContainEqual(item: unknown): void;
  toMatch(pattern: RegExp | string): void;
  toBeGreaterThan(n: number): void;
  toBeGreaterThanOrEqual(n: number): void;
  toBeUndefined(): void;
  toBeDefined(): void;
  toBeTruthy(): void;
  toBeInstanceOf(type: unknown): void;
  toThrow(expected?: unknown): void;
  not: Omit<Matchers, "not">;
}

export type ExpectLike = (actual: unknown, message?: string) => Matchers;

/** The test runner's hooks. */
export interface ContractSuiteHooks {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<void> | void): void;
  beforeAll(body: () => Promise<void> | void): void;
  expect: ExpectLike;
}

export interface ContractSuiteOptions {
  /** Provider names (built in, or an installed package) and modules (registered with registerProvider). */
  providers: (string | ProviderModule)[];
  /** The Pulumi project and stack the mocks run the program as. */
  project?: string;
  stack?: string;
  /** What your platform computes for your resources (an address, say), for the mocks to answer with. */
  platformState?: MockOptions["platformState"];
  /**
   * A platform id each provider's `adopt` accepts, by provider name, for the adopt case. Without one the
   * case fails, asking for one: id shapes belong to each platform, not to the suite.
   */
  adoptIds?: Record<string, string>;
  /**
   * What a Machine needs, by provider name, besides the suite's spec to be one a Snapshot can copy (a
   * persistent disk, say): the "snapshot (exported)" case builds its source Machine with these.
   */
  snapshotSources?: Record<string, Partial<MachineArgs>>;
}

const MARKER = "machina-contract-7f3a9c";
const USER_DATA = `#cloud-config\nwrite_files:\n  - path: /etc/machina-contract\n    content: ${MARKER}\n`;
const SPEC = {
  size: "small" as const,
  image: "ubuntu-24.04",
  sshKeys: [KEY_A],
  userData: USER_DATA,
  labels: { suite: "contract", owner: "qa-team" },
  ports: [8443, { port: 51820, protocol: "udp" as const }],
};

const hasPort = (text: string, port: number) => new RegExp(`(?<![0-9])${port}(?![0-9])`).test(text);
const carries = (text: string, value: string) =>
  text.includes(value) || text.includes(Buffer.from(value).toString("base64"));

/** Every leaf of a JSON value by its path. */
function leaves(value: unknown, path = "$", out = new Map<string, unknown>()): Map<string, unknown> {
  if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) leaves(v, `${path}.${k}`, out);
  } else {
    out.set(path, value);
  }
  return out;
}

/** The forms a platform gives a size: its type, vCPUs, and memory in GiB, MiB or bytes, bare or with a unit. */
function sizeForms(size: CatalogSize): unknown[] {
  const mib = size.memoryGiB * 1024;
  return [
    size.type,
    size.cpus,
    String(size.cpus),
    size.memoryGiB,
    mib,
    mib * 1024 * 1024,
    ...[`${size.memoryGiB}Gi`, `${size.memoryGiB}G`, `${mib}Mi`, `${mib}M`].flatMap((s) => [s, s.toLowerCase()]),
  ];
}

/** The problems of a ValidationError `build` throws; fails when it throws nothing else. */
function problemsOf(expect: ExpectLike, build: () => unknown): ValidationError["problems"] {
  try {
    build();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).problems;
  }
  expect(undefined, "the spec is refused").toBeDefined();
  return [];
}

/**
 * The resources whose names hold `marker`, in a form two Machines that differ in one thing can be
 * compared in: the marker renamed to `as`, and the ids the platform gave these resources (which differ
 * between the two) replaced by their position.
 */
function comparable(resources: RecordedResource[], marker: string, as: string) {
  const own = resources.filter((r) => r.name.includes(marker));
  const position = new Map(own.map((r, i) => [r.id, `<id of resource ${i}>`]));
  const normal = (_key: string, value: unknown) =>
    (typeof value === "string" || typeof value === "number") && position.has(String(value))
      ? position.get(String(value))
      : value;
  return own.map((r) => ({
    type: r.type,
    name: r.name.replaceAll(marker, as),
    inputs: JSON.parse(JSON.stringify(r.inputs).replaceAll(marker, as), normal),
  }));
}

/** Registers the suite's cases: one `describe` per provider. */
export function providerContractSuite(hooks: ContractSuiteHooks, options: ContractSuiteOptions): void {
  const { describe, it, beforeAll, expect } = hooks;
  const project = options.project ?? "contract";
  const stack = options.stack ?? "ci";
  let recorded: RecordedResource[] = [];
  let Machine: ReturnType<typeof loadMachine>;
  let Snapshot: ReturnType<typeof loadSnapshot>;
  beforeAll(() => {
    recorded = installMachinaMocks({ project, stack, platformState: options.platformState });
    Machine = loadMachine();
    Snapshot = loadSnapshot();
    for (const entry of options.providers) if (typeof entry !== "string") registerProvider(entry);
  });

  for (const entry of options.providers) {
    const module = typeof entry === "string" ? resolveProvider(entry) : entry;
    const name = module.name;
    const facts = capabilitiesOf(module);
    /** Everything the resources registered since `from` were given, as one searchable text. */
    const inputsSince = (from: number) =>
      recorded
        .slice(from)
        .map((r) => JSON.stringify(r.inputs))
        .join("\n");
    /** Builds a Machine that must be refused, and checks that nothing reached the platform. */
    const refused = async (build: () => unknown) => {
      const before = recorded.length;
      const problems = problemsOf(expect, build);
      await settle();
      expect(recorded.length, "nothing is registered").toBe(before);
      return problems;
    };

    describe(`provider ${name}`, () => {
      it("is a module the registry accepts from outside Machina: its members, platform facts and contract version", () => {
        expect(() => assertProviderModule(module, `provider ${name}`)).not.toThrow();
        expect(module.contractVersion, "the contract version it was written for").toMatch(/^\d+\.\d+$/);
        for (const fact of ["publicIp", "firewall", "resizeInPlace"] as const)
          expect(typeof module.platformFacts[fact], `platformFacts.${fact}`).toBe("boolean");
        expect("capabilities" in module, "no hand-set capabilities").toBe(false);
        for (const op of ["power", "snapshot", "adopt", "state"] as const)
          expect(["undefined", "function"], `${op} is an operation or absent`).toContain(typeof module[op]);
      });

      it("has a complete catalog: dated prices, known arches, and the default region, image and SSH user it names", () => {
        const { catalog } = module;
        const regions = catalog.regions.map((r) => r.id);
        expect(catalog.pricesAsOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        expect(catalog.source).not.toBe("");
        expect(catalog.currency).toMatch(/^[A-Z]{3}$/);
        expect(catalog.userDataMaxBytes).toBeGreaterThan(0);
        expect(regions).toContain(catalog.defaults.region);
        expect(catalog.images[catalog.defaults.image]?.x86_64, "the default image has an x86_64 id").toBeTruthy();
        expect(catalog.defaults.sshUser).not.toBe("");
        expect(catalog.sizes.length).toBeGreaterThan(0);
        for (const size of catalog.sizes) {
          expect(["x86_64", "arm64"], `${size.type} arch`).toContain(size.arch);
          expect(size.cpus, `${size.type} vCPUs`).toBeGreaterThan(0);
          expect(size.memoryGiB, `${size.type} memory`).toBeGreaterThan(0);
          expect(size.hourlyPrice, `${size.type} price`).toBeGreaterThanOrEqual(0);
          for (const region of size.regions ?? [])
            expect(regions, `${size.type} sold in a known region`).toContain(region);
        }
      });

      it("turns the common spec into resources carrying keys, user data, ports and labels", async () => {
        const from = recorded.length;
        // Ports only where the provider manages a firewall; elsewhere they are refused.
        const spec = facts.firewall ? SPEC : { ...SPEC, ports: undefined };
        const m = new Machine(`${name}-contract`, { ...spec, provider: name });
        const id = await valueOf(m.id);
        await settle();

        const text = inputsSince(from);
        expect(recorded.length).toBeGreaterThan(from);
        expect(carries(text, KEY_A.split(" ")[1]), "the SSH public key reaches the platform").toBe(true);
        expect(carries(text, MARKER) || carries(text, USER_DATA), "the user data reaches the platform").toBe(true);
        if (facts.firewall) {
          expect(hasPort(text, 8443), "TCP 8443 is opened").toBe(true);
          expect(hasPort(text, 51820), "UDP 51820 is opened").toBe(true);
          expect(hasPort(text, 22), "SSH is opened for the keys").toBe(true);
        }
        const platformName = platformNameFor(project, stack, `${name}-contract`);
        expect(text.includes(platformName), `the platform name ${platformName} reaches the platform`).toBe(true);
        for (const [k, v] of Object.entries(SPEC.labels))
          expect(text.includes(k) && text.includes(v), `label ${k}=${v} reaches the platform`).toBe(true);

        // The uniform outputs.
        const catalog = module.catalog;
        expect(typeof id).toBe("string");
        expect(id.length).toBeGreaterThan(0);
        expect(await valueOf(m.provider)).toBe(name);
        expect(catalog.regions.map((r) => r.id)).toContain(await valueOf(m.region));
        expect(catalog.sizes.map((s) => s.type)).toContain(await valueOf(m.type));
        // The catalog's image id, or, for a `lookup:` entry, the concrete image the lookup found.
        const catalogImage = catalog.images["ubuntu-24.04"].x86_64!;
        const image = await valueOf(m.image);
        if (catalogImage.startsWith("lookup:")) expect(image).toMatch(/^[\w.:/-]+$/);
        else expect(image).toBe(catalogImage);
        expect(image).not.toMatch(/^lookup:/);
        const sshUser = catalog.imageUsers?.["ubuntu-24.04"] ?? catalog.defaults.sshUser;
        expect(await valueOf(m.sshUser)).toBe(sshUser);
        expect(await valueOf(m.labels)).toEqual({ suite: "contract", owner: "qa-team", "managed-by": "machina" });
        const address = (await valueOf(m.publicIp)) ?? (await valueOf(m.privateIp));
        expect(typeof address, "the machine has an address").toBe("string");
        expect(await valueOf(m.ssh)).toMatch(new RegExp(`^ssh (-p \\d+ )?${sshUser}@\\S+$`));
        expect(typeof (await valueOf(m.details))).toBe("object");
      });

      if (takesInputs(module.contractVersion)) {
        it("takes a key and a label value given as Outputs of other resources (contract 1.1): they reach the platform", async () => {
          const from = recorded.length;
          const { output } = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
          const m = new Machine(`${name}-inputs`, {
            provider: name,
            sshKeys: [output(KEY_B)],
            labels: { team: output("inputs-team") },
          });
          expect(typeof (await valueOf(m.id))).toBe("string");
          await settle();
          const text = inputsSince(from);
          expect(carries(text, KEY_B.split(" ")[1]), "the key an Output gave reaches the platform").toBe(true);
          expect(text.includes("inputs-team"), "the label value an Output gave reaches the platform").toBe(true);
        });
      } else {
        it("is never handed an Output (contract 1.0): one is refused at construction, naming the field", async () => {
          const { output } = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
          const problems = await refused(
            () => new Machine(`${name}-inputs`, { provider: name, sshKeys: [output(KEY_B)] }),
          );
          expect(problems.map((p) => p.field)).toContain(`${name}-inputs.sshKeys[0]`);
        });
      }

      it("waits for readiness at the machine's SSH endpoint when asked", async () => {
        const from = recorded.length;
        const m = new Machine(`${name}-ready`, {
          size: "small",
          sshKeys: [KEY_A],
          userData: USER_DATA,
          provider: name,
          waitForReady: { timeoutSeconds: 90 },
        });
        expect(await valueOf(m.ready)).toBe(true);
        await settle();
        const checks = recorded.slice(from).filter((r) => r.type === "pulumi-nodejs:dynamic/machina:ReadinessCheck");
        expect(checks.length).toBe(1);
        const ssh = await valueOf(m.ssh);
        expect(checks[0].inputs).toMatchObject({ expect: "ssh", timeoutSeconds: 90, machineId: await valueOf(m.id) });
        // The check goes where the ssh command points.
        expect(ssh).toContain(`@${checks[0].inputs.host}`);
        if (checks[0].inputs.port !== 22) expect(ssh).toContain(`-p ${checks[0].inputs.port} `);
      });

      if (facts.publicIp) {
        it("publicIp (declared): a machine gets a public address by default, and none (or a refusal) with publicIp: false", async () => {
          const m = new Machine(`${name}-pub`, { size: "small", sshKeys: [KEY_A], provider: name });
          expect(typeof (await valueOf(m.publicIp))).toBe("string");
          const args = { size: "small" as const, sshKeys: [KEY_A], provider: name, publicIp: false };
          try {
            const without = new Machine(`${name}-nopub`, args);
            expect(await valueOf(without.publicIp)).toBeUndefined();
          } catch (e) {
            expect(e).toBeInstanceOf(ValidationError);
            expect((e as Error).message).toMatch(/publicIp/);
          }
          await settle();
        });
      } else {
        it("publicIp (declared false): a machine has no public address", async () => {
          const m = new Machine(`${name}-pub`, { size: "small", sshKeys: [KEY_A], provider: name });
          expect(await valueOf(m.publicIp)).toBeUndefined();
          await settle();
        });
      }

      if (!facts.firewall) {
        it("firewall (declared false): ports are refused before anything is registered", async () => {
          const problems = await refused(() => new Machine(`${name}-ports`, { ...SPEC, provider: name }));
          expect(problems.map((p) => p.field)).toContain(`${name}-ports.ports`);
        });
      }

      if (facts.resizeInPlace) {
        it("resizeInPlace (declared): a resize keeps every resource and changes only the inputs that carry the size", async () => {
          const region = module.catalog.defaults.region;
          const [a, b] = module.catalog.sizes
            .filter((s) => s.arch === "x86_64" && (s.regions === undefined || s.regions.includes(region)))
            .sort((x, y) => x.hourlyPrice - y.hourlyPrice || x.cpus - y.cpus || x.memoryGiB - y.memoryGiB);
          expect(b, "the catalog has two x86_64 sizes in its default region").toBeDefined();
          const build = async (suffix: string, size: CatalogSize) => {
            const from = recorded.length;
            const m = new Machine(`${name}-rs-${suffix}`, {
              size: { type: size.type },
              sshKeys: [KEY_A],
              provider: name,
            });
            await valueOf(m.id);
            await settle();
            return comparable(recorded.slice(from), `rs-${suffix}`, "rs-X");
          };
          const before = await build("a", a);
          const after = await build("b", b);
          expect(after.map((r) => [r.type, r.name])).toEqual(before.map((r) => [r.type, r.name]));
          const changed: string[] = [];
          before.forEach((r, i) => {
            const was = leaves(r.inputs);
            const is = leaves(after[i].inputs);
            for (const path of new Set([...was.keys(), ...is.keys()])) {
              if (JSON.stringify(was.get(path)) === JSON.stringify(is.get(path))) continue;
              changed.push(`${r.type} ${path}`);
              expect(sizeForms(a), `${r.type} ${path} was ${JSON.stringify(was.get(path))}`).toContainEqual(
                was.get(path),
              );
              expect(sizeForms(b), `${r.type} ${path} is ${JSON.stringify(is.get(path))}`).toContainEqual(is.get(path));
            }
          });
          expect(changed.length, "the size reaches the platform").toBeGreaterThan(0);
        });
      }

      const power = module.power;
      if (power) {
        it("power (exported): powerState changes only the inputs power() names, in place, and a stopped machine is not waited for", async () => {
          const build = async (state: "running" | "stopped") => {
            const from = recorded.length;
            const m = new Machine(`${name}-pw-${state}`, {
              size: "small",
              sshKeys: [KEY_A],
              userData: USER_DATA,
              provider: name,
              powerState: state,
              waitForReady: { timeoutSeconds: 60 },
            });
            await valueOf(m.id);
            expect(await valueOf(m.ready), `ready resolves when ${state}`).toBe(true);
            await settle();
            return comparable(recorded.slice(from), `pw-${state}`, "pw-X");
          };
          const checks = (list: { type: string }[]) =>
            list.filter((r) => r.type === "pulumi-nodejs:dynamic/machina:ReadinessCheck").length;
          const running = await build("running");
          const stopped = await build("stopped");
          expect(checks(running), "a running machine is waited for").toBe(1);
          expect(checks(stopped), "a stopped machine is not waited for").toBe(0);
          const kept = (list: typeof running) =>
            list.filter((r) => r.type !== "pulumi-nodejs:dynamic/machina:ReadinessCheck");
          expect(kept(stopped).map((r) => [r.type, r.name])).toEqual(kept(running).map((r) => [r.type, r.name]));
          const want = { running: power("running"), stopped: power("stopped") };
          expect(want.stopped.type).toBe(want.running.type);
          const changed: string[] = [];
          kept(running).forEach((r, i) => {
            const was = leaves(r.inputs);
            const is = leaves(kept(stopped)[i].inputs);
            for (const path of new Set([...was.keys(), ...is.keys()])) {
              if (JSON.stringify(was.get(path)) === JSON.stringify(is.get(path))) continue;
              changed.push(`${r.type} ${path}`);
              const input = path.slice("$.".length);
              expect(r.type, `${path} changed on the resource power() names`).toBe(want.running.type);
              expect(Object.keys(want.stopped.inputs), `${path} is an input power() names`).toContain(input);
              expect(was.get(path), `${path} when running`).toEqual(want.running.inputs[input]);
              expect(is.get(path), `${path} when stopped`).toEqual(want.stopped.inputs[input]);
            }
          });
          expect(changed.length, "the power state reaches the platform").toBeGreaterThan(0);
        });
      } else {
        it("power (not exported): powerState stopped is refused before anything is registered, with the fix", async () => {
          const problems = await refused(
            () => new Machine(`${name}-pw`, { size: "small", provider: name, powerState: "stopped" }),
          );
          const problem = problems.find((p) => p.field === `${name}-pw.powerState`);
          expect(problem?.fix, "the refusal says what to do").toMatch(/remove powerState/);
        });
      }

      const liveState = module.state;
      if (liveState) {
        it("state (exported): the live state read from the machine's resources is the Machine's state", async () => {
          const states = module.power ? (["running", "stopped"] as const) : (["running"] as const);
          for (const powerState of states) {
            const from = recorded.length;
            const m = new Machine(`${name}-st-${powerState}`, {
              size: "small",
              sshKeys: [KEY_A],
              provider: name,
              powerState,
            });
            const state = await valueOf(m.state);
            await settle();
            const answers = recorded
              .slice(from)
              .map((r) => ({ type: r.type, state: liveState(r.type, r.outputs) }))
              .filter((a) => a.state !== undefined);
            expect(answers.length, "exactly one resource carries the live state").toBe(1);
            expect(answers[0].state, `the live state of a machine built ${powerState}`).toBe(state);
            expect(state, "the platform's status maps to a known state").not.toBe("unknown");
          }
          expect(
            liveState("not:a/resource:Type", { status: "running" }),
            "other resources carry no state",
          ).toBeUndefined();
        });
      }

      const adopt = module.adopt;
      if (adopt) {
        it("adopt (exported): the resource adopt() names takes the machine over (import or its input) and is retained; nothing else is imported", async () => {
          const args = { size: "small" as const, sshKeys: [KEY_A], provider: name };
          const accepted = (id: string) => {
            const spec = resolveMachineSpec(`${name}-ad`, args, module, { project, stack });
            return !Array.isArray(adopt(id, { ...spec, adopt: { id, retainOnDelete: true } }));
          };
          const id = options.adoptIds?.[name];
          expect(id, `an id of ${name}'s machines (pass adoptIds: { ${name}: "<id>" })`).toBeDefined();
          expect(accepted(id!), `${name}'s adopt accepts the id ${JSON.stringify(id)}`).toBe(true);
          const build = async (machine: string, adoptArg: unknown) => {
            const from = recorded.length;
            const m = new Machine(machine, { ...args, adopt: adoptArg as string });
            await valueOf(m.id);
            await settle();
            return recorded.slice(from);
          };
          const fresh = await build(`${name}-new`, undefined);
          const adopted = await build(`${name}-ad`, id);
          const spec = resolveMachineSpec(`${name}-ad`, { ...args, adopt: id }, module, { project, stack });
          const plan = adopt(id!, spec);
          if (Array.isArray(plan)) throw new Error(`adopt refused ${id}: ${JSON.stringify(plan)}`);
          const taken = adopted.filter((r) => r.type === plan.type);
          expect(taken.length, `one ${plan.type} is registered`).toBe(1);
          if (plan.input === undefined) {
            expect(taken[0].importId, "registered with import: the plan's importId").toBe(plan.importId);
          } else {
            expect(taken[0].importId, "a resource Pulumi cannot import is not given import").toBeUndefined();
            expect(taken[0].inputs[plan.input], `its input ${plan.input} carries the importId`).toBe(plan.importId);
          }
          expect(taken[0].retainOnDelete, "an adopted machine is retained on destroy by default").toBe(true);
          const imported = adopted.filter((r) => r.importId !== undefined && r !== taken[0]);
          expect(
            imported.map((r) => r.type),
            "nothing else is imported",
          ).toEqual([]);
          const freshTypes = new Set(fresh.map((r) => r.type));
          expect(
            adopted.map((r) => r.type).filter((t) => !freshTypes.has(t)),
            "adoption makes no kind of resource a new machine does not",
          ).toEqual([]);
          expect(
            fresh.every((r) => r.importId === undefined),
            "a new machine imports nothing",
          ).toBe(true);
          const optedOut = await build(`${name}-ad-del`, { id, retainOnDelete: false });
          const deleted = optedOut.filter((r) => r.type === plan.type);
          expect(
            deleted.map((r) => r.retainOnDelete),
            "retainOnDelete: false is honoured",
          ).toEqual([false]);
        });
      } else {
        it("adopt (not exported): adopt is refused before anything is registered, with the fix", async () => {
          const problems = await refused(
            () => new Machine(`${name}-ad`, { size: "small", provider: name, adopt: "some-machine" }),
          );
          const problem = problems.find((p) => p.field === `${name}-ad.adopt`);
          expect(problem?.fix, "the refusal says what to do").toMatch(/remove adopt/);
        });
      }

      if (module.snapshot) {
        it("snapshot (exported): a Snapshot registers the named, labelled copy under itself, and a Machine restores from its id", async () => {
          const source = new Machine(`${name}-snap-src`, {
            size: "small",
            sshKeys: [KEY_A],
            ...options.snapshotSources?.[name],
            provider: name,
          });
          await valueOf(source.id);
          await settle();
          const from = recorded.length;
          const snap = new Snapshot(`${name}-snap`, { machine: source, labels: { purpose: "contract-snap" } });
          const id = await valueOf(snap.id);
          await settle();
          const copy = recorded.slice(from);
          expect(copy.length, "the copy is registered").toBeGreaterThan(0);
          const text = inputsSince(from);
          const platformName = platformNameFor(project, stack, `${name}-snap`);
          expect(text.includes(platformName), `the platform name ${platformName} reaches the platform`).toBe(true);
          expect(text.includes("purpose") && text.includes("contract-snap"), "the labels reach the platform").toBe(
            true,
          );
          expect(typeof id).toBe("string");
          expect(id.length, "the copy has an id").toBeGreaterThan(0);
          expect(await valueOf(snap.provider)).toBe(name);
          expect(await valueOf(snap.machine)).toBe(`${name}-snap-src`);
          expect(typeof (await valueOf(snap.details))).toBe("object");
          expect(await valueOf(snap.image.snapshot)).toBe(id);

          const restoreFrom = recorded.length;
          const restored = new Machine(`${name}-restored`, {
            size: "small",
            sshKeys: [KEY_A],
            provider: name,
            image: snap.image,
          });
          expect(typeof (await valueOf(restored.id))).toBe("string");
          await settle();
          // Whole, or in its parts (a namespace and a name).
          const restoredText = inputsSince(restoreFrom);
          const parts = id.split("/").filter((part) => part !== "");
          expect(
            carries(restoredText, id) || parts.every((part) => carries(restoredText, part)),
            "the snapshot's id reaches the restored machine",
          ).toBe(true);
          expect(await valueOf(restored.image)).toBe(id);
        });
      } else {
        it("snapshot (not exported): a Snapshot, and a Machine restoring one, are refused before anything is registered, with the fix", async () => {
          const source = new Machine(`${name}-nosnap-src`, { size: "small", sshKeys: [KEY_A], provider: name });
          await valueOf(source.id);
          await settle();
          const snapProblems = await refused(() => new Snapshot(`${name}-nosnap`, { machine: source }));
          const onMachine = snapProblems.find((p) => p.field === `${name}-nosnap.machine`);
          expect(onMachine?.fix, "the refusal says what to do").toMatch(/snapshot capability/);
          const restoreProblems = await refused(
            () => new Machine(`${name}-norestore`, { size: "small", provider: name, image: { snapshot: "snap-1" } }),
          );
          const onImage = restoreProblems.find((p) => p.field === `${name}-norestore.image.snapshot`);
          expect(onImage?.fix, "the refusal says what to do").toMatch(/snapshot capability/);
        });
      }

      const declaredOptions = module.options;
      if (declaredOptions) {
        it("declares each option with a type and a description, and refuses one it does not declare", async () => {
          for (const [option, declaration] of Object.entries(declaredOptions)) {
            expect(declaration.type, `${option} has a type`).not.toBe("");
            expect(declaration.description, `${option} has a description`).not.toBe("");
          }
          const providerOptions = { [name]: { notAnOption: 1 } };
          const problems = await refused(
            () => new Machine(`${name}-opt`, { size: "small", provider: name, providerOptions }),
          );
          expect(problems).toContainEqual({
            field: `${name}-opt.providerOptions.${name}.notAnOption`,
            value: "1",
            allowed: Object.keys(declaredOptions).join(", "),
            fix: "remove notAnOption",
          });
        });
      }

      const rules = module.rules;
      if (rules?.customShapes || rules?.maxPortRange) {
        it("follows the shared rules it states", async () => {
          if (rules!.customShapes) {
            const problems = await refused(
              () => new Machine(`${name}-shape`, { size: { type: "enormous" }, provider: name }),
            );
            expect(problems.map((p) => p.field)).toContain(`${name}-shape.size.type`);
          }
          const range = rules!.maxPortRange;
          if (range) {
            const ports = [{ port: 9000, toPort: 9000 + range.ports }];
            const problems = await refused(
              () => new Machine(`${name}-range`, { size: "small", provider: name, ports }),
            );
            expect(problems.map((p) => p.allowed).join("\n")).toMatch(
              new RegExp(`ranges of at most ${range.ports} ports`),
            );
          }
        });
      }

      it("registers nothing for an invalid spec", async () => {
        await refused(() => new Machine(`${name}-bad`, { ...SPEC, provider: name, diskGiB: -1 }));
      });
    });
  }
}
