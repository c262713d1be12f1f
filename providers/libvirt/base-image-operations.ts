/** The shared base image as a dynamic resource: resolved (and downloaded) once, kept in the cache. */
import { existsSync } from "node:fs";
import * as path from "node:path";
import type { BaseImage } from "./images";
import { markOfflineImageUsed, OFFLINE_PREFIX, resolveBaseImage, SNAPSHOT_PREFIX } from "./images";

export interface BaseImageInputs {
  source: string;
  checksum?: string;
}

export interface BaseImageOutputs extends BaseImageInputs {
  image: BaseImage;
}

export const baseImageOperations = {
  async create(inputs: BaseImageInputs): Promise<{ id: string; outs: BaseImageOutputs }> {
    const image = await resolveBaseImage(inputs.source, inputs.checksum);
    return { id: inputs.source, outs: { ...inputs, image } };
  },
  async diff(_id: string, olds: BaseImageOutputs, news: BaseImageInputs) {
    const replaces = (["source", "checksum"] as const).filter((k) => (olds[k] ?? null) !== (news[k] ?? null));
    return { changes: replaces.length > 0, replaces };
  },
  /**
   * The resolved image stays pinned while its files exist, so a newer download or a rebuilt offline
   * image never replaces running machines; when the files are gone, it resolves again.
   */
  async read(id: string, props: BaseImageOutputs) {
    // A restored machine's disk is a full copy: its Snapshot may be deleted, and the machine keeps working.
    if (props.source.startsWith(SNAPSHOT_PREFIX)) return { id, props };
    const files = [props.image?.diskPath, props.image?.kernel?.kernel, props.image?.kernel?.initrd].filter(
      (f): f is string => !!f,
    );
    if (files.length > 0 && files.every((f) => existsSync(f))) {
      // A pinned offline image (<cache>/<recipe>/<name>/vmlinuz) is still used by this stack.
      if (props.source.startsWith(OFFLINE_PREFIX) && props.image.kernel)
        markOfflineImageUsed(path.dirname(path.dirname(props.image.kernel.kernel)));
      return { id, props };
    }
    try {
      return { id, props: { ...props, image: await resolveBaseImage(props.source, props.checksum) } };
    } catch {
      return { id: "", props: {} };
    }
  },
  async delete(): Promise<void> {
    // Downloads stay in the cache for the next stack; offline images belong to scripts/build-image.sh.
  },
};
