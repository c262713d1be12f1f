/**
 * An adopted machine that differs from the spec, as the engine reports it. Pulumi refuses to import a
 * resource whose inputs differ ("inputs to import do not match the existing resource"; in a preview
 * only a warning) and names no field: the step events carry the differing properties. The Kubernetes
 * provider (server-side apply) imports and then applies the spec in the same run: a field the object's
 * own manager set to another value is an apply conflict naming the field (".spec...cpu.cores"). Either
 * way Machina names the Machine, the Machine fields, and the platform's properties.
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";

export const IMPORT_MISMATCH = "inputs to import do not match the existing resource";

/** Platform property names (a leaf or a path segment) and the Machine field each comes from, first match wins. */
const FIELDS: [RegExp, string][] = [
  [/(^|\.)(labels|tags|annotations)(\.|$)/i, "labels"],
  [/(image|ami|containerdisk|imageid|template_?id|clone)/i, "image"],
  [/(userdata|user_data|customdata|cloudinit|cloud_init)/i, "userData"],
  [/(sshkeys?|keyname|key_?pair|publickey)/i, "sshKeys"],
  [/(runstrategy|desiredstatus|started|running|powerstate|instancestate)/i, "powerState"],
  [/(cores|cpus?|vcpus?|sockets|memory|guest|instancetype|machinetype|servertype|vmsize|size|flavor)/i, "size"],
  [/(disk|volume|storage|datavolume)/i, "diskGiB"],
  [/(zone|region|location|availabilityzone|targetnode|node)/i, "region"],
  [/(ports?|securitygroups?|firewall|ingress)/i, "ports"],
  [/(publicip|associatepublic|ipv4|ipv6|address)/i, "publicIp"],
];

/** The Machine fields a list of differing platform property paths comes from (`providerOptions` for the rest). */
export function machineFieldsOf(paths: string[]): string[] {
  const fields = new Set<string>();
  for (const p of paths) fields.add(FIELDS.find(([pattern]) => pattern.test(p))?.[1] ?? "providerOptions");
  return [...fields];
}

/** The fields of a server-side apply conflict ("conflict with \"kubectl\" using v1: .spec.a" or a list of "- .spec.b"). */
export function applyConflictPaths(message: string): string[] {
  if (!/apply failed with \d+ conflicts?/i.test(message)) return [];
  const after = message.slice(message.search(/apply failed with/i));
  return [...new Set([...after.matchAll(/(?:^|[\s:])\.([A-Za-z][\w.[\]=-]*[\w\]])/gm)].map((m) => m[1]))];
}

interface StepMetadata {
  op?: string;
  urn?: string;
  type?: string;
  diffs?: string[];
  detailedDiff?: Record<string, unknown>;
}

interface Imported {
  name: string;
  type: string;
  /** Properties the import found different. */
  paths: string[];
  /** Errors the engine reported for the resource after it was imported. */
  errors: string[];
}

/** Collects, from a run's engine events, what each imported resource differs in. */
export class ImportDiffs {
  private readonly byUrn = new Map<string, Imported>();

  observe(event: EngineEvent): void {
    for (const m of [
      event.resourcePreEvent?.metadata,
      event.resOutputsEvent?.metadata,
      event.resOpFailedEvent?.metadata,
    ] as (StepMetadata | undefined)[]) {
      if (!m?.urn || !m.op?.startsWith("import")) continue;
      const entry = this.entry(m.urn, m.type);
      const paths =
        m.detailedDiff && Object.keys(m.detailedDiff).length > 0 ? Object.keys(m.detailedDiff) : (m.diffs ?? []);
      if (paths.length > 0) entry.paths = paths;
    }
    const diag = event.diagnosticEvent;
    if (diag?.urn && diag.severity === "error") this.byUrn.get(diag.urn)?.errors.push(diag.message);
  }

  private entry(urn: string, type: string | undefined): Imported {
    let entry = this.byUrn.get(urn);
    if (!entry)
      this.byUrn.set(urn, (entry = { name: urn.split("::").pop() ?? urn, type: type ?? "", paths: [], errors: [] }));
    return entry;
  }

  /** What to say about a failed run in which an adopted machine turned out to differ; undefined otherwise. */
  explain(message: string): string | undefined {
    const lines: string[] = [];
    for (const r of this.byUrn.values()) {
      const paths =
        message.includes(IMPORT_MISMATCH) && r.paths.length > 0 ? r.paths : applyConflictPaths(r.errors.join("\n"));
      if (paths.length === 0) continue;
      lines.push(
        `Machine ${JSON.stringify(r.name)}: the existing machine differs from the Machine's spec in ${machineFieldsOf(paths).join(", ")} ` +
          `(${r.type} ${paths.join(", ")}). Adopting never changes or replaces a machine: make the spec describe it as it is ` +
          "(`pulumi preview --diff` shows each value), adopt it, then change it with a later up.",
      );
    }
    return lines.length > 0 ? lines.join("\n") : undefined;
  }
}
