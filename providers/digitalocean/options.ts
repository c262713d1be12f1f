import type { DropletArgs } from "@pulumi/digitalocean/droplet";
import type * as pulumi from "@pulumi/pulumi";
import { existingSshKeysOption } from "../../core/standard-options";
import { defineOptions, resourceArgsOption } from "../kit/options";
import type { Transform } from "../kit/transform";
import { transformOption } from "../kit/transform";
import type { SshKeysVia } from "../kit/ssh-keys-via";
import { sshKeysViaOption } from "../kit/ssh-keys-via";

export interface DigitalOceanOptions {
  vpcUuid?: pulumi.Input<string>;
  existingSshKeys?: pulumi.Input<string>[];
  droplet?: Partial<DropletArgs>;
  sshKeysVia?: SshKeysVia;
  /** Typed transforms of the Machine's own resources (see the kit's Transform). */
  transform?: DigitalOceanTransforms;
}

export interface DigitalOceanTransforms {
  droplet?: Transform<DropletArgs>;
}

/** `providerOptions.digitalocean`. */
export const digitalOceanOptions = defineOptions<DigitalOceanOptions>()({
  vpcUuid: {
    type: "string",
    description: "the VPC the droplet joins",
    defaultText: "the region's default VPC",
    input: true,
    check: (value) =>
      typeof value === "string"
        ? undefined
        : { allowed: "the UUID of a VPC in the droplet's region", fix: "copy it from `doctl vpcs list`" },
  },
  existingSshKeys: existingSshKeysOption({
    what: "ids or fingerprints of SSH keys already in the account",
    example: "3b:16:...",
  }),
  droplet: resourceArgsOption("droplet", "digitalocean.DropletArgs", "{ backups: true }", false),
  transform: transformOption({ droplet: "digitalocean.DropletArgs" }),
  sshKeysVia: sshKeysViaOption,
});

declare module "../../core/spec" {
  /** `providerOptions.digitalocean`, typed once this provider's entry point is imported. */
  interface ProviderOptionsMap {
    digitalocean?: DigitalOceanOptions;
  }
}
