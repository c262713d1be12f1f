import { defineOptions, matching } from "../kit/options";
import type { BaseImage } from "./images";

export interface LibvirtOptions {
  network?: string;
  kernel?: BaseImage["kernel"];
  imageChecksum?: string;
  shutdownTimeoutSeconds?: number;
}

/** `providerOptions.libvirt`. */
export const libvirtOptions = defineOptions<LibvirtOptions>()({
  network: {
    type: "string",
    description: '"user" (user-mode networking, ports forwarded on 127.0.0.1) or a libvirt network',
    defaultText: 'libvirt:network, else "default"',
    check: (value) =>
      typeof value === "string" && value !== ""
        ? undefined
        : {
            allowed: '"user" (user-mode networking, ports on 127.0.0.1) or the name of a libvirt network',
            fix: 'write network: "user"',
          },
  },
  kernel: {
    type: "{ kernel, initrd?, cmdline? }",
    description: "boot this kernel (absolute paths on the libvirt host) instead of the image's own",
    check: (value) => {
      const kernel = value as Record<string, unknown>;
      return typeof kernel === "object" &&
        kernel !== null &&
        typeof kernel.kernel === "string" &&
        kernel.kernel.startsWith("/")
        ? undefined
        : {
            allowed: "{ kernel: '/abs/path/vmlinuz', initrd?: '/abs/path/initrd', cmdline?: '...' }",
            fix: "give absolute paths on the libvirt host",
          };
    },
  },
  imageChecksum: {
    type: "string",
    description: "the sha256 the downloaded image must have",
    check: matching(/^(sha256:)?[0-9a-fA-F]{64}$/, {
      allowed: "a sha256 hex digest",
      fix: "copy it from the image's SHA256SUMS",
    }),
  },
  shutdownTimeoutSeconds: {
    type: "integer",
    description: "how long a graceful shutdown may take before the domain is forced off",
    default: 30,
    check: (value) =>
      Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 600
        ? undefined
        : { allowed: "an integer from 0 to 600", fix: "use 30" },
  },
});

declare module "../../core/spec" {
  /** `providerOptions.libvirt`, typed once this provider's entry point is imported. */
  interface ProviderOptionsMap {
    libvirt?: LibvirtOptions;
  }
}
