/**
 * Each resolver of core/resolve/ on its own, as tables: what it takes, what it resolves to, and the
 * problem it names (field relative to the Machine, what is allowed). resolveMachineSpec puts them in
 * order; test/unit/validation.test.ts tests that whole.
 */
import { describe, expect, it } from "vitest";
import type { Catalog } from "../../dist/core/contract";
import { checkArchShape, resolveArch } from "../../dist/core/resolve/arch";
import { checkBooleans, checkFields, resolveHostname, resolveProviderOptions } from "../../dist/core/resolve/fields";
import { checkImageShape, resolveImage } from "../../dist/core/resolve/image";
import { checkLabels, checkLabelShape, DEFAULT_LABEL_RULES } from "../../dist/core/resolve/labels";
import { checkPort, checkPorts, firewallRules, isCidr } from "../../dist/core/resolve/ports";
import { underMachine } from "../../dist/core/resolve/problems";
import { checkReadiness } from "../../dist/core/resolve/readiness";
import { checkPlacementShape, checkZone, resolveRegion } from "../../dist/core/resolve/region";
import { nameSnapshotId } from "../../dist/core/snapshot-ids";
import { checkSizeShape, resolveDisk, resolveSize, resolveSizeMinimum } from "../../dist/core/resolve/size";
import { checkSshKeys } from "../../dist/core/resolve/ssh-keys";
import { checkControlCharacters, checkUserDataShape } from "../../dist/core/resolve/text";
import { KEY_A, KEY_B } from "../../dist/testing";

const CATALOG: Catalog = {
  pricesAsOf: "2026-11-23",
  source: "test",
  currency: "EUR",
  sizes: [
    { type: "a1", arch: "x86_64", cpus: 1, memoryGiB: 1, hourlyPrice: 0.01 },
    { type: "a2", arch: "x86_64", cpus: 2, memoryGiB: 4, diskGiB: 40, hourlyPrice: 0.02, regions: ["r1"] },
    { type: "a4", arch: "x86_64", cpus: 4, memoryGiB: 8, hourlyPrice: 0.04 },
    { type: "b2", arch: "arm64", cpus: 2, memoryGiB: 4, hourlyPrice: 0.015 },
  ],
  regions: [
    { id: "r1", name: "One", zones: ["r1-a", "r1-b"] },
    { id: "r2", name: "Two" },
  ],
  images: { ubuntu: { x86_64: "u-x86", arm64: "u-arm" }, legacy: { x86_64: "l-x86" } },
  defaults: { region: "r1", image: "ubuntu", sshUser: "ubuntu", diskGiB: 20 },
  userDataMaxBytes: 1000,
};
const X86_ONLY: Catalog = { ...CATALOG, sizes: CATALOG.sizes.filter((s) => s.arch === "x86_64") };

/** The fields a resolution's problems name, with what each allows. */
const named = (problems: { field: string; allowed: string }[]) => problems.map((p) => [p.field, p.allowed]);

describe("resolveRegion", () => {
  it.each([
    ["the args' region", "r2", undefined, "r2"],
    ["the stack's region when the args name none", undefined, "r2", "r2"],
    ["the catalog's default last", undefined, undefined, "r1"],
  ])("takes %s", (_what, requested, fromStack, id) => {
    const r = resolveRegion(requested, CATALOG, "test", fromStack);
    expect(r.value.id).toBe(id);
    expect(r.value.entry?.id).toBe(id);
    expect(r.problems).toEqual([]);
  });

  it("refuses a region the catalog does not have, listing those it has", () => {
    const r = resolveRegion("mars", CATALOG, "test");
    expect(r.value.entry).toBeUndefined();
    expect(named(r.problems)).toEqual([["region", "a test region: r1, r2"]]);
  });
});

describe("checkZone", () => {
  it.each([
    [undefined, "r1", []],
    ["r1-b", "r1", []],
    ["r1-c", "r1", [["zone", "a zone of r1: r1-a, r1-b"]]],
    ["r2-a", "r2", [["zone", "no zone: test region r2 has none to choose"]]],
    [7, "r1", [["zone", "a zone of r1: r1-a, r1-b"]]],
  ])("zone %j in %s", (zone, region, problems) => {
    expect(
      named(
        checkZone(
          zone,
          region,
          CATALOG.regions.find((r) => r.id === region),
          "test",
        ),
      ),
    ).toEqual(problems);
  });
});

describe("resolveArch", () => {
  it.each([
    [undefined, CATALOG, "x86_64", []],
    ["arm64", CATALOG, "arm64", []],
    ["x86_64", X86_ONLY, "x86_64", []],
    ["arm64", X86_ONLY, "x86_64", [["arch", '"x86_64": test has no arm64 machines']]],
    ["sparc", CATALOG, "x86_64", [["arch", '"x86_64" or "arm64"']]],
  ])("%j (case %#)", (requested, catalog, arch, problems) => {
    const r = resolveArch(requested, catalog, "test");
    expect(r.value).toBe(arch);
    expect(named(r.problems)).toEqual(problems);
  });

  it.each([[undefined], ["x86_64"], ["arm64"]])("takes the shape %j without a catalog", (arch) => {
    expect(checkArchShape(arch)).toEqual([]);
  });
});

describe("resolveDisk", () => {
  it.each([
    [undefined, 20, 20, []],
    [undefined, undefined, undefined, []],
    [50, 20, 50, []],
    [0, 20, undefined, [["diskGiB", "an integer number of GiB from 1 to 65536"]]],
    [1.5, 20, undefined, [["diskGiB", "an integer number of GiB from 1 to 65536"]]],
    [65537, 20, undefined, [["diskGiB", "an integer number of GiB from 1 to 65536"]]],
  ])("%j with default %j", (requested, fallback, value, problems) => {
    const r = resolveDisk(requested, fallback);
    expect(r.value).toBe(value);
    expect(named(r.problems)).toEqual(problems);
  });
});

describe("resolveSizeMinimum", () => {
  it.each([
    ["small", { cpus: 1, memoryGiB: 2 }, []],
    [{ cpus: 3, memoryGiB: 5 }, { cpus: 3, memoryGiB: 5 }, []],
    [
      "huge",
      undefined,
      [["size", "a class (nano, micro, small, medium, large, xlarge), { cpus, memoryGiB } or { type }"]],
    ],
    [{ cpus: 0, memoryGiB: 1 }, undefined, [["size.cpus", "an integer from 1 to 1024"]]],
    [{ cpus: 1.5, memoryGiB: 1 }, undefined, [["size.cpus", "an integer from 1 to 1024"]]],
    [{ cpus: 1, memoryGiB: 0 }, undefined, [["size.memoryGiB", "a number of GiB above 0 and at most 24576"]]],
  ])("%j", (size, minimum, problems) => {
    const r = resolveSizeMinimum(size);
    expect(r.value).toEqual(minimum);
    expect(named(r.problems)).toEqual(problems);
  });
});

describe("resolveSize", () => {
  const context = {
    catalog: CATALOG,
    provider: "test",
    region: "r1",
    regionEntry: CATALOG.regions[0],
    arch: "x86_64" as const,
    diskGiB: 20,
  };

  it.each([
    ["the default class: the cheapest fit", undefined, {}, "a2", "x86_64"],
    ["a class", "micro", {}, "a1", "x86_64"],
    ["a minimum", { cpus: 3, memoryGiB: 1 }, {}, "a4", "x86_64"],
    ["a class for arm64", "small", { arch: "arm64" as const }, "b2", "arm64"],
    [
      "a class where the cheap type is not sold",
      "small",
      { region: "r2", regionEntry: CATALOG.regions[1] },
      "a4",
      "x86_64",
    ],
    ["a class whose fit lacks the disk asked for", "small", { requestedDiskGiB: 60, diskGiB: 60 }, "a4", "x86_64"],
    ["a catalog type, which decides the arch", { type: "b2" }, {}, "b2", "arm64"],
    ["a type outside the catalog, passed through", { type: "z9" }, {}, "z9", "x86_64"],
  ])("%s", (_what, requested, overrides, type, arch) => {
    const r = resolveSize(requested, { ...context, ...overrides });
    expect(r.problems).toEqual([]);
    expect(r.value.size?.type).toBe(type);
    expect(r.value.size?.fromCatalog).toBe(type !== "z9");
    expect(r.value.arch).toBe(arch);
  });

  it.each([
    [
      "nothing that large",
      { cpus: 8, memoryGiB: 8 },
      {},
      [["size", "at most 4 vCPUs / 8 GiB (a4) for x86_64 in r1 on test"]],
    ],
    ["an empty type", { type: " " }, {}, [["size.type", "a test instance type"]]],
    [
      "a type of the other arch",
      { type: "b2" },
      { requestedArch: "x86_64" },
      [["size.type", "a type of arch x86_64; b2 is arm64"]],
    ],
    [
      "a type not sold in the region",
      { type: "a2" },
      { region: "r2", regionEntry: CATALOG.regions[1] },
      [["size.type", "a type sold in r2: a2 is sold in r1"]],
    ],
    [
      "a disk larger than the type's",
      { type: "a2" },
      { requestedDiskGiB: 80, diskGiB: 80 },
      [["diskGiB", "at most 40 GiB with a2 on test"]],
    ],
  ])("refuses %s", (_what, requested, overrides, problems) => {
    expect(named(resolveSize(requested, { ...context, ...overrides }).problems)).toEqual(problems);
  });

  it("resolves nothing (and says nothing more) while the region is itself a problem", () => {
    expect(resolveSize("small", { ...context, region: "mars", regionEntry: undefined })).toEqual({
      value: { arch: "x86_64" },
      problems: [],
    });
  });

  it.each([
    [undefined, []],
    [{ type: "anything" }, []],
    [{ type: "" }, [["size.type", "an instance type of the provider"]]],
    ["tiny", [["size", "a class (nano, micro, small, medium, large, xlarge), { cpus, memoryGiB } or { type }"]]],
  ])("checks the shape %j without a catalog", (size, problems) => {
    expect(named(checkSizeShape(size))).toEqual(problems);
  });
});

describe("resolveImage", () => {
  it.each([
    ["the catalog's default", undefined, "x86_64", { id: "u-x86", alias: "ubuntu", kind: "alias" }],
    ["an alias for the arch", "ubuntu", "arm64", { id: "u-arm", alias: "ubuntu", kind: "alias" }],
    ["an image id", { id: "img-1" }, "x86_64", { id: "img-1", kind: "id" }],
    [
      "a snapshot of the same arch",
      { snapshot: "snap-1", arch: "arm64" },
      "arm64",
      { id: "snap-1", kind: "snapshot", snapshot: "snap-1" },
    ],
  ] as const)("resolves %s", (_what, image, arch, resolved) => {
    expect(resolveImage(image, arch, CATALOG, "test", true)).toEqual({ value: resolved, problems: [] });
  });

  it("keeps a Snapshot's id (an Output) for the provider, named by its Snapshot meanwhile", () => {
    const id = { __pulumiOutput: true };
    nameSnapshotId(id, "web-before-upgrade");
    expect(resolveImage({ snapshot: id }, "x86_64", CATALOG, "test", true)).toEqual({
      value: { id: "web-before-upgrade", kind: "snapshot", snapshot: id },
      problems: [],
    });
    expect(checkImageShape({ snapshot: id })).toEqual([]);
  });

  it("refuses a snapshot on a provider that cannot restore one, naming the Snapshot and the fix", () => {
    const id = { __pulumiOutput: true };
    nameSnapshotId(id, "web-before-upgrade");
    const r = resolveImage({ snapshot: id }, "x86_64", CATALOG, "test", false);
    expect(r.value).toBeUndefined();
    expect(r.problems).toEqual([
      {
        field: "image.snapshot",
        value: '"web-before-upgrade"',
        allowed: "an alias or { id } on test: it cannot restore snapshots (its module does not export snapshot)",
        fix: "use an image alias or { id }, or run this Machine on a provider with the snapshot capability (`machina providers` lists them)",
      },
    ]);
  });

  it.each([
    [
      "an unknown alias",
      "centos",
      "x86_64",
      [["image", "an image alias of test (ubuntu, legacy), { id } or { snapshot }"]],
    ],
    ["an alias without the arch", "legacy", "arm64", [["image", "on test this alias exists for x86_64 only"]]],
    ["an empty id", { id: "" }, "x86_64", [["image.id", "a non-empty test image id"]]],
    [
      "a snapshot of the other arch",
      { snapshot: "s", arch: "arm64" },
      "x86_64",
      [["image.arch", "x86_64, the architecture of the machine's size"]],
    ],
    ["something else", 42, "x86_64", [["image", 'an alias (ubuntu, legacy), { id: "..." } or { snapshot: "..." }']]],
  ] as const)("refuses %s", (_what, image, arch, problems) => {
    const r = resolveImage(image, arch, CATALOG, "test", true);
    expect(r.value).toBeUndefined();
    expect(named(r.problems)).toEqual(problems);
  });

  it.each([
    [undefined, 0],
    ["anything", 0],
    [{ snapshot: "s" }, 0],
    [{ id: " " }, 1],
    [7, 1],
  ])("checks the shape %j without a catalog", (image, count) => {
    expect(checkImageShape(image)).toHaveLength(count);
  });
});

describe("checkSshKeys", () => {
  it.each([
    [undefined, []],
    [
      [KEY_A, ` ${KEY_A} `, KEY_B],
      [KEY_A, KEY_B],
    ],
  ])("%j keeps each public key once, trimmed", (keys, value) => {
    expect(checkSshKeys(keys)).toEqual({ value, problems: [] });
  });

  it.each([
    ["not a list", KEY_A, "sshKeys", "a list of OpenSSH public keys"],
    ["not a string", [7], "sshKeys[0]", "an OpenSSH public key string"],
    ["not a key", ["hello"], "sshKeys[0]", expect.stringMatching(/^an OpenSSH public key: /)],
  ])("refuses %s", (_what, keys, field, allowed) => {
    expect(checkSshKeys(keys).problems).toEqual([expect.objectContaining({ field, allowed })]);
  });

  it("refuses a private key without printing it", () => {
    const [p] = checkSshKeys(["-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----"]).problems;
    expect(p).toMatchObject({ field: "sshKeys[0]", value: "<hidden>" });
  });
});

describe("checkLabels", () => {
  const rules = { ...DEFAULT_LABEL_RULES, maxCount: 3 };
  it.each([
    [undefined, {}, []],
    [{ team: "web", tier: "" }, { team: "web", tier: "" }, []],
    [
      { team: "web", a: "1", b: "2" },
      { team: "web", a: "1", b: "2" },
      [["labels", "at most 2 on test (one is Machina's managed-by)"]],
    ],
    [{ "managed-by": "me" }, {}, [["labels.managed-by", "any key but managed-by, which Machina sets"]]],
    [{ Team: "web" }, {}, [['labels["Team"]', `a key of 1-63 characters on test: ${DEFAULT_LABEL_RULES.description}`]]],
    [{ team: 5 }, {}, [["labels.team", "a string"]]],
    [
      { team: "Web" },
      {},
      [["labels.team", `a value of at most 63 characters on test: ${DEFAULT_LABEL_RULES.description}`]],
    ],
    [["team"], {}, [["labels", "an object of string keys and string values"]]],
  ])("%j", (labels, value, problems) => {
    const r = checkLabels(labels, rules, "test");
    expect(r.value).toEqual(value);
    expect(named(r.problems)).toEqual(problems);
  });

  it.each([
    [{ Team: "web" }, []],
    [{ team: 5 }, [["labels.team", "a string"]]],
  ])("checks the shape %j without the platform's rules", (labels, problems) => {
    expect(named(checkLabelShape(labels))).toEqual(problems);
  });
});

describe("checkPort and checkPorts", () => {
  const anywhere = ["0.0.0.0/0", "::/0"];
  it.each([
    [443, { port: 443, toPort: 443, protocol: "tcp", sources: anywhere }],
    [
      { port: 53, protocol: "udp", sources: ["10.0.0.0/8"] },
      { port: 53, toPort: 53, protocol: "udp", sources: ["10.0.0.0/8"] },
    ],
    [
      { port: 8000, toPort: 8100 },
      { port: 8000, toPort: 8100, protocol: "tcp", sources: anywhere },
    ],
  ])("%j", (entry, rule) => {
    expect(checkPort(entry, "ports[0]")).toEqual({ value: rule, problems: [] });
  });

  it.each([
    [0, [["ports[0]", "an integer from 1 to 65535"]]],
    [{ port: 70000 }, [["ports[0].port", "an integer from 1 to 65535"]]],
    [{ port: 80, toPort: 79 }, [["ports[0].toPort", "an integer from 80 to 65535 (the end of the range)"]]],
    [{ port: 80, protocol: "icmp" }, [["ports[0].protocol", '"tcp" or "udp"']]],
    [
      { port: 80, sources: ["10.0.0.0"] },
      [["ports[0].sources", 'a non-empty list of CIDR blocks such as "203.0.113.0/24" or "::/0"']],
    ],
    [{ port: 80, from: "x" }, [["ports[0].from", "only port, toPort, protocol, sources"]]],
    ["80", [["ports[0]", "a port number 1-65535 or { port, toPort?, protocol?, sources? }"]]],
  ])("refuses %j", (entry, problems) => {
    const r = checkPort(entry, "ports[0]");
    expect(r.value).toBeUndefined();
    expect(named(r.problems)).toEqual(problems);
  });

  it("keeps the good entries of a list and names the bad ones by index", () => {
    const r = checkPorts([80, 0, 443]);
    expect(r.value.map((rule) => rule.port)).toEqual([80, 443]);
    expect(named(r.problems)).toEqual([["ports[1]", "an integer from 1 to 65535"]]);
    expect(named(checkPorts(80).problems)).toEqual([
      ["ports", "a list of port numbers or { port, toPort?, protocol?, sources? }"],
    ]);
  });

  it.each([
    ["10.0.0.0/8", true],
    ["2001:db8::/32", true],
    ["10.0.0.0/33", false],
    ["10.0.0.0", false],
    ["host/8", false],
    ["::/0", true],
    ["::ffff:192.0.2.1/128", true],
    ["2001:DB8:0:0:0:0:0:1/64", true],
    ["2001:db8::/129", false],
    ["2001:db8::1::2/64", false],
    ["2001:db8::g/64", false],
    ["fe80::1%eth0/64", false],
    ["[2001:db8::]/32", false],
    ["2001:db8::]/32", false],
    ["10.0.0.256/8", false],
    ["10.0.0.0/-1", false],
    ["a@b:/64", false],
    ["x:y@2001:db8::/64", false],
  ])("isCidr(%s) is %s", (text, cidr) => expect(isCidr(text)).toBe(cidr));
});

describe("firewallRules", () => {
  const rule = (port: number, toPort = port, protocol: "tcp" | "udp" = "tcp") => ({
    port,
    toPort,
    protocol,
    sources: ["0.0.0.0/0", "::/0"],
  });
  it.each([
    ["nothing without keys or readiness", [], { sshKeys: 0 }, []],
    ["SSH for keys", [rule(443)], { sshKeys: 1 }, [rule(22), rule(443)]],
    ["SSH for readiness over SSH", [], { sshKeys: 0, readiness: { port: 22 } }, [rule(22)]],
    ["the readiness port", [], { sshKeys: 0, readiness: { port: 8080 } }, [rule(8080)]],
    ["no SSH when told not to", [], { sshKeys: 1, openSshPort: false }, []],
    ["no second rule inside a TCP range", [rule(20, 30)], { sshKeys: 1 }, [rule(20, 30)]],
    ["SSH next to a UDP range over 22", [rule(20, 30, "udp")], { sshKeys: 1 }, [rule(20, 30, "udp"), rule(22)]],
    ["each rule once, sorted", [rule(443), rule(80), rule(443)], { sshKeys: 0 }, [rule(80), rule(443)]],
  ])("%s", (_what, requested, opens, rules) => {
    expect(firewallRules(requested, opens)).toEqual(rules);
  });
});

describe("checkReadiness", () => {
  it.each([
    [undefined, undefined, []],
    [false, undefined, []],
    [true, { port: 22, timeoutSeconds: 300 }, []],
    [{ port: 8080 }, { port: 8080, timeoutSeconds: 300 }, []],
    [{ port: 0 }, { port: 0, timeoutSeconds: 300 }, [["waitForReady.port", "an integer from 1 to 65535"]]],
    [
      { timeoutSeconds: 7200 },
      { port: 22, timeoutSeconds: 7200 },
      [["waitForReady.timeoutSeconds", "a number of seconds from 1 to 3600"]],
    ],
    ["yes", undefined, [["waitForReady", "true, false, or { port?, timeoutSeconds? }"]]],
  ])("%j", (value, readiness, problems) => {
    const r = checkReadiness(value);
    expect(r.value).toEqual(readiness);
    expect(named(r.problems)).toEqual(problems);
  });
});

describe("checkControlCharacters and checkUserDataShape", () => {
  it.each([
    ["a clean spec", "web", { labels: { team: "a" } }, []],
    ["a control character in the name", "we\u0000b", {}, [""]],
    ["a newline in a label", "web", { labels: { team: "a\nb" } }, ["labels.team"]],
    ["a control character in a key", "web", { labels: { "t\u0007": "a" } }, ['labels["t\\u0007"]']],
    ["a NUL in an option", "web", { providerOptions: { x: { list: ["a\u0000"] } } }, ["providerOptions.x.list[0]"]],
    ["a newline inside a key line, without echoing it", "web", { sshKeys: [`${KEY_A}\nmore`] }, ["sshKeys[0]"]],
    ["user data, which is checked elsewhere", "web", { userData: "#cloud-config\n\u0000" }, []],
  ])("%s", (_what, name, args, fields) => {
    expect(checkControlCharacters(name, args).map((p) => p.field)).toEqual(fields);
  });

  it.each([
    [undefined, 0],
    ["#cloud-config\n", 0],
    [{ apply: () => undefined }, 0],
    [42, 1],
  ])("user data %j", (userData, count) => {
    expect(checkUserDataShape(userData)).toHaveLength(count);
  });
});

describe("fields of the args", () => {
  it.each([
    ["web", "web", []],
    ["Web Server", "web-server", []],
    ["", "", [["", "a non-empty name"]]],
    ["123", "", [["", "a name with at least one letter (it becomes the host name)"]]],
  ])("resolveHostname(%j)", (name, hostname, problems) => {
    const r = resolveHostname(name);
    expect(r.value).toBe(hostname);
    expect(named(r.problems)).toEqual(problems);
  });

  it.each([
    [{ size: "small", image: "x" }, []],
    [{ sizee: "small" }, ["sizee"]],
  ])("checkFields(%j)", (args, fields) => {
    expect(checkFields(args).map((p) => p.field)).toEqual(fields);
  });

  it.each([
    [{ publicIp: true, openSshPort: false }, []],
    [{ publicIp: "yes", openSshPort: 1 }, ["publicIp", "openSshPort"]],
  ])("checkBooleans(%j)", (args, fields) => {
    expect(checkBooleans(args as never).map((p) => p.field)).toEqual(fields);
  });

  it.each([
    [undefined, "hetzner", {}, []],
    [{ hetzner: { networkId: 1 }, aws: {} }, "hetzner", { networkId: 1 }, []],
    [{ aws: {} }, "hetzner", {}, []],
    [{ hetzner: 1 }, "hetzner", {}, ["write providerOptions: { hetzner: { ... } }"]],
    ["x", undefined, {}, ["write providerOptions: { <provider>: { ... } }"]],
  ])("resolveProviderOptions(%j) for %s", (options, provider, value, fixes) => {
    const r = resolveProviderOptions(options, provider);
    expect(r.value).toEqual(value);
    expect(r.problems.map((p) => p.fix)).toEqual(fixes);
  });

  it.each([
    [{ region: "r1", zone: "z" }, []],
    [{ region: "", zone: 5 }, ["region", "zone"]],
  ])("checkPlacementShape(%j)", (args, fields) => {
    expect(checkPlacementShape(args).map((p) => p.field)).toEqual(fields);
  });

  it("puts each problem under the Machine's name", () => {
    const problems = [
      { field: "", value: '""', allowed: "a", fix: "b" },
      { field: "ports[0]", value: "0", allowed: "a", fix: "b" },
    ];
    expect(underMachine("web", problems).map((p) => p.field)).toEqual(["web", "web.ports[0]"]);
    expect(underMachine("", problems).map((p) => p.field)).toEqual(["machine", "machine.ports[0]"]);
  });
});
