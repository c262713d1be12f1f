import type { DropletArgs } from "@pulumi/digitalocean/droplet";
import { Droplet } from "@pulumi/digitalocean/droplet";
import { Firewall } from "@pulumi/digitalocean/firewall";
import { SshKey } from "@pulumi/digitalocean/sshKey";
import type * as doInputs from "@pulumi/digitalocean/types/input";
import type * as pulumi from "@pulumi/pulumi";
import { sharedPerStack } from "../kit/shared";
import { firewallRules, labelValues, withKeys } from "../kit/settled";
import { portRange } from "../kit/firewall";
import { transformed } from "../kit/transform";
import type { FirewallRule } from "../../core/firewall-rule";
import type { MachineResult, ResolvedMachineSpec } from "../../core/contract";
import { digitalOceanOptions } from "./options";
import { sshKeysVia, userDataWithKeys } from "../kit/ssh-keys-via";
import { dropletState } from "./state";
import { ADOPTED_AS_IS, digitalOceanAdopt, DROPLET_TYPE } from "./adopt";
import { adoptionOptions, isAdopted } from "../kit/adoption";
import { machineStateOutput } from "../kit/machine-state";

const EVERYWHERE = ["0.0.0.0/0", "::/0"];

export function dropletTags(labels: Record<string, string>): string[] {
  return Object.entries(labels).map(([k, v]) => (v === "" ? k : `${k}:${v}`));
}

export function inboundRules(rules: FirewallRule[]): doInputs.FirewallInboundRule[] {
  return rules.map((r) => ({
    protocol: r.protocol,
    portRange: portRange(r),
    sourceAddresses: r.sources,
  }));
}

/** A DigitalOcean firewall denies all egress it does not list, so Machina's allows all of it. */
export const OUTBOUND_ALL: doInputs.FirewallOutboundRule[] = [
  { protocol: "tcp", portRange: "1-65535", destinationAddresses: EVERYWHERE },
  { protocol: "udp", portRange: "1-65535", destinationAddresses: EVERYWHERE },
  { protocol: "icmp", destinationAddresses: EVERYWHERE },
];

export function createDroplet(spec: ResolvedMachineSpec, parent: pulumi.Resource): MachineResult {
  const options = digitalOceanOptions.read(spec);

  // DigitalOcean refuses one public key twice in an account: keys go in through cloud-init unless the
  // stack asks for key objects of its own (see sshKeysVia). An adopted droplet booted long ago: none for it.
  const adopted = isAdopted(spec);
  const fingerprints =
    sshKeysVia(spec.options) === "api" && !adopted
      ? spec.sshKeys.map(
          (publicKey, i) =>
            sharedPerStack(
              "digitalocean",
              "sshkey",
              publicKey,
              (name, platformName, opts) => new SshKey(name, { name: platformName, publicKey }, opts),
              { parent, type: "digitalocean:index/sshKey:SshKey" },
              { name: `${spec.name}-sshkey-${i}`, platformName: `${spec.platformName}-${i}` },
            ).fingerprint,
        )
      : [];

  const droplet = new Droplet(
    ...transformed(
      options.transform?.droplet,
      spec.name,
      {
        name: spec.platformName,
        size: spec.size.type,
        image: spec.image.kind === "snapshot" ? (spec.image.snapshot ?? spec.image.id) : spec.image.id,
        region: spec.region,
        sshKeys: [...(options.existingSshKeys ?? []), ...fingerprints],
        userData: withKeys(spec, userDataWithKeys),
        tags: labelValues(spec, dropletTags),
        publicNetworking: spec.publicIp,
        ipv6: spec.publicIp,
        monitoring: true,
        vpcUuid: options.vpcUuid,
        ...options.droplet,
      } as DropletArgs,
      {
        parent,
        deleteBeforeReplace: true,
        ...adoptionOptions(spec, digitalOceanAdopt, DROPLET_TYPE),
        ...(adopted ? { ignoreChanges: ADOPTED_AS_IS } : {}),
      },
    ),
  );

  let firewall: Firewall | undefined;
  if (spec.firewall.length > 0) {
    firewall = new Firewall(
      `${spec.name}-firewall`,
      {
        name: spec.platformName,
        dropletIds: [droplet.id.apply(Number)],
        inboundRules: firewallRules(spec, inboundRules),
        outboundRules: OUTBOUND_ALL,
      },
      { parent },
    );
  }

  return {
    id: droplet.id,
    state: machineStateOutput(droplet.status, dropletState),
    publicIp: spec.publicIp ? droplet.ipv4Address : undefined,
    privateIp: droplet.ipv4AddressPrivate,
    details: {
      dropletUrn: droplet.dropletUrn,
      ipv6Address: droplet.ipv6Address,
      vpcUuid: droplet.vpcUuid,
      firewallId: firewall?.id,
    },
  };
}
