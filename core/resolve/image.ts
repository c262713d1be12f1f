/** The machine's image: a catalog alias for the machine's arch, a provider image id, or a snapshot. */
import type { Arch } from "../arch";
import { ARCHES } from "../arch";
import type { Catalog, ResolvedMachineSpec } from "../contract";
import { isDeferred } from "../deferred";
import { snapshotNameOf } from "../snapshot-ids";
import type { Resolution } from "./problems";
import { isObject, problem } from "./problems";

/**
 * `restores`: the provider's module exports `snapshot` (rule 18), so `{ snapshot }` is restored; without
 * it, a snapshot image is refused with the fix.
 */
export function resolveImage(
  requested: unknown,
  arch: Arch,
  catalog: Catalog,
  provider: string,
  restores = false,
): Resolution<ResolvedMachineSpec["image"] | undefined> {
  const refused = (...args: Parameters<typeof problem>) => ({ value: undefined, problems: [problem(...args)] });
  const image = requested ?? catalog.defaults.image;
  const aliases = Object.keys(catalog.images);
  if (typeof image === "string") {
    const byArch = catalog.images[image];
    if (!byArch) {
      return refused(
        "image",
        image,
        `an image alias of ${provider} (${aliases.join(", ")}), { id } or { snapshot }`,
        `use one of the aliases, or { id: ${JSON.stringify(image)} } for a ${provider} image id`,
      );
    }
    const id = byArch[arch];
    if (!id) {
      const has = ARCHES.filter((a) => byArch[a]);
      return refused(
        "image",
        image,
        `on ${provider} this alias exists for ${has.join(", ")} only`,
        `use arch ${has[0]}, or an image built for ${arch}`,
      );
    }
    return { value: { id, alias: image, kind: "alias" }, problems: [] };
  }
  if (isObject(image) && ("id" in image || "snapshot" in image)) {
    const kind = "id" in image ? "id" : "snapshot";
    const id = image[kind];
    if (kind === "snapshot" && !restores) {
      return refused(
        "image.snapshot",
        snapshotNameOf(id) ?? (isDeferred(id) ? "<an Output>" : id),
        `an alias or { id } on ${provider}: it cannot restore snapshots (its module does not export snapshot)`,
        "use an image alias or { id }, or run this Machine on a provider with the snapshot capability (`machina providers` lists them)",
      );
    }
    // A Snapshot's id is known when the deployment runs: kept as the Input, named by its Snapshot meanwhile.
    const deferredSnapshot = kind === "snapshot" && isDeferred(id);
    if (!deferredSnapshot && (typeof id !== "string" || id.trim() === "")) {
      return refused(
        `image.${kind}`,
        id,
        `a non-empty ${provider} ${kind === "id" ? "image id" : "snapshot id or name"}`,
        `set image: { ${kind}: "..." }`,
      );
    }
    if (image.arch !== undefined && image.arch !== arch) {
      return refused(
        "image.arch",
        image.arch,
        `${arch}, the architecture of the machine's size`,
        `pick an image built for ${arch}, or a size of arch ${String(image.arch)}`,
      );
    }
    if (kind === "snapshot") {
      const name = deferredSnapshot ? (snapshotNameOf(id) ?? "<a snapshot id known at deployment>") : (id as string);
      return { value: { id: name, kind, snapshot: id as string }, problems: [] };
    }
    return { value: { id: id as string, kind }, problems: [] };
  }
  return refused(
    "image",
    image,
    `an alias (${aliases.join(", ")}), { id: "..." } or { snapshot: "..." }`,
    `write image: "${catalog.defaults.image}"`,
  );
}

/** The image's shape alone, for when the provider (and so its catalog) is not known. */
export function checkImageShape(image: unknown) {
  if (image === undefined) return [];
  const id = isObject(image) ? (image.id ?? image.snapshot) : image;
  return (typeof id === "string" && id.trim() !== "") || (isObject(image) && "snapshot" in image && isDeferred(id))
    ? []
    : [problem("image", image, 'an image alias, { id: "..." } or { snapshot: "..." }', 'write image: "debian-12"')];
}
