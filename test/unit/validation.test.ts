import { describe, expect, it } from "vitest";
import { ValidationError } from "../../dist/core/errors";
import type { MachineArgs } from "../../dist/core/spec";
import { platformNameFor, resolveMachineSpec, toDnsLabel } from "../../dist/core/validation";
import digitalocean from "../../dist/providers/digitalocean";
import hetzner from "../../dist/providers/hetzner";
import { KEY_A, KEY_B } from "../../dist/testing";

const context = { stack: "staging", project: "shop" };
const resolve = (args: MachineArgs, provider = hetzner, name = "web") =>
  resolveMachineSpec(name, args, provider, context);

function problemsOf(args: MachineArgs, provider = hetzner, name = "web"): ValidationError {
  try {
    resolve(args, provider, name);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return e as ValidationError;
  }
  throw new Error(`expected ${JSON.stringify(args)} to be rejected`);
}

describe("size resolution", () => {
  it("resolves a class to the cheapest x86 type sold in the region", () => {
    expect(resolve({ size: "small" }).size).toEqual({
      type: "cx23",
      cpus: 2,
      memoryGiB: 4,
      diskGiB: 40,
      fromCatalog: true,
    });
    // CX types are EU-only; in Ashburn the cheapest x86 fit is a CPX.
    expect(resolve({ size: "small", region: "ash" }).size.type).toBe("cpx22");
  });

  it("honours arm64 for both size and image", () => {
    const spec = resolve({ size: "medium", arch: "arm64", image: "debian-12" });
    expect(spec.size.type).toBe("cax11");
    expect(spec.arch).toBe("arm64");
    expect(spec.image).toEqual({ id: "debian-12", alias: "debian-12", kind: "alias" });
  });

  it("resolves { cpus, memoryGiB } to the cheapest satisfying type", () => {
    expect(resolve({ size: { cpus: 3, memoryGiB: 4 } }).size.type).toBe("cpx22");
    expect(resolve({ size: { cpus: 4, memoryGiB: 6 } }).size.type).toBe("cx33");
    expect(resolve({ size: { cpus: 1, memoryGiB: 1 } }, digitalocean).size.type).toBe("s-1vcpu-1gb");
    expect(resolve({ size: "nano" }, digitalocean).size.type).toBe("s-1vcpu-512mb-10gb");
    // The 512 MB droplet is not sold in nyc3: the next fit is.
    expect(resolve({ size: "nano", region: "nyc3" }, digitalocean).size.type).toBe("s-1vcpu-1gb");
  });

  it("takes diskGiB into account where the disk comes with the type", () => {
    expect(resolve({ size: "small", diskGiB: 60 }).size.type).toBe("cpx22");
  });

  it("passes { type } through, taking arch from the catalog when it knows the type", () => {
    const arm = resolve({ size: { type: "cax21" } });
    expect(arm.arch).toBe("arm64");
    expect(arm.image.id).toBe("ubuntu-24.04");
    const unknown = resolve({ size: { type: "ccx63" } });
    expect(unknown.size).toEqual({
      type: "ccx63",
      cpus: undefined,
      memoryGiB: undefined,
      diskGiB: undefined,
      fromCatalog: false,
    });
  });
});

describe("resolved spec", () => {
  it("derives names, firewall and labels", () => {
    const spec = resolve({
      sshKeys: [KEY_A, KEY_A, KEY_B],
      ports: [443, { port: 8000, toPort: 8100, protocol: "udp", sources: ["10.0.0.0/8"] }],
      labels: { team: "web" },
    });
    expect(spec.hostname).toBe("web");
    expect(spec.platformName).toBe("shop-staging-web");
    expect(spec.sshKeys).toEqual([KEY_A, KEY_B]);
    expect(spec.firewall).toEqual([
      { port: 22, toPort: 22, protocol: "tcp", sources: ["0.0.0.0/0", "::/0"] },
      { port: 443, toPort: 443, protocol: "tcp", sources: ["0.0.0.0/0", "::/0"] },
      { port: 8000, toPort: 8100, protocol: "udp", sources: ["10.0.0.0/8"] },
    ]);
    expect(spec.labels).toEqual({ team: "web", "managed-by": "machina" });
    expect(spec.region).toBe("fsn1");
    expect(spec.sshUser).toBe("root");
  });

  it("opens 22 for sshKeys or waitForReady, unless told not to", () => {
    expect(resolve({}).firewall).toEqual([]);
    expect(resolve({ waitForReady: true }).firewall.map((r) => r.port)).toEqual([22]);
    expect(resolve({ waitForReady: { port: 8080 } }).firewall.map((r) => r.port)).toEqual([8080]);
    expect(resolve({ sshKeys: [KEY_A], openSshPort: false }).firewall).toEqual([]);
    expect(
      resolve({ sshKeys: [KEY_A], ports: [{ port: 20, toPort: 30 }] }).firewall.map((r) => [r.port, r.toPort]),
    ).toEqual([[20, 30]]);
  });

  it("takes the region from the context when the args have none", () => {
    expect(resolveMachineSpec("w", {}, hetzner, { ...context, defaultRegion: "hel1" }).region).toBe("hel1");
  });

  it("keeps platform names within 63 characters and deterministic", () => {
    const long = "a".repeat(80);
    const name = platformNameFor("p", "s", long);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(platformNameFor("p", "s", long)).toBe(name);
    expect(platformNameFor("p", "s", `${long}b`)).not.toBe(name);
    expect(toDnsLabel("Web_Server 1")).toBe("web-server-1");
  });
});

// Each bad input names the field, shows the value, says what is allowed and how to fix it.
const BAD: [string, MachineArgs, string, RegExp, string?][] = [
  ["unknown field", { sizee: "small" } as MachineArgs, "web.sizee", /one of the Machine fields/],
  ["size of wrong type", { size: 4 as never }, "web.size", /a class \(nano, micro, small, medium, large, xlarge\)/],
  ["unknown size class", { size: "huge" as never }, "web.size", /a class/],
  ["negative cpus", { size: { cpus: -2, memoryGiB: 4 } }, "web.size.cpus", /an integer from 1 to 1024/],
  ["fractional cpus", { size: { cpus: 1.5, memoryGiB: 4 } }, "web.size.cpus", /an integer/],
  ["absurd memory", { size: { cpus: 2, memoryGiB: 1e9 } }, "web.size.memoryGiB", /at most 24576/],
  ["size nobody sells", { size: { cpus: 64, memoryGiB: 512 } }, "web.size", /at most 16 vCPUs \/ 32 GiB/],
  ["empty type", { size: { type: "" } }, "web.size.type", /instance type/],
  ["type of the other arch", { size: { type: "cax11" }, arch: "x86_64" }, "web.size.type", /cax11 is arm64/],
  ["type not sold in region", { size: { type: "cx23" }, region: "ash" }, "web.size.type", /sold in fsn1, nbg1, hel1/],
  ["unknown arch", { arch: "sparc" as never }, "web.arch", /"x86_64" or "arm64"/],
  ["unknown region", { region: "mars-1" }, "web.region", /fsn1, nbg1, hel1, ash, hil, sin/],
  [
    "zone where the platform has none (Hetzner removed datacenters)",
    { region: "fsn1", zone: "fsn1-dc14" },
    "web.zone",
    /no zone: hetzner region fsn1 has none to choose/,
  ],
  ["unknown image alias", { image: "windows-11" }, "web.image", /ubuntu-22.04, ubuntu-24.04, debian-12, debian-13/],
  ["image of wrong shape", { image: 42 as never }, "web.image", /an alias/],
  ["empty image id", { image: { id: "" } }, "web.image.id", /non-empty/],
  ["image arch conflict", { image: { id: "123", arch: "arm64" } }, "web.image.arch", /x86_64, the architecture/],
  ["negative disk", { diskGiB: -5 }, "web.diskGiB", /from 1 to 65536/],
  ["absurd disk", { diskGiB: 10_000_000 }, "web.diskGiB", /from 1 to 65536/],
  ["disk larger than the type", { size: { type: "cx23" }, diskGiB: 100 }, "web.diskGiB", /at most 40 GiB with cx23/],
  ["port zero", { ports: [0] }, "web.ports[0]", /an integer from 1 to 65535/],
  ["port too high", { ports: [70000] }, "web.ports[0]", /an integer from 1 to 65535/],
  ["port as string", { ports: ["80" as never] }, "web.ports[0]", /a port number 1-65535/],
  ["inverted range", { ports: [{ port: 9000, toPort: 8000 }] }, "web.ports[0].toPort", /from 9000 to 65535/],
  ["bad protocol", { ports: [{ port: 53, protocol: "icmp" as never }] }, "web.ports[0].protocol", /"tcp" or "udp"/],
  ["bad source", { ports: [{ port: 5432, sources: ["10.0.0.0/33"] }] }, "web.ports[0].sources", /CIDR/],
  ["ports not a list", { ports: 22 as never }, "web.ports", /a list of port numbers/],
  ["label key with spaces", { labels: { "my team": "x" } }, 'web.labels["my team"]', /letters, digits/],
  ["label value not a string", { labels: { replicas: 3 as never } }, "web.labels.replicas", /a string/],
  ["label value too long", { labels: { note: "x".repeat(64) } }, "web.labels.note", /at most 63 characters/],
  ["reserved label", { labels: { "managed-by": "me" } }, "web.labels.managed-by", /which Machina sets/],
  ["ssh key garbage", { sshKeys: ["not a key"] }, "web.sshKeys[0]", /OpenSSH public key/],
  ["ssh keys not a list", { sshKeys: KEY_A as never }, "web.sshKeys", /a list of OpenSSH public keys/],
  ["waitForReady bad port", { waitForReady: { port: 0 } }, "web.waitForReady.port", /from 1 to 65535/],
  [
    "waitForReady absurd timeout",
    { waitForReady: { timeoutSeconds: 99999 } },
    "web.waitForReady.timeoutSeconds",
    /from 1 to 3600/,
  ],
  ["publicIp not boolean", { publicIp: "yes" as never }, "web.publicIp", /true or false/],
  [
    "user data too large",
    { userData: "#cloud-config\n" + "x".repeat(40_000) },
    "web.userData",
    /at most 32768 bytes on hetzner/,
  ],
  ["NUL in a label value", { labels: { team: "a\u0000b" } }, "web.labels.team", /without control characters/],
  ["newline in the region", { region: "fsn1\n" }, "web.region", /without control characters/],
  ["bell in an image id", { image: { id: "img\u0007" } }, "web.image.id", /without control characters/],
  [
    "NUL in a provider option",
    { providerOptions: { hetzner: { existingSshKeys: ["k\u0000"] } } },
    "web.providerOptions.hetzner.existingSshKeys[0]",
    /without control characters/,
  ],
  [
    "NUL in user data",
    { userData: "#cloud-config\n\u0000" },
    "web.userData",
    /no control characters but tab, LF and CR/,
  ],
  ["providerOptions not an object", { providerOptions: "x" as never }, "web.providerOptions", /keyed by provider name/],
  [
    "unknown provider option",
    { providerOptions: { hetzner: { placement: 1 } as never } },
    "web.providerOptions.hetzner.placement",
    /networkId, existingSshKeys, server/,
  ],
  ["private network without network", { publicIp: false }, "web.publicIp", /networkId/],
  [
    "server overrides not an object",
    { providerOptions: { hetzner: { server: "big" } as never } },
    "web.providerOptions.hetzner.server",
    /an object of hcloud.ServerArgs merged over Machina's/,
  ],
];

describe("bad input is refused with field, value, what is allowed and the fix", () => {
  it.each(BAD)("%s", (_what, args, field, allowed) => {
    const error = problemsOf(args);
    const problem =
      error.problems.find((p) => p.field === field && allowed.test(p.allowed)) ??
      error.problems.find((p) => p.field === field);
    expect(problem, `problems were: ${error.message}`).toBeDefined();
    expect(problem!.allowed).toMatch(allowed);
    expect(problem!.fix.length).toBeGreaterThan(5);
    expect(error.message).toContain(`${field} = ${problem!.value}`);
    expect(error.message).toContain('Machine "web" on hetzner');
  });

  it("an empty name", () => {
    const error = problemsOf({}, hetzner, "");
    expect(error.problems[0]).toMatchObject({ field: "machine", value: '""', allowed: "a non-empty name" });
  });

  it("a name with a control character", () => {
    const error = problemsOf({}, hetzner, "we\u0000b");
    expect(error.problems[0]).toMatchObject({
      field: "we\u0000b",
      allowed: expect.stringMatching(/without control characters/),
    });
    expect(error.message).toContain("\\u0000");
  });

  it("a name with no letter", () => {
    expect(problemsOf({}, hetzner, "123").problems[0].allowed).toMatch(/at least one letter/);
  });

  it("never prints a private key", () => {
    const secret =
      "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU\n-----END OPENSSH PRIVATE KEY-----";
    const error = problemsOf({ sshKeys: [secret] });
    expect(error.problems[0]).toMatchObject({ field: "web.sshKeys[0]", value: "<hidden>" });
    expect(error.message).not.toContain("b3BlbnNzaC1rZXktdjEAAAAABG5vbmU");
    expect(error.message).toMatch(/this is a private key/);
  });

  it("lists every problem at once", () => {
    const error = problemsOf({ region: "mars", diskGiB: -1, ports: [0], labels: { "A B": "x" } });
    expect(error.problems.map((p) => p.field)).toEqual([
      "web.region",
      "web.diskGiB",
      'web.labels["A B"]',
      "web.ports[0]",
    ]);
  });

  it("an arm64 machine on a provider without arm64", () => {
    const error = problemsOf({ arch: "arm64" }, digitalocean);
    expect(error.problems[0]).toMatchObject({
      field: "web.arch",
      allowed: '"x86_64": digitalocean has no arm64 machines',
    });
  });

  it("a DigitalOcean label that cannot be a tag", () => {
    expect(problemsOf({ labels: { team: "web.prod" } }, digitalocean).problems[0].field).toBe("web.labels.team");
  });
});
