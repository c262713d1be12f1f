import { Firewall } from "@pulumi/hcloud/firewall";
import type { ServerArgs } from "@pulumi/hcloud/server";
import { Server } from "@pulumi/hcloud/server";
import { transformed } from "../kit/transform";
import { SshKey } from "@pulumi/hcloud/sshKey";
import type * as hcloudInputs from "@pulumi/hcloud/types/input";
import type * as pulumi from "@pulumi/pulumi";
import { sharedPerStack } from "../kit/shared";
import { firewallRules, withKeys } from "../kit/settled";
import { portRange } from "../kit/firewall";
import { MANAGED_LABELS } from "../../core/resolve/labels";
import type { FirewallRule } from "../../core/firewall-rule";
import type { MachineResult, ResolvedMachineSpec } from "../../core/contract";
import { hetznerOptions } from "./options";
import { sshKeysVia, userDataWithKeys } from "../kit/ssh-keys-via";
import { hetznerState } from "./state";
import { ADOPTED_AS_IS, hetznerAdopt, SERVER_TYPE } from "./adopt";
import { adoptionOptions, isAdopted } from "../kit/adoption";
import { machineStateOutput } from "../kit/machine-state";

export function hetznerFirewallRules(rules: FirewallRule[]): hcloudInputs.FirewallRule[] {
  return rules.map((r) => ({
    direction: "in",
    protocol: r.protocol,
    port: portRange(r),
    sourceIps: r.sources,
  }));
}

/** The firewall's id as the server's `firewallIds` takes it: one Output per shared firewall, not one per server. */
const numericIds = new WeakMap<Firewall, pulumi.Output<number>>();
function numericId(firewall: Firewall): pulumi.Output<number> {
  let id = numericIds.get(firewall);
  if (!id) numericIds.set(firewall, (id = firewall.id.apply(Number)));
  return id;
}

export function createHetznerServer(spec: ResolvedMachineSpec, parent: pulumi.Resource): MachineResult {
  const options = hetznerOptions.read(spec);
  // An adopted server booted long ago (no key objects for it) and keeps its own firewalls (hetznerAdopt).
  const adopted = isAdopted(spec);

  // Hetzner refuses one public key twice in a project: keys go in through cloud-init unless the
  // stack asks for key objects of its own (see sshKeysVia). A key given as an Output gets a key object
  // of its Machine's own: a shared one is named by its content.
  const keyIds =
    sshKeysVia(spec.options) === "api" && !adopted
      ? spec.sshKeys.map(
          (publicKey, i) =>
            sharedPerStack(
              "hetzner",
              "sshkey",
              publicKey,
              (name, platformName, opts) =>
                new SshKey(name, { name: platformName, publicKey, labels: MANAGED_LABELS }, opts),
              { parent, type: "hcloud:index/sshKey:SshKey" },
              { name: `${spec.name}-sshkey-${i}`, platformName: `${spec.platformName}-${i}` },
            ).id,
        )
      : [];

  let firewall: Firewall | undefined;
  if (spec.firewall.length > 0 && !adopted) {
    const make = (name: string, platformName: string, opts?: pulumi.CustomResourceOptions) =>
      new Firewall(
        name,
        { name: platformName, rules: firewallRules(spec, hetznerFirewallRules), labels: MANAGED_LABELS },
        opts,
      );
    firewall = sharedPerStack(
      "hetzner",
      "firewall",
      spec.firewall,
      make,
      { parent, type: "hcloud:index/firewall:Firewall" },
      { name: `${spec.name}-firewall`, platformName: spec.platformName },
    );
  }

  const server = new Server(
    ...transformed(
      options.transform?.server,
      spec.name,
      {
        name: spec.platformName,
        serverType: spec.size.type,
        image: spec.image.kind === "snapshot" ? (spec.image.snapshot ?? spec.image.id) : spec.image.id,
        // Hetzner removed datacenters on 2026-07-01: a server is placed by location only (its catalog has no zones).
        location: spec.region,
        sshKeys: [...(options.existingSshKeys ?? []), ...keyIds],
        userData: withKeys(spec, userDataWithKeys),
        labels: spec.labels,
        firewallIds: firewall ? [numericId(firewall)] : [],
        publicNets: [{ ipv4Enabled: spec.publicIp, ipv6Enabled: spec.publicIp }],
        networks: options.networkId !== undefined ? [{ networkId: options.networkId }] : undefined,
        ...options.server,
      } satisfies ServerArgs,
      {
        parent,
        deleteBeforeReplace: true,
        ...adoptionOptions(spec, hetznerAdopt, SERVER_TYPE),
        ...(adopted ? { ignoreChanges: ADOPTED_AS_IS } : {}),
      },
    ),
  );

  return {
    id: server.id,
    state: machineStateOutput(server.status, hetznerState),
    publicIp: spec.publicIp ? server.ipv4Address : undefined,
    privateIp: server.networks.apply((n) => n?.[0]?.ip),
    details: {
      location: server.location,
      ipv6Address: server.ipv6Address,
      firewallId: firewall?.id,
    },
  };
}
