/** The user data size check measures what each platform receives, Machina's own parts included. */
import { beforeAll, describe, expect, it } from "vitest";
import type { ProviderModule, SettledSpec } from "../../dist/core/contract";
import { fakeProvider } from "../../dist/testing";
import { KEY_A, KEY_B } from "../../dist/testing";

let userDataSizeProblem: typeof import("../../dist/core/user-data-size").userDataSizeProblem;
let registry: typeof import("../../dist/providers/registry");

beforeAll(async () => {
  ({ userDataSizeProblem } = await import("../../dist/core/user-data-size.js"));
  registry = await import("../../dist/providers/registry.js");
});

/**
 * The platforms' documented limits, on what each receives. aws: 16 KB raw, before base64 (EC2 user
 * guide). azure: customData decoded to at most 65535 bytes, i.e. 87380 bytes of base64 (the API
 * reference). hetzner: 32 KiB (API). digitalocean: 64 KiB (API). gcp: a metadata value of at most
 * 262144 bytes. kubevirt: the Secret's data, at most 1 MiB (Kubernetes; the 2 KiB webhook limit is on
 * inline user data, which Machina never uses). proxmox, libvirt: no platform limit, Machina's 256 KiB.
 */
const LIMITS: Record<string, number> = {
  aws: 16384,
  azure: 87380,
  hetzner: 32768,
  digitalocean: 65536,
  gcp: 262144,
  kubevirt: 1048576,
  proxmox: 262144,
  libvirt: 262144,
};

function specFor(module: ProviderModule, userData: string | undefined, sshKeys = [KEY_A]): SettledSpec {
  return {
    name: "web",
    hostname: "web",
    platformName: "shop-production-web",
    region: module.catalog.defaults.region,
    arch: "x86_64",
    size: { type: module.catalog.sizes[0].type, fromCatalog: true },
    image: { id: "img", kind: "id" },
    sshKeys,
    sshUser: module.catalog.defaults.sshUser,
    userData,
    labels: {},
    firewall: [],
    requestedFirewall: [],
    publicIp: true,
    options: {},
  };
}

/** A shell script of exactly `bytes` bytes. */
const script = (bytes: number) => `#!/bin/sh\n#${"x".repeat(bytes - 12)}\n`;
const sentBytes = (module: ProviderModule, userData: string) =>
  Buffer.byteLength(module.platformUserData!(specFor(module, userData), userData)!);

describe.each(Object.keys(LIMITS))("%s", (name) => {
  let module: ProviderModule;
  beforeAll(() => {
    module = registry.resolveProvider(name);
  });

  it("has the documented limit in its catalog, and says what the platform receives", () => {
    expect(module.catalog.userDataMaxBytes).toBe(LIMITS[name]);
    expect(module.platformUserData, "platformUserData is implemented").toBeTypeOf("function");
  });

  it("passes the largest user data the platform takes and refuses one byte more, naming the size only", () => {
    // The longest script whose merged, encoded form still fits, found by bisection.
    let low = 12;
    let high = LIMITS[name];
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (sentBytes(module, script(mid)) <= LIMITS[name]) low = mid;
      else high = mid - 1;
    }
    const fits = script(low);
    const tooLong = script(low + 1);
    expect(userDataSizeProblem(module, specFor(module, fits), fits)).toBeUndefined();
    const bytes = sentBytes(module, tooLong);
    expect(bytes).toBeGreaterThan(LIMITS[name]);
    expect(userDataSizeProblem(module, specFor(module, tooLong), tooLong)).toEqual({
      field: "userData",
      value: `<${bytes} bytes after Machina's parts>`,
      allowed: `at most ${LIMITS[name]} bytes on ${name} (what the platform receives, Machina's own parts included)`,
      fix: `remove at least ${bytes - LIMITS[name]} bytes of what the platform receives: fetch large files at boot (runcmd with curl) instead of embedding them`,
    });
  });

  it("never renders the content", () => {
    const secret = `#cloud-config\n# token: s3cr3t-${"y".repeat(LIMITS[name])}\n`;
    const problem = userDataSizeProblem(module, specFor(module, secret), secret);
    expect(problem).toBeDefined();
    expect(JSON.stringify(problem)).not.toContain("s3cr3t");
  });

  it("has nothing to check without user data where nothing is sent", () => {
    const sent = module.platformUserData!(specFor(module, undefined), undefined);
    expect(userDataSizeProblem(module, specFor(module, undefined), undefined)).toBeUndefined();
    if (sent !== undefined) expect(Buffer.byteLength(sent)).toBeLessThan(LIMITS[name]);
  });
});

describe("limits that depend on what Machina adds or how the platform encodes", () => {
  it("aws: user data that fits 16384 bytes alone fails once Machina's keys part is merged in", () => {
    const aws = registry.resolveProvider("aws");
    const userData = script(16384);
    expect(Buffer.byteLength(userData)).toBe(16384);
    expect(userDataSizeProblem(aws, specFor(aws, userData, []), userData)).toBeUndefined();
    const problem = userDataSizeProblem(aws, specFor(aws, userData, [KEY_A, KEY_B]), userData);
    expect(problem?.value).toMatch(/^<(\d+) bytes after Machina's parts>$/);
    expect(Number(/\d+/.exec(problem!.value)![0])).toBeGreaterThan(16384 + KEY_A.length + KEY_B.length);
  });

  it("azure: 65535 bytes of user data fit (87380 bytes of base64), 65536 do not", () => {
    const azure = registry.resolveProvider("azure");
    expect(userDataSizeProblem(azure, specFor(azure, script(65535)), script(65535))).toBeUndefined();
    expect(userDataSizeProblem(azure, specFor(azure, script(65536)), script(65536))?.value).toBe(
      "<87384 bytes after Machina's parts>",
    );
  });

  it("proxmox: the snippet with the user, keys and guest agent is what counts", () => {
    const proxmox = registry.resolveProvider("proxmox");
    const userData = script(262144 - 100);
    expect(Buffer.byteLength(userData)).toBeLessThan(262144);
    expect(userDataSizeProblem(proxmox, specFor(proxmox, userData), userData)).toBeDefined();
  });

  it("a provider without platformUserData is measured on the user data as given", () => {
    const fake = fakeProvider("sizecloud");
    expect(userDataSizeProblem(fake, specFor(fake, script(16384)), script(16384))).toBeUndefined();
    expect(userDataSizeProblem(fake, specFor(fake, script(16385)), script(16385))?.value).toBe(
      "<16385 bytes after Machina's parts>",
    );
  });
});
