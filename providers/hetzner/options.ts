import type { ServerArgs } from "@pulumi/hcloud/server";
import type * as pulumi from "@pulumi/pulumi";
import { existingSshKeysOption } from "../../core/standard-options";
import { defineOptions, resourceArgsOption } from "../kit/options";
import type { Transform } from "../kit/transform";
import { transformOption } from "../kit/transform";
import type { SshKeysVia } from "../kit/ssh-keys-via";
import { sshKeysViaOption } from "../kit/ssh-keys-via";

export interface HetznerOptions {
  networkId?: pulumi.Input<number>;
  existingSshKeys?: pulumi.Input<string>[];
  server?: Partial<ServerArgs>;
  sshKeysVia?: SshKeysVia;
  /** Typed transforms of the Machine's own resources (see the kit's Transform). */
  transform?: HetznerTransforms;
}

export interface HetznerTransforms {
  server?: Transform<ServerArgs>;
}

/** `providerOptions.hetzner`. */
export const hetznerOptions = defineOptions<HetznerOptions>()({
  networkId: {
    type: "integer",
    description: "a Hetzner network the server joins (required with publicIp: false)",
    input: true,
    check: (value) =>
      Number.isInteger(value)
        ? undefined
        : { allowed: "the numeric id of a Hetzner network", fix: "copy the id from `hcloud network list`" },
  },
  existingSshKeys: existingSshKeysOption({
    what: "names or ids of SSH keys already in the Hetzner project",
    example: "my-laptop",
  }),
  server: resourceArgsOption("server", "hcloud.ServerArgs", "{ backups: true }"),
  sshKeysVia: sshKeysViaOption,
  transform: transformOption({ server: "hcloud.ServerArgs" }),
});

declare module "../../core/spec" {
  /** `providerOptions.hetzner`, typed once this provider's entry point is imported. */
  interface ProviderOptionsMap {
    hetzner?: HetznerOptions;
  }
}
