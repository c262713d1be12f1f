import { Firewall } from "@pulumi/gcp/compute/firewall";
import { Instance } from "@pulumi/gcp/compute/instance";
import type * as gcpInputs from "@pulumi/gcp/types/input";
import * as pulumi from "@pulumi/pulumi";
import { portRange } from "../kit/firewall";
import { transformed } from "../kit/transform";
import type { FirewallRule } from "../../core/firewall-rule";
import { derivedName } from "../../core/naming";
import type { MachineResult, ResolvedMachineSpec } from "../../core/contract";
import { gcpOptions } from "./options";
import catalog from "./catalog.json";
import { gceUserData } from "./user-data";
import { gcpPower, gcpState, INSTANCE_TYPE } from "./power";
import { adoptedAsIs, gcpAdopt, instanceRef } from "./adopt";
import { adoptionOptions } from "../kit/adoption";
import { requestedImage } from "../kit/requested-image";
import { machineStateOutput } from "../kit/machine-state";

/** The zone of a machine: the one given, else the region's first. */
export function zoneOf(spec: Pick<ResolvedMachineSpec, "region" | "zone">): string {
  return spec.zone ?? catalog.regions.find((r) => r.id === spec.region)!.zones[0];
}

/**
 * GCP firewall rules have one source list and one address family each: Machina's rules are grouped by
 * (family, sources) into as few firewalls as that allows, each targeting the machine's network tag.
 */
export function firewallGroups(
  rules: FirewallRule[],
): { sourceRanges: string[]; allows: gcpInputs.compute.FirewallAllow[] }[] {
  const groups = new Map<string, { sourceRanges: string[]; byProtocol: Map<string, string[]> }>();
  for (const rule of rules) {
    for (const family of ["v4", "v6"]) {
      const sources = rule.sources.filter((s) => (family === "v6") === s.includes(":"));
      if (sources.length === 0) continue;
      const key = `${family}|${sources.join(",")}`;
      const group = groups.get(key) ?? { sourceRanges: sources, byProtocol: new Map<string, string[]>() };
      const ports = group.byProtocol.get(rule.protocol) ?? [];
      ports.push(portRange(rule));
      group.byProtocol.set(rule.protocol, ports);
      groups.set(key, group);
    }
  }
  return [...groups.values()].map((g) => ({
    sourceRanges: g.sourceRanges,
    allows: [...g.byProtocol.entries()].map(([protocol, ports]) => ({ protocol, ports })),
  }));
}

export function createComputeInstance(spec: ResolvedMachineSpec, parent: pulumi.Resource): MachineResult {
  const options = gcpOptions.read(spec);
  const network = options.network;
  const tag = derivedName("machina-", spec.platformName, "");
  // An adopted instance keeps its firewall rules and tags (gcpAdopt): Machina makes no firewall for it.
  const adopted = spec.adopt ? instanceRef(spec.adopt.id) : undefined;
  const ruled = adopted ? [] : spec.firewall;
  const known = ruled.filter((r) => Array.isArray(r.sources) && r.sources.every((x) => typeof x === "string"));
  const firewalls = firewallGroups(known as FirewallRule[]).map(
    (group, i) =>
      new Firewall(
        `${spec.name}-fw-${i}`,
        {
          name: derivedName("", spec.platformName, `-in-${i}`),
          network,
          direction: "INGRESS",
          allows: group.allows,
          sourceRanges: group.sourceRanges,
          targetTags: [tag],
        },
        { parent },
      ),
  );
  // A rule whose sources come from another resource gets a firewall of its own (GCP groups by sources).
  ruled
    .filter((r) => !known.includes(r))
    .forEach((rule, i) =>
      firewalls.push(
        new Firewall(
          `${spec.name}-fw-src-${i}`,
          {
            name: derivedName("", spec.platformName, `-src-${i}`),
            network,
            direction: "INGRESS",
            allows: [{ protocol: rule.protocol, ports: [portRange(rule)] }],
            sourceRanges: rule.sources,
            targetTags: [tag],
          },
          { parent },
        ),
      ),
    );

  const userData = spec.userData === undefined ? undefined : pulumi.output(spec.userData).apply((u) => gceUserData(u));
  const metadata: Record<string, pulumi.Input<string>> = {};
  if (spec.sshKeys.length > 0)
    metadata["ssh-keys"] = pulumi.all(spec.sshKeys).apply((keys) => keys.map((k) => `${spec.sshUser}:${k}`).join("\n"));
  if (userData) metadata["user-data"] = userData;

  const instance = new Instance(
    ...transformed(
      options.transform?.instance,
      spec.name,
      {
        name: adopted?.name ?? spec.platformName,
        ...(adopted ? { project: adopted.project } : {}),
        machineType: spec.size.type,
        zone: adopted?.zone ?? zoneOf(spec),
        bootDisk: {
          // A restore makes the boot disk from the Snapshot's disk snapshot (see ./snapshot).
          initializeParams: {
            ...(spec.image.kind === "snapshot"
              ? { snapshot: spec.image.snapshot ?? spec.image.id }
              : { image: spec.image.id }),
            size: spec.diskGiB ?? 20,
            type: "pd-balanced",
          },
          autoDelete: true,
        },
        networkInterfaces: [
          {
            network: options.subnetwork ? undefined : network,
            subnetwork: options.subnetwork,
            accessConfigs: spec.publicIp ? [{}] : [],
          },
        ],
        metadata,
        // Debian images on GCE have no cloud-init: a user-data script also runs as the startup script.
        metadataStartupScript: userData?.apply((u) => (u.startsWith("#!") ? u : undefined)) as
          pulumi.Output<string> | undefined,
        tags: [tag],
        labels: spec.labels,
        allowStoppingForUpdate: true,
        ...gcpPower(spec.powerState ?? "running").inputs,
        ...options.instance,
      },
      {
        parent,
        dependsOn: firewalls,
        // GCE reports the image an alias's family resolved to: that is ignored, another image asked for replaces.
        ignoreChanges: adopted ? adoptedAsIs(spec) : ["bootDisk.initializeParams.image"],
        replacementTrigger: requestedImage(spec),
        ...adoptionOptions(spec, gcpAdopt, INSTANCE_TYPE),
      },
    ),
  );

  const nic = instance.networkInterfaces.apply((n) => n[0]);
  return {
    id: instance.instanceId,
    state: machineStateOutput(instance.currentStatus, gcpState),
    publicIp: spec.publicIp ? nic.apply((n) => n?.accessConfigs?.[0]?.natIp) : undefined,
    privateIp: nic.apply((n) => n?.networkIp),
    details: {
      zone: instance.zone,
      networkTag: tag,
      selfLink: instance.selfLink,
      bootDisk: instance.bootDisk.source,
      firewalls: firewalls.map((f) => f.name),
    },
  };
}
