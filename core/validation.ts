import { isIP } from "node:net";
import type { Catalog, LabelRules, ProviderModule, ResolvedMachineSpec } from "./contract";
import type { FieldProblem } from "./errors";
import { renderValue, ValidationError } from "./errors";
import { platformNameFor, toDnsLabel } from "./naming";
import { userDataSizeProblem } from "./user-data-size";
import { catalogCapabilities } from "./capabilities";
import { cheapestFit, isSizeClass, SIZE_CLASSES, sellsIn, sizeMinimum } from "./sizes";
import type { Arch } from "./arch";
import { ARCHES } from "./arch";
import type { FirewallRule, Protocol } from "./firewall-rule";
import type { ImageSpec, MachineArgs, PortSpec, ReadinessSpec } from "./spec";

/** Where the Machine is being built: things that are not in its args. */
export interface ValidationContext {
  stack: string;
  project: string;
  /** Region from stack config, used when the args name none. */
  defaultRegion?: string;
  /** Reads a provider's stack config (`libvirt:network`), for checks that depend on it. */
  config?: (key: string) => string | undefined;
}

export { platformNameFor, toDnsLabel };

const ALLOWED_FIELDS: (keyof MachineArgs)[] = [
  "provider",
  "size",
  "arch",
  "image",
  "region",
  "zone",
  "diskGiB",
  "sshKeys",
  "userData",
  "labels",
  "ports",
  "openSshPort",
  "publicIp",
  "waitForReady",
  "providerOptions",
];

export const MANAGED_BY_LABEL = "managed-by";
/** The label (tag) Machina puts on what it makes, machines and shared resources alike. */
export const MANAGED_LABELS: Record<string, string> = { [MANAGED_BY_LABEL]: "machina" };
export const MAX_DISK_GIB = 65536;
export const DEFAULT_READY_TIMEOUT_SECONDS = 300;
const ANYWHERE = ["0.0.0.0/0", "::/0"];

export const DEFAULT_LABEL_RULES: LabelRules = {
  keyPattern: "^[a-z][a-z0-9_-]*$",
  valuePattern: "^[a-z0-9_-]*$",
  maxKeyLength: 63,
  maxValueLength: 63,
  maxCount: 64,
  description: "lowercase letters, digits, '-' and '_'; keys start with a letter",
};

const PUBLIC_KEY =
  /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) [A-Za-z0-9+/]+={0,3}( [^\r\n]*)?$/;

class Problems {
  readonly list: FieldProblem[] = [];
  constructor(private readonly prefix: string) {}
  add(field: string, value: unknown, allowed: string, fix: string, hideValue = false): void {
    this.list.push({
      field: field ? `${this.prefix}.${field}` : this.prefix,
      value: hideValue ? "<hidden>" : renderValue(value),
      allowed,
      fix,
    });
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isPositiveNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v > 0;

export function isCidr(text: string): boolean {
  const [address, bits, ...rest] = text.split("/");
  if (rest.length > 0 || bits === undefined || !/^\d{1,3}$/.test(bits)) return false;
  const family = isIP(address);
  return family !== 0 && Number(bits) <= (family === 4 ? 32 : 128);
}

function checkPorts(ports: unknown, p: Problems): FirewallRule[] {
  if (ports === undefined) return [];
  if (!Array.isArray(ports)) {
    p.add("ports", ports, "a list of port numbers or { port, toPort?, protocol?, sources? }", "write ports: [22, 443]");
    return [];
  }
  const rules: FirewallRule[] = [];
  ports.forEach((entry: PortSpec | unknown, i) => {
    const field = `ports[${i}]`;
    const rule = typeof entry === "number" ? { port: entry } : entry;
    if (!isObject(rule)) {
      p.add(
        field,
        entry,
        "a port number 1-65535 or { port, toPort?, protocol?, sources? }",
        "write 443 or { port: 443 }",
      );
      return;
    }
    const port = rule.port;
    const toPort = rule.toPort ?? port;
    const protocol = rule.protocol ?? "tcp";
    const sources = rule.sources ?? ANYWHERE;
    let ok = true;
    const validPort = (v: unknown) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535;
    if (!validPort(port)) {
      p.add(
        typeof entry === "number" ? field : `${field}.port`,
        port,
        "an integer from 1 to 65535",
        "use a real TCP/UDP port number such as 22 or 443",
      );
      ok = false;
    } else if (!validPort(toPort) || (toPort as number) < (port as number)) {
      p.add(
        `${field}.toPort`,
        toPort,
        `an integer from ${port} to 65535 (the end of the range)`,
        "set toPort to the last port of the range, or leave it out",
      );
      ok = false;
    }
    if (protocol !== "tcp" && protocol !== "udp") {
      p.add(`${field}.protocol`, protocol, '"tcp" or "udp"', 'use protocol: "tcp" or "udp"');
      ok = false;
    }
    if (!Array.isArray(sources) || sources.length === 0 || !sources.every((s) => typeof s === "string" && isCidr(s))) {
      p.add(
        `${field}.sources`,
        sources,
        'a non-empty list of CIDR blocks such as "203.0.113.0/24" or "::/0"',
        "write each source as address/prefix-length",
      );
      ok = false;
    }
    const known = ["port", "toPort", "protocol", "sources"];
    for (const key of Object.keys(rule)) {
      if (!known.includes(key)) {
        p.add(`${field}.${key}`, rule[key], `only ${known.join(", ")}`, `remove ${key}`);
        ok = false;
      }
    }
    if (ok)
      rules.push({
        port: port as number,
        toPort: toPort as number,
        protocol: protocol as Protocol,
        sources: [...(sources as string[])],
      });
  });
  return rules;
}

function addRule(rules: FirewallRule[], port: number): void {
  const covered = rules.some((r) => r.protocol === "tcp" && r.port <= port && port <= r.toPort);
  if (!covered) rules.unshift({ port, toPort: port, protocol: "tcp", sources: [...ANYWHERE] });
}

/** Rules sorted and de-duplicated, so equal port sets give equal firewalls. */
function normaliseRules(rules: FirewallRule[]): FirewallRule[] {
  const seen = new Map<string, FirewallRule>();
  for (const r of rules) {
    const rule = { ...r, sources: [...new Set(r.sources)].sort() };
    seen.set(JSON.stringify(rule), rule);
  }
  return [...seen.values()].sort(
    (a, b) => a.port - b.port || a.toPort - b.toPort || a.protocol.localeCompare(b.protocol),
  );
}

function checkLabels(labels: unknown, rules: LabelRules, provider: string, p: Problems): Record<string, string> {
  if (labels === undefined) return {};
  if (!isObject(labels)) {
    p.add("labels", labels, "an object of string keys and string values", 'write labels: { team: "web" }');
    return {};
  }
  const keyRe = new RegExp(rules.keyPattern);
  const valueRe = new RegExp(rules.valuePattern);
  const entries = Object.entries(labels);
  if (entries.length + 1 > rules.maxCount) {
    p.add(
      "labels",
      `${entries.length} labels`,
      `at most ${rules.maxCount - 1} on ${provider} (one is Machina's ${MANAGED_BY_LABEL})`,
      "drop some labels",
    );
  }
  const out: Record<string, string> = {};
  for (const [key, value] of entries) {
    const field = `labels.${key}`;
    if (key === MANAGED_BY_LABEL) {
      p.add(field, value, `any key but ${MANAGED_BY_LABEL}, which Machina sets`, `rename the label`);
      continue;
    }
    if (key.length === 0 || key.length > rules.maxKeyLength || !keyRe.test(key)) {
      p.add(
        `labels[${JSON.stringify(key)}]`,
        key,
        `a key of 1-${rules.maxKeyLength} characters on ${provider}: ${rules.description}`,
        "rename the label key",
      );
      continue;
    }
    if (typeof value !== "string") {
      p.add(field, value, "a string", `quote the value: ${key}: "${String(value)}"`);
      continue;
    }
    if (value.length > rules.maxValueLength || !valueRe.test(value)) {
      p.add(
        field,
        value,
        `a value of at most ${rules.maxValueLength} characters on ${provider}: ${rules.description}`,
        "change the label value",
      );
      continue;
    }
    out[key] = value;
  }
  return out;
}

function checkSshKeys(keys: unknown, p: Problems): string[] {
  if (keys === undefined) return [];
  if (!Array.isArray(keys)) {
    p.add("sshKeys", keys, "a list of OpenSSH public keys", 'write sshKeys: ["ssh-ed25519 AAAA... you@host"]');
    return [];
  }
  const out: string[] = [];
  keys.forEach((key, i) => {
    const field = `sshKeys[${i}]`;
    if (typeof key !== "string") {
      p.add(field, key, "an OpenSSH public key string", "paste the content of your ~/.ssh/id_ed25519.pub");
    } else if (/PRIVATE KEY/.test(key)) {
      p.add(
        field,
        key,
        "a public key; this is a private key and must never be put in a spec",
        "use the .pub file next to it, and rotate the private key if it was shared",
        true,
      );
    } else if (!PUBLIC_KEY.test(key.trim())) {
      p.add(
        field,
        key,
        "an OpenSSH public key: '<type> <base64> [comment]' with type ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256/384/521 or sk-*",
        "paste the whole line of your ~/.ssh/id_ed25519.pub",
      );
    } else if (!out.includes(key.trim())) {
      out.push(key.trim());
    }
  });
  return out;
}

function checkReadiness(value: unknown, p: Problems): ReadinessSpec | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return { port: 22, timeoutSeconds: DEFAULT_READY_TIMEOUT_SECONDS };
  if (!isObject(value)) {
    p.add("waitForReady", value, "true, false, or { port?, timeoutSeconds? }", "write waitForReady: true");
    return undefined;
  }
  const port = value.port ?? 22;
  const timeoutSeconds = value.timeoutSeconds ?? DEFAULT_READY_TIMEOUT_SECONDS;
  if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) {
    p.add(
      "waitForReady.port",
      port,
      "an integer from 1 to 65535",
      "use the port of the service that proves the machine is up (22 for SSH)",
    );
  }
  if (!isPositiveNumber(timeoutSeconds) || timeoutSeconds > 3600) {
    p.add("waitForReady.timeoutSeconds", timeoutSeconds, "a number of seconds from 1 to 3600", "use e.g. 300");
  }
  return { port: port as number, timeoutSeconds: timeoutSeconds as number };
}

function resolveImage(
  image: ImageSpec | unknown,
  arch: Arch,
  catalog: Catalog,
  provider: string,
  p: Problems,
): ResolvedMachineSpec["image"] | undefined {
  const aliases = Object.keys(catalog.images);
  if (typeof image === "string") {
    const byArch = catalog.images[image];
    if (!byArch) {
      p.add(
        "image",
        image,
        `an image alias of ${provider} (${aliases.join(", ")}), { id } or { snapshot }`,
        `use one of the aliases, or { id: ${JSON.stringify(image)} } for a ${provider} image id`,
      );
      return undefined;
    }
    const id = byArch[arch];
    if (!id) {
      const has = ARCHES.filter((a) => byArch[a]);
      p.add(
        "image",
        image,
        `on ${provider} this alias exists for ${has.join(", ")} only`,
        `use arch ${has[0]}, or an image built for ${arch}`,
      );
      return undefined;
    }
    return { id, alias: image, kind: "alias" };
  }
  if (isObject(image) && ("id" in image || "snapshot" in image)) {
    const kind = "id" in image ? "id" : "snapshot";
    const id = image[kind];
    if (typeof id !== "string" || id.trim() === "") {
      p.add(
        `image.${kind}`,
        id,
        `a non-empty ${provider} ${kind === "id" ? "image id" : "snapshot id or name"}`,
        `set image: { ${kind}: "..." }`,
      );
      return undefined;
    }
    if (image.arch !== undefined && image.arch !== arch) {
      p.add(
        "image.arch",
        image.arch,
        `${arch}, the architecture of the machine's size`,
        `pick an image built for ${arch}, or a size of arch ${String(image.arch)}`,
      );
      return undefined;
    }
    return { id, kind };
  }
  p.add(
    "image",
    image,
    `an alias (${aliases.join(", ")}), { id: "..." } or { snapshot: "..." }`,
    `write image: "${catalog.defaults.image}"`,
  );
  return undefined;
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// User data is text: tabs and line ends belong there, other control characters do not.
const USER_DATA_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const NO_CONTROL = "text without control characters (U+0000-U+001F, U+007F-U+009F)";

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  isObject(v) && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

/**
 * Every string that reaches a platform (names, ids, labels, keys, options) is free of control
 * characters: a NUL in a name would otherwise reach a domain XML or an API call. Outputs and other
 * non-plain objects are checked when they resolve, by the code that reads them.
 */
function checkControlCharacters(name: string, args: MachineArgs, p: Problems): void {
  if (typeof name === "string" && CONTROL.test(name)) {
    p.add("", name, `a Machine name of ${NO_CONTROL}`, "remove the control character from the name");
  }
  const walk = (value: unknown, field: string): void => {
    if (typeof value === "string") {
      if (CONTROL.test(value))
        p.add(field, value, NO_CONTROL, "remove the control character (a stray newline, tab or NUL)");
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, `${field}[${i}]`));
    } else if (isPlainObject(value)) {
      for (const [k, v] of Object.entries(value)) {
        if (CONTROL.test(k))
          p.add(
            `${field}[${JSON.stringify(k)}]`,
            k,
            `a key of ${NO_CONTROL}`,
            "remove the control character from the key",
          );
        walk(v, `${field}.${k}`);
      }
    }
  };
  for (const [key, value] of Object.entries(args)) {
    if (key === "userData" || key === "provider") continue;
    // A private key pasted by mistake spans lines: checkSshKeys reports it without echoing it.
    if (key === "sshKeys" && Array.isArray(value)) {
      value.forEach((k, i) => {
        if (typeof k === "string" && !/PRIVATE KEY/.test(k) && CONTROL.test(k.trim())) {
          p.add(
            `sshKeys[${i}]`,
            k,
            `one line of ${NO_CONTROL}`,
            "paste exactly one line of the .pub file per entry",
            true,
          );
        }
      });
      continue;
    }
    walk(value, key);
  }
}

/**
 * Problems of resolved user data: what the platform receives must fit its limit, and carry no
 * control characters but tabs and line ends. Used at construction for plain text and when an
 * Output resolves (to anything: nothing is fine, a non-string is a problem); never prints the content.
 */
export function userDataProblems(
  userData: unknown,
  provider: ProviderModule,
  spec: ResolvedMachineSpec,
): FieldProblem[] {
  if (userData === undefined || userData === null) return [];
  if (typeof userData !== "string") {
    return [
      {
        field: "userData",
        value: "<hidden>",
        allowed: "a cloud-init string",
        fix: "resolve the Output to the cloud-config text",
      },
    ];
  }
  const problems: FieldProblem[] = [];
  if (USER_DATA_CONTROL.test(userData)) {
    problems.push({
      field: "userData",
      value: "<hidden>",
      allowed: `cloud-init text: no control characters but tab, LF and CR`,
      fix: "remove the NUL or other control character (binary payloads go base64-encoded in write_files)",
    });
  }
  const size = userDataSizeProblem(provider, spec, userData);
  if (size) problems.push(size);
  return problems;
}

/** The minimum a size class or `{ cpus, memoryGiB }` asks for, when it is a real one; its problems otherwise. */
function checkedSizeMinimum(size: unknown, p: Problems): ReturnType<typeof sizeMinimum> | undefined {
  const minimum = isSizeClass(size) || (isObject(size) && "cpus" in size) ? sizeMinimum(size as never) : undefined;
  if (!minimum) {
    p.add(
      "size",
      size,
      `a class (${Object.keys(SIZE_CLASSES).join(", ")}), { cpus, memoryGiB } or { type }`,
      'use size: "small" or size: { cpus: 2, memoryGiB: 4 }',
    );
  } else if (!isPositiveNumber(minimum.cpus) || minimum.cpus > 1024 || !Number.isInteger(minimum.cpus)) {
    p.add("size.cpus", minimum.cpus, "an integer from 1 to 1024", "ask for a real number of vCPUs");
  } else if (!isPositiveNumber(minimum.memoryGiB) || minimum.memoryGiB > 24576) {
    p.add(
      "size.memoryGiB",
      minimum.memoryGiB,
      "a number of GiB above 0 and at most 24576",
      "ask for a real amount of memory, e.g. 4",
    );
  } else {
    return minimum;
  }
  return undefined;
}

/**
 * Checks every field of a Machine's args against the selected provider and resolves size, image,
 * region and firewall. Throws one ValidationError listing every problem; creates nothing.
 */
export function resolveMachineSpec(
  name: string,
  args: MachineArgs,
  provider: ProviderModule,
  context: ValidationContext,
): ResolvedMachineSpec & { readiness?: ReadinessSpec } {
  const subject = `Machine ${JSON.stringify(name)} on ${provider.name}`;
  const p = new Problems(name || "machine");
  const catalog = provider.catalog;

  if (typeof name !== "string" || name.trim() === "") {
    p.add("", name, "a non-empty name", 'give the Machine a name such as "web"');
  }
  const hostname = typeof name === "string" ? toDnsLabel(name) : "";
  if (typeof name === "string" && name.trim() !== "" && hostname === "") {
    p.add("", name, "a name with at least one letter (it becomes the host name)", 'use a name such as "web-1"');
  }
  if (!isObject(args as unknown)) {
    throw new ValidationError(subject, [
      {
        field: name,
        value: renderValue(args),
        allowed: "an object of Machine arguments",
        fix: "pass { size, image, ... }",
      },
    ]);
  }
  for (const key of Object.keys(args)) {
    if (!(ALLOWED_FIELDS as string[]).includes(key)) {
      p.add(
        key,
        (args as Record<string, unknown>)[key],
        `one of the Machine fields: ${ALLOWED_FIELDS.join(", ")}`,
        `remove or rename ${key}`,
      );
    }
  }

  // Region and zone.
  const regionIds = catalog.regions.map((r) => r.id);
  const region = args.region ?? context.defaultRegion ?? catalog.defaults.region;
  const regionEntry = catalog.regions.find((r) => r.id === region);
  if (!regionEntry) {
    p.add(
      "region",
      region,
      `a ${provider.name} region: ${regionIds.join(", ")}`,
      `set region (or machina:region) to one of them`,
    );
  }
  if (args.zone !== undefined) {
    const zones = regionEntry?.zones ?? [];
    if (typeof args.zone !== "string" || !zones.includes(args.zone)) {
      p.add(
        "zone",
        args.zone,
        zones.length
          ? `a zone of ${region}: ${zones.join(", ")}`
          : `no zone: ${provider.name} region ${region} has none to choose`,
        zones.length ? "pick one of those zones" : "remove zone",
      );
    }
  }

  // Architecture.
  let arch: Arch = "x86_64";
  if (args.arch !== undefined) {
    if (!ARCHES.includes(args.arch)) {
      p.add("arch", args.arch, ARCHES.map((a) => `"${a}"`).join(" or "), 'use "x86_64" (Intel/AMD) or "arm64"');
    } else if (args.arch === "arm64" && !catalogCapabilities(catalog).arm64) {
      p.add(
        "arch",
        args.arch,
        `"x86_64": ${provider.name} has no arm64 machines`,
        'use arch "x86_64", or a provider that sells arm64',
      );
    } else {
      arch = args.arch;
    }
  }

  // Disk.
  let diskGiB: number | undefined;
  if (args.diskGiB !== undefined) {
    if (!Number.isInteger(args.diskGiB) || args.diskGiB < 1 || args.diskGiB > MAX_DISK_GIB) {
      p.add("diskGiB", args.diskGiB, `an integer number of GiB from 1 to ${MAX_DISK_GIB}`, "use e.g. diskGiB: 20");
    } else {
      diskGiB = args.diskGiB;
    }
  } else {
    diskGiB = catalog.defaults.diskGiB;
  }

  // Size.
  let size: ResolvedMachineSpec["size"] | undefined;
  const sizeSpec = args.size ?? "small";
  if (isObject(sizeSpec) && "type" in sizeSpec) {
    const type = sizeSpec.type;
    if (typeof type !== "string" || type.trim() === "") {
      p.add(
        "size.type",
        type,
        `a ${provider.name} instance type`,
        `use e.g. { type: "${catalog.sizes[0]?.type ?? "..."}" }`,
      );
    } else {
      const known = catalog.sizes.find((s) => s.type === type);
      if (known) {
        if (args.arch !== undefined && known.arch !== args.arch) {
          p.add(
            "size.type",
            type,
            `a type of arch ${args.arch}; ${type} is ${known.arch}`,
            `leave arch out or pick a ${args.arch} type`,
          );
        } else if (regionEntry && !sellsIn(known, region)) {
          p.add(
            "size.type",
            type,
            `a type sold in ${region}: ${type} is sold in ${known.regions?.join(", ")}`,
            `pick another region or type`,
          );
        } else if (
          diskGiB !== undefined &&
          known.diskGiB !== undefined &&
          args.diskGiB !== undefined &&
          known.diskGiB < diskGiB
        ) {
          p.add(
            "diskGiB",
            diskGiB,
            `at most ${known.diskGiB} GiB with ${type} on ${provider.name}`,
            `pick a larger type or lower diskGiB`,
          );
        } else {
          arch = known.arch;
        }
      }
      size = {
        type,
        cpus: known?.cpus,
        memoryGiB: known?.memoryGiB,
        diskGiB: known?.diskGiB,
        fromCatalog: known !== undefined,
      };
    }
  } else {
    const minimum = checkedSizeMinimum(sizeSpec, p);
    if (minimum && regionEntry) {
      const fit = cheapestFit(catalog, {
        ...minimum,
        diskGiB: args.diskGiB === undefined ? undefined : diskGiB,
        arch,
        region,
      });
      if (!fit) {
        const largest = catalog.sizes
          .filter((s) => s.arch === arch && sellsIn(s, region))
          .sort((a, b) => b.cpus - a.cpus || b.memoryGiB - a.memoryGiB)[0];
        p.add(
          "size",
          sizeSpec,
          largest
            ? `at most ${largest.cpus} vCPUs / ${largest.memoryGiB} GiB${largest.diskGiB ? ` / ${largest.diskGiB} GiB disk` : ""} (${largest.type}) for ${arch} in ${region} on ${provider.name}`
            : `no ${arch} type is sold in ${region} on ${provider.name}`,
          largest ? "ask for less, or use { type } with a type you know exists" : "pick another region or arch",
        );
      } else {
        size = { type: fit.type, cpus: fit.cpus, memoryGiB: fit.memoryGiB, diskGiB: fit.diskGiB, fromCatalog: true };
      }
    }
  }

  const image = resolveImage(args.image ?? catalog.defaults.image, arch, catalog, provider.name, p);
  const sshKeys = checkSshKeys(args.sshKeys, p);

  if (args.userData !== undefined && typeof args.userData !== "string" && !isObject(args.userData)) {
    p.add("userData", args.userData, "a cloud-init string or an Output of one", "pass the cloud-config text");
  }
  checkControlCharacters(name, args, p);

  const labels = checkLabels(args.labels, catalog.labelRules ?? DEFAULT_LABEL_RULES, provider.name, p);
  let firewall = checkPorts(args.ports, p);
  const requestedFirewall = normaliseRules(firewall);

  for (const key of ["publicIp", "openSshPort"] as const) {
    if (args[key] !== undefined && typeof args[key] !== "boolean") {
      p.add(key, args[key], "true or false", `write ${key}: true`);
    }
  }
  const readiness = checkReadiness(args.waitForReady, p);
  if (args.openSshPort !== false && (sshKeys.length > 0 || readiness?.port === 22)) addRule(firewall, 22);
  if (readiness?.port !== undefined && readiness.port !== 22) addRule(firewall, readiness.port);
  firewall = normaliseRules(firewall);

  let options: Record<string, unknown> = {};
  if (args.providerOptions !== undefined) {
    if (!isObject(args.providerOptions) || !Object.values(args.providerOptions).every(isObject)) {
      p.add(
        "providerOptions",
        args.providerOptions,
        "an object keyed by provider name, each an object",
        `write providerOptions: { ${provider.name}: { ... } }`,
      );
    } else {
      options = (args.providerOptions[provider.name] as Record<string, unknown> | undefined) ?? {};
    }
  }

  if (p.list.length > 0 || !size || !image) throw new ValidationError(subject, p.list);

  const resolved: ResolvedMachineSpec & { readiness?: ReadinessSpec } = {
    name,
    hostname,
    platformName: platformNameFor(context.project, context.stack, name),
    region,
    zone: args.zone,
    arch,
    size,
    image,
    diskGiB,
    sshKeys,
    sshUser: (image.alias && catalog.imageUsers?.[image.alias]) || catalog.defaults.sshUser,
    userData: args.userData,
    labels: { ...labels, ...MANAGED_LABELS },
    firewall,
    requestedFirewall,
    publicIp: args.publicIp ?? true,
    options,
    readiness,
  };
  const providerProblems = [
    ...(typeof args.userData === "string" ? userDataProblems(args.userData, provider, resolved) : []),
    ...(provider.validate?.(resolved, { config: context.config ?? (() => undefined) }) ?? []),
  ];
  if (providerProblems.length > 0) {
    throw new ValidationError(
      subject,
      providerProblems.map((pp) => ({ ...pp, field: `${name}.${pp.field}` })),
    );
  }
  return resolved;
}

/**
 * The checks of a Machine's args that need no provider: field names and types, size and image
 * shapes, ports, keys, readiness. For reporting every problem of a stack file when its provider is
 * itself unknown or invalid; resolveMachineSpec does all of this and the provider's own checks.
 */
export function machineShapeProblems(name: string, args: MachineArgs): FieldProblem[] {
  const p = new Problems(name || "machine");
  if (!isObject(args as unknown)) {
    p.add("", args, "an object of Machine arguments", "pass { size, image, ... }");
    return p.list;
  }
  for (const key of Object.keys(args)) {
    if (!(ALLOWED_FIELDS as string[]).includes(key)) {
      p.add(
        key,
        (args as Record<string, unknown>)[key],
        `one of the Machine fields: ${ALLOWED_FIELDS.join(", ")}`,
        `remove or rename ${key}`,
      );
    }
  }
  for (const key of ["region", "zone"] as const) {
    if (args[key] !== undefined && (typeof args[key] !== "string" || args[key] === ""))
      p.add(key, args[key], "a region (zone) name", `write ${key}: <name>`);
  }
  if (args.arch !== undefined && !ARCHES.includes(args.arch)) {
    p.add("arch", args.arch, ARCHES.map((a) => `"${a}"`).join(" or "), 'use "x86_64" (Intel/AMD) or "arm64"');
  }
  if (
    args.diskGiB !== undefined &&
    (!Number.isInteger(args.diskGiB) || args.diskGiB < 1 || args.diskGiB > MAX_DISK_GIB)
  ) {
    p.add("diskGiB", args.diskGiB, `an integer number of GiB from 1 to ${MAX_DISK_GIB}`, "use e.g. diskGiB: 20");
  }
  const size = args.size;
  if (size !== undefined) {
    if (isObject(size) && "type" in size) {
      if (typeof size.type !== "string" || size.type.trim() === "")
        p.add("size.type", size.type, "an instance type of the provider", 'use e.g. { type: "cx22" }');
    } else {
      checkedSizeMinimum(size, p);
    }
  }
  const image = args.image;
  if (image !== undefined) {
    const id = isObject(image)
      ? ((image as Record<string, unknown>).id ?? (image as Record<string, unknown>).snapshot)
      : image;
    if (typeof id !== "string" || id.trim() === "")
      p.add("image", image, 'an image alias, { id: "..." } or { snapshot: "..." }', 'write image: "debian-12"');
  }
  checkSshKeys(args.sshKeys, p);
  if (args.userData !== undefined && typeof args.userData !== "string" && !isObject(args.userData)) {
    p.add("userData", args.userData, "a cloud-init string or an Output of one", "pass the cloud-config text");
  }
  checkControlCharacters(name, args, p);
  if (args.labels !== undefined) {
    if (!isObject(args.labels))
      p.add("labels", args.labels, "an object of string keys and string values", 'write labels: { team: "web" }');
    else
      for (const [key, value] of Object.entries(args.labels))
        if (typeof value !== "string")
          p.add(`labels.${key}`, value, "a string", `quote the value: ${key}: "${String(value)}"`);
  }
  checkPorts(args.ports, p);
  for (const key of ["publicIp", "openSshPort"] as const) {
    if (args[key] !== undefined && typeof args[key] !== "boolean")
      p.add(key, args[key], "true or false", `write ${key}: true`);
  }
  checkReadiness(args.waitForReady, p);
  if (
    args.providerOptions !== undefined &&
    (!isObject(args.providerOptions) || !Object.values(args.providerOptions).every(isObject))
  ) {
    p.add(
      "providerOptions",
      args.providerOptions,
      "an object keyed by provider name, each an object",
      "write providerOptions: { <provider>: { ... } }",
    );
  }
  return p.list;
}
