/** The machine's architecture: x86_64 unless asked, and only one the provider sells. */
import type { Arch } from "../arch";
import { ARCHES } from "../arch";
import { catalogCapabilities } from "../capabilities";
import type { Catalog } from "../contract";
import type { Resolution } from "./problems";
import { problem } from "./problems";

/** An architecture Machina knows, when given. */
export function checkArchShape(requested: unknown) {
  return requested === undefined || ARCHES.includes(requested as Arch)
    ? []
    : [problem("arch", requested, ARCHES.map((a) => `"${a}"`).join(" or "), 'use "x86_64" (Intel/AMD) or "arm64"')];
}

export function resolveArch(requested: unknown, catalog: Catalog, provider: string): Resolution<Arch> {
  if (requested === undefined) return { value: "x86_64", problems: [] };
  const shape = checkArchShape(requested);
  if (shape.length > 0) return { value: "x86_64", problems: shape };
  if (requested === "arm64" && !catalogCapabilities(catalog).arm64) {
    return {
      value: "x86_64",
      problems: [
        problem(
          "arch",
          requested,
          `"x86_64": ${provider} has no arm64 machines`,
          'use arch "x86_64", or a provider that sells arm64',
        ),
      ],
    };
  }
  return { value: requested as Arch, problems: [] };
}
