/**
 * Pulumi refuses to import a machine whose inputs differ from the spec ("inputs to import do not match
 * the existing resource"; in a preview only a warning) and names no field. The engine's step events
 * carry the differing properties: Machina names them, and the Machine fields they come from.
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

interface StepMetadata {
  op?: string;
  urn?: string;
  type?: string;
  diffs?: string[];
  detailedDiff?: Record<string, unknown>;
}

/** Collects, from a run's engine events, the properties each imported resource differs in. */
export class ImportDiffs {
  private readonly byUrn = new Map<string, { name: string; type: string; paths: string[] }>();

  observe(event: EngineEvent): void {
    for (const m of [
      event.resourcePreEvent?.metadata,
      event.resOutputsEvent?.metadata,
      event.resOpFailedEvent?.metadata,
    ] as (StepMetadata | undefined)[]) {
      if (!m?.urn || !m.op?.startsWith("import")) continue;
      const paths =
        m.detailedDiff && Object.keys(m.detailedDiff).length > 0 ? Object.keys(m.detailedDiff) : (m.diffs ?? []);
      if (paths.length === 0) continue;
      this.byUrn.set(m.urn, { name: m.urn.split("::").pop() ?? m.urn, type: m.type ?? "", paths });
    }
  }

  /** What to say about a failed run whose message is Pulumi's import refusal; undefined for any other. */
  explain(message: string): string | undefined {
    if (!message.includes(IMPORT_MISMATCH) || this.byUrn.size === 0) return undefined;
    return [...this.byUrn.values()]
      .map(
        (r) =>
          `Machine ${JSON.stringify(r.name)}: the existing machine differs from the Machine's spec in ${machineFieldsOf(r.paths).join(", ")} ` +
          `(${r.type} ${r.paths.join(", ")}). Adopting never changes or replaces a machine: make the spec describe it as it is ` +
          "(`pulumi preview --diff` shows each value), adopt it, then change it with a later up.",
      )
      .join("\n");
  }
}
