/**
 * The contract every provider module passes: the same spec yields a machine whose platform resources
 * carry the keys, user data, firewall ports and labels, and whose outputs have the same shape.
 * Built-in providers join by being a folder under providers/; a program's own by registerProvider.
 */
import { beforeAll, describe, expect, it } from "vitest";
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

describe.each(providers())("provider %s", (name) => {
  it("turns the common spec into resources carrying keys, user data, ports and labels", async () => {
    const module = lib.resolveProvider(name);
    const from = recorded.length;
    // Ports only where the provider manages a firewall; elsewhere they are refused or published.
    const spec = module.capabilities.firewall ? SPEC : { ...SPEC, ports: undefined };
    const m = new lib.Machine(`${name}-contract`, { ...spec, provider: name });
    const id = await valueOf(m.id);
    await settle();

    const text = inputsSince(from);
    expect(recorded.length).toBeGreaterThan(from);
    expect(carries(text, KEY_A.split(" ")[1]), "the SSH public key reaches the platform").toBe(true);
    expect(carries(text, MARKER) || carries(text, USER_DATA), "the user data reaches the platform").toBe(true);
    if (module.capabilities.firewall) {
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

  it("registers nothing for an invalid spec", async () => {
    const before = recorded.length;
    expect(() => new lib.Machine(`${name}-bad`, { ...SPEC, provider: name, diskGiB: -1 })).toThrow(lib.ValidationError);
    await settle();
    expect(recorded.length).toBe(before);
  });
});
