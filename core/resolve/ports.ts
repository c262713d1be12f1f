/** The machine's inbound ports: the user's rules, then the SSH and readiness ports Machina opens, sorted. */
import { isIPv4 } from "node:net";
import type { FieldProblem } from "../errors";
import { holdsDeferred } from "../deferred";
import type { FirewallRuleInput, Protocol } from "../firewall-rule";
import type { ReadinessSpec } from "../spec";
import type { Resolution } from "./problems";
import { isObject, problem } from "./problems";

const ANYWHERE = ["0.0.0.0/0", "::/0"];
const RULE_FIELDS = ["port", "toPort", "protocol", "sources"];

export function isCidr(text: string): boolean {
  const [address, bits, ...rest] = text.split("/");
  if (rest.length > 0 || bits === undefined || !/^\d{1,3}$/.test(bits)) return false;
  const family = isIPv4(address) ? 4 : isIPv6(address) ? 6 : 0;
  return family !== 0 && Number(bits) <= (family === 4 ? 32 : 128);
}

/**
 * An IPv6 address, as the URL parser reads one between brackets. Not node:net's isIPv6: it compiles a
 * large pattern on first use, a few milliseconds of every CLI start that checks a machine's ports.
 */
function isIPv6(address: string): boolean {
  return /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$/.test(address) && URL.canParse(`http://[${address}]/`);
}

const isPort = (v: unknown) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535;

/** A rule's sources; also run on sources given as an Output, once they resolve. */
export function checkSources(sources: unknown, field: string): FieldProblem[] {
  if (!Array.isArray(sources) || sources.length === 0 || !sources.every((s) => typeof s === "string" && isCidr(s))) {
    return [
      problem(
        field,
        sources,
        'a non-empty list of CIDR blocks such as "203.0.113.0/24" or "::/0"',
        "write each source as address/prefix-length",
      ),
    ];
  }
  return [];
}

/** One entry of `ports`: a port number or `{ port, toPort?, protocol?, sources? }`. */
export function checkPort(entry: unknown, field: string): Resolution<FirewallRuleInput | undefined> {
  const rule = typeof entry === "number" ? { port: entry } : entry;
  if (!isObject(rule)) {
    return {
      value: undefined,
      problems: [
        problem(
          field,
          entry,
          "a port number 1-65535 or { port, toPort?, protocol?, sources? }",
          "write 443 or { port: 443 }",
        ),
      ],
    };
  }
  const { port } = rule;
  const toPort = rule.toPort ?? port;
  const protocol = rule.protocol ?? "tcp";
  const sources = rule.sources ?? ANYWHERE;
  const problems: FieldProblem[] = [];
  if (!isPort(port)) {
    problems.push(
      problem(
        typeof entry === "number" ? field : `${field}.port`,
        port,
        "an integer from 1 to 65535",
        "use a real TCP/UDP port number such as 22 or 443",
      ),
    );
  } else if (!isPort(toPort) || (toPort as number) < (port as number)) {
    problems.push(
      problem(
        `${field}.toPort`,
        toPort,
        `an integer from ${port} to 65535 (the end of the range)`,
        "set toPort to the last port of the range, or leave it out",
      ),
    );
  }
  if (protocol !== "tcp" && protocol !== "udp")
    problems.push(problem(`${field}.protocol`, protocol, '"tcp" or "udp"', 'use protocol: "tcp" or "udp"'));
  // Sources from another resource are checked when they resolve (see the Machine's deferred checks).
  if (!holdsDeferred(sources)) problems.push(...checkSources(sources, `${field}.sources`));
  for (const key of Object.keys(rule)) {
    if (!RULE_FIELDS.includes(key))
      problems.push(problem(`${field}.${key}`, rule[key], `only ${RULE_FIELDS.join(", ")}`, `remove ${key}`));
  }
  if (problems.length > 0) return { value: undefined, problems };
  return {
    value: {
      port: port as number,
      toPort: toPort as number,
      protocol: protocol as Protocol,
      sources: holdsDeferred(sources) ? (sources as FirewallRuleInput["sources"]) : [...(sources as string[])],
    },
    problems,
  };
}

/** `ports`: the rules the user asked for. */
export function checkPorts(ports: unknown): Resolution<FirewallRuleInput[]> {
  if (ports === undefined) return { value: [], problems: [] };
  if (!Array.isArray(ports)) {
    return {
      value: [],
      problems: [
        problem(
          "ports",
          ports,
          "a list of port numbers or { port, toPort?, protocol?, sources? }",
          "write ports: [22, 443]",
        ),
      ],
    };
  }
  const checked = ports.map((entry, i) => checkPort(entry, `ports[${i}]`));
  return {
    value: checked.flatMap((c) => (c.value ? [c.value] : [])),
    problems: checked.flatMap((c) => c.problems),
  };
}

/** Rules sorted and de-duplicated, so equal port sets give equal firewalls; sources still to come stay as given. */
export function normaliseRules(rules: FirewallRuleInput[]): FirewallRuleInput[] {
  const seen = new Map<string, FirewallRuleInput>();
  let deferred = 0;
  for (const r of rules) {
    if (holdsDeferred(r.sources)) {
      seen.set(`deferred ${deferred++}`, { ...r });
      continue;
    }
    const rule = { ...r, sources: [...new Set(r.sources as string[])].sort() };
    seen.set(JSON.stringify(rule), rule);
  }
  return [...seen.values()].sort(
    (a, b) => a.port - b.port || a.toPort - b.toPort || a.protocol.localeCompare(b.protocol),
  );
}

/**
 * The machine's firewall: the requested rules, plus TCP 22 from anywhere when keys are set or readiness
 * reads SSH (unless `openSshPort: false`), plus the readiness port; each only when no TCP rule covers it.
 */
export function firewallRules(
  requested: FirewallRuleInput[],
  opens: { sshKeys: number; readiness?: ReadinessSpec; openSshPort?: boolean },
): FirewallRuleInput[] {
  const rules = [...requested];
  const open = (port: number) => {
    if (!rules.some((r) => r.protocol === "tcp" && r.port <= port && port <= r.toPort))
      rules.unshift({ port, toPort: port, protocol: "tcp", sources: [...ANYWHERE] });
  };
  const readyPort = opens.readiness?.port;
  if (opens.openSshPort !== false && (opens.sshKeys > 0 || readyPort === 22)) open(22);
  if (readyPort !== undefined && readyPort !== 22) open(readyPort);
  return normaliseRules(rules);
}
