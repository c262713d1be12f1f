/** Whether a machine's user data fits its platform, measured on what the platform really receives. */
import type { ProviderModule, SettledSpec } from "./contract";
import type { FieldProblem } from "./errors";

/**
 * A problem when the user data the platform would receive (Machina's own parts merged in, in the
 * platform's encoding) exceeds the catalog's `userDataMaxBytes`; undefined when it fits. The content
 * is never rendered, only its size.
 */
export function userDataSizeProblem(
  module: ProviderModule,
  spec: SettledSpec,
  userData: string | undefined,
): FieldProblem | undefined {
  const sent = module.platformUserData ? module.platformUserData(spec, userData) : userData;
  if (sent === undefined) return undefined;
  const bytes = Buffer.byteLength(sent, "utf8");
  const max = module.catalog.userDataMaxBytes;
  if (bytes <= max) return undefined;
  return {
    field: "userData",
    value: `<${bytes} bytes after Machina's parts>`,
    allowed: `at most ${max} bytes on ${module.name} (what the platform receives, Machina's own parts included)`,
    fix: `remove at least ${bytes - max} bytes of what the platform receives: fetch large files at boot (runcmd with curl) instead of embedding them`,
  };
}
