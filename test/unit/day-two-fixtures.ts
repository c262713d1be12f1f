/**
 * What the cloud providers' snapshot and adopt tests share: a resolved spec as core hands it to a
 * module, a parent that records the options each child is registered with, and a snapshot request.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ProviderModule, ResolvedMachineSpec, SnapshotRequest } from "../../dist/core/contract";

export const MANAGED = { "managed-by": "machina" };

export function resolvedSpec(
  module: ProviderModule,
  overrides: Partial<ResolvedMachineSpec> = {},
): ResolvedMachineSpec {
  const alias = module.catalog.defaults.image;
  return {
    name: "web",
    hostname: "web",
    platformName: "shop-production-web",
    region: module.catalog.defaults.region,
    arch: "x86_64",
    size: { type: module.catalog.sizes[0].type, fromCatalog: true },
    image: { id: module.catalog.images[alias].x86_64!, alias, kind: "alias" },
    sshKeys: [],
    sshUser: module.catalog.defaults.sshUser,
    labels: { team: "shop", ...MANAGED },
    firewall: [],
    requestedFirewall: [],
    publicIp: true,
    options: {},
    powerState: "running",
    ...overrides,
  };
}

/** A component whose children's resource options are recorded by name, as Pulumi registers them. */
export function recordingParent(name: string): {
  parent: pulumi.ComponentResource;
  optionsOf: (child: string) => pulumi.CustomResourceOptions;
} {
  const seen = new Map<string, pulumi.CustomResourceOptions>();
  const parent = new pulumi.ComponentResource(
    "test:index:Parent",
    name,
    {},
    {
      transformations: [
        (args) => {
          seen.set(args.name, args.opts);
          return undefined;
        },
      ],
    },
  );
  return {
    parent,
    optionsOf: (child) => {
      const opts = seen.get(child);
      if (!opts) throw new Error(`no child ${child} was registered (${[...seen.keys()].join(", ")})`);
      return opts;
    },
  };
}

/** A snapshot of a Machine `web` whose platform id and details are given. */
export function snapshotRequest(
  spec: ResolvedMachineSpec,
  id: string,
  details: Record<string, unknown>,
  machine: pulumi.Resource,
): SnapshotRequest {
  return {
    name: "web-before-upgrade",
    platformName: "shop-production-web-before-upgrade",
    labels: { team: "shop", ...MANAGED },
    source: {
      spec,
      id: pulumi.output(id),
      details: pulumi.output(details) as unknown as pulumi.Output<Record<string, unknown>>,
      machine,
    },
  };
}
