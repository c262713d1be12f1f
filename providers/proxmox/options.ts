import type { VmLegacyArgs } from "@muhlba91/pulumi-proxmoxve/vmLegacy";
import type * as pulumi from "@pulumi/pulumi";
import { defineOptions, matching, resourceArgsOption } from "../kit/options";
import type { Transform } from "../kit/transform";
import { transformOption } from "../kit/transform";

export interface ProxmoxOptions {
  node?: string;
  datastore?: pulumi.Input<string>;
  imageDatastore?: string;
  snippetDatastore?: pulumi.Input<string>;
  bridge?: pulumi.Input<string>;
  templateVmId?: number;
  guestAgent?: boolean;
  vm?: Partial<VmLegacyArgs>;
  /** Typed transforms of the Machine's own resources (see the kit's Transform). */
  transform?: ProxmoxTransforms;
}

export interface ProxmoxTransforms {
  vm?: Transform<VmLegacyArgs>;
}

/** A Proxmox object named by the user, with the name used when none is set. */
const proxmoxName = (description: string, fallback: string, input = false) => ({
  type: "string",
  description,
  default: fallback,
  input,
  check: matching(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
    allowed: "a Proxmox name (letters, digits, . _ -)",
    fix: "copy it from the Proxmox UI",
  }),
});

/** `providerOptions.proxmox`. */
export const proxmoxOptions = defineOptions<ProxmoxOptions>()({
  node: proxmoxName("the node the VM runs on", "pve"),
  datastore: proxmoxName("the datastore of the VM's disk", "local-lvm", true),
  imageDatastore: proxmoxName("the datastore cloud images are downloaded to", "local"),
  snippetDatastore: proxmoxName(
    "the datastore of user data snippets (it must allow the snippets content type)",
    "local",
    true,
  ),
  bridge: proxmoxName("the bridge the VM's network device joins", "vmbr0", true),
  templateVmId: {
    type: "integer",
    description: "a template to clone instead of importing a cloud image",
    check: (value) =>
      Number.isInteger(value) && (value as number) >= 100
        ? undefined
        : { allowed: "the VM id (100 or more) of a template to clone", fix: "use the id shown next to the template" },
  },
  guestAgent: {
    type: "boolean",
    description: "enable the QEMU guest agent (reports the VM's addresses)",
    defaultText: "on when the machine has user data",
  },
  vm: resourceArgsOption("vm", "proxmoxve.VmLegacyArgs", "{ ... }", false),
  transform: transformOption({ vm: "proxmoxve.VmLegacyArgs" }),
});

declare module "../../core/spec" {
  /** `providerOptions.proxmox`, typed once this provider's entry point is imported. */
  interface ProviderOptionsMap {
    proxmox?: ProxmoxOptions;
  }
}
