/**
 * The contract every provider module passes: the same spec yields a machine whose platform resources
 * carry the keys, user data, firewall ports and labels, and whose outputs have the same shape.
 * Built-in providers join by being a folder under providers/; a program's own by registerProvider.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { capabilitiesOf } from "../../dist/core/capabilities";
import type { CatalogSize, ProviderModule } from "../../dist/core/contract";
import { fakeProvider } from "../support/fake-provider";
import type { RecordedResource } from "../support/mocks";
import { installMocks, KEY_A, settle, valueOf } from "../support/mocks";

let recorded: RecordedResource[];
let lib: typeof import("../../dist/index.js");

beforeAll(async () => {
  recorded = installMocks({ project: "contract", stack: "ci" });
  lib = await import("../../dist/index.js");
  lib.registerProvider(fakeProvider("registered-fake"));
});

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

/** Everything the resources registered since `from` were given, as one searchable text. */
function inputsSince(from: number): string {
  return recorded
    .slice(from)
    .map((r) => JSON.stringify(r.inputs))
    .join("\n");
}

const hasPort = (text: string, port: number) => new RegExp(`(?<![0-9])${port}(?![0-9])`).test(text);
const carries = (text: string, value: string) =>
  text.includes(value) || text.includes(Buffer.from(value).toString("base64"));

const providers = () => [
  ...new Set([...require("../../dist/providers/registry").builtInProviderNames(), "registered-fake"]),
];

/** The module of a provider name at collection time, before the mocks load the library. */
const moduleOf = (name: string): ProviderModule =>
  name === "registered-fake" ? fakeProvider(name) : require("../../dist/providers/registry").resolveProvider(name);

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

describe.each(providers())("provider %s", (name) => {
  const facts = capabilitiesOf(moduleOf(name));
  it("turns the common spec into resources carrying keys, user data, ports and labels", async () => {
    const module = lib.resolveProvider(name);
    const from = recorded.length;
    // Ports only where the provider manages a firewall; elsewhere they are refused or published.
    const spec = facts.firewall ? SPEC : { ...SPEC, ports: undefined };
    const m = new lib.Machine(`${name}-contract`, { ...spec, provider: name });
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
    for (const [k, v] of Object.entries(SPEC.labels)) {
      expect(text.includes(k) && text.includes(v), `label ${k}=${v} reaches the platform`).toBe(true);
    }

    // The uniform outputs.
    const catalog = module.catalog;
    expect(typeof id).toBe("string");
    expect(id.length).toBeGreaterThan(0);
    expect(await valueOf(m.provider)).toBe(name);
    expect(catalog.regions.map((r) => r.id)).toContain(await valueOf(m.region));
    const type = await valueOf(m.type);
    expect(catalog.sizes.map((s) => s.type)).toContain(type);
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
    expect(address, "the machine has an address").toEqual(expect.any(String));
    expect(await valueOf(m.ssh)).toMatch(new RegExp(`^ssh (-p \\d+ )?${sshUser}@\\S+$`));
    expect(typeof (await valueOf(m.details))).toBe("object");
  });

  it("waits for readiness at the machine's SSH endpoint when asked", async () => {
    const from = recorded.length;
    const m = new lib.Machine(`${name}-ready`, {
      size: "small",
      sshKeys: [KEY_A],
      userData: USER_DATA,
      provider: name,
      waitForReady: { timeoutSeconds: 90 },
    });
    expect(await valueOf(m.ready)).toBe(true);
    await settle();
    const checks = recorded.slice(from).filter((r) => r.type === "pulumi-nodejs:dynamic/machina:ReadinessCheck");
    expect(checks).toHaveLength(1);
    const ssh = await valueOf(m.ssh);
    expect(checks[0].inputs).toMatchObject({ expect: "ssh", timeoutSeconds: 90, machineId: await valueOf(m.id) });
    // The check goes where the ssh command points.
    expect(ssh).toContain(`@${checks[0].inputs.host}`);
    if (checks[0].inputs.port !== 22) expect(ssh).toContain(`-p ${checks[0].inputs.port} `);
  });

  if (facts.publicIp) {
    it("publicIp (declared): a machine gets a public address by default, and none (or a refusal) with publicIp: false", async () => {
      const m = new lib.Machine(`${name}-pub`, { size: "small", sshKeys: [KEY_A], provider: name });
      expect(await valueOf(m.publicIp)).toEqual(expect.any(String));
      let without: InstanceType<typeof lib.Machine> | undefined;
      try {
        without = new lib.Machine(`${name}-nopub`, {
          size: "small",
          sshKeys: [KEY_A],
          provider: name,
          publicIp: false,
        });
      } catch (e) {
        expect(e).toBeInstanceOf(lib.ValidationError);
        expect((e as Error).message).toMatch(/publicIp/);
      }
      if (without) expect(await valueOf(without.publicIp)).toBeUndefined();
      await settle();
    });
  } else {
    it("publicIp (declared false): a machine has no public address", async () => {
      const m = new lib.Machine(`${name}-pub`, { size: "small", sshKeys: [KEY_A], provider: name });
      expect(await valueOf(m.publicIp)).toBeUndefined();
      await settle();
    });
  }

  if (!facts.firewall) {
    it("firewall (declared false): ports are refused before anything is registered", async () => {
      const before = recorded.length;
      expect(() => new lib.Machine(`${name}-ports`, { ...SPEC, provider: name })).toThrow(
        expect.objectContaining({
          problems: expect.arrayContaining([expect.objectContaining({ field: `${name}-ports.ports` })]),
        }),
      );
      await settle();
      expect(recorded.length).toBe(before);
    });
  }

  if (facts.resizeInPlace) {
    it("resizeInPlace (declared): a resize keeps every resource and changes only the inputs that carry the size", async () => {
      const module = lib.resolveProvider(name);
      const region = module.catalog.defaults.region;
      const [a, b] = module.catalog.sizes
        .filter((s) => s.arch === "x86_64" && (s.regions === undefined || s.regions.includes(region)))
        .sort((x, y) => x.hourlyPrice - y.hourlyPrice || x.cpus - y.cpus || x.memoryGiB - y.memoryGiB);
      expect(b, "the catalog has two x86_64 sizes in its default region").toBeDefined();
      const build = async (suffix: string, size: CatalogSize) => {
        const from = recorded.length;
        const m = new lib.Machine(`${name}-rs-${suffix}`, {
          size: { type: size.type },
          sshKeys: [KEY_A],
          provider: name,
        });
        await valueOf(m.id);
        await settle();
        const own = recorded.slice(from).filter((r) => r.name.includes(`rs-${suffix}`));
        // Ids the platform gave this machine's resources differ between the two; each becomes its position.
        const position = new Map(own.map((r, i) => [r.id, `<id of resource ${i}>`]));
        const normal = (_key: string, value: unknown) =>
          (typeof value === "string" || typeof value === "number") && position.has(String(value))
            ? position.get(String(value))
            : value;
        return own.map((r) => ({
          type: r.type,
          name: r.name.replaceAll(`rs-${suffix}`, "rs-X"),
          inputs: JSON.parse(JSON.stringify(r.inputs).replaceAll(`rs-${suffix}`, "rs-X"), normal),
        }));
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
          expect(sizeForms(a), `${r.type} ${path} was ${JSON.stringify(was.get(path))}`).toContainEqual(was.get(path));
          expect(sizeForms(b), `${r.type} ${path} is ${JSON.stringify(is.get(path))}`).toContainEqual(is.get(path));
        }
      });
      expect(changed.length, "the size reaches the platform").toBeGreaterThan(0);
    });
  }

  it("registers nothing for an invalid spec", async () => {
    const before = recorded.length;
    expect(() => new lib.Machine(`${name}-bad`, { ...SPEC, provider: name, diskGiB: -1 })).toThrow(lib.ValidationError);
    await settle();
    expect(recorded.length).toBe(before);
  });
});
