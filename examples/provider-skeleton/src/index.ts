/**
 * A Machina provider for a platform Machina does not know, as an npm package: its default export is a
 * `ProviderModule`. "Acme Cloud" stands for your platform; `AcmeServer` for its Pulumi SDK's server
 * resource (with a real SDK, `import { Server } from "@acme/pulumi"` inside `create`).
 */
import * as pulumi from "@pulumi/pulumi";
import {
  CONTRACT_VERSION,
  keysCloudConfig,
  mergeUserData,
  withKeys,
  type ProviderModule,
} from "pulumi-machina/providers/kit";

class AcmeServer extends pulumi.CustomResource {
  declare readonly ipv4: pulumi.Output<string>;
  constructor(name: string, args: Record<string, pulumi.Input<unknown>>, opts: pulumi.CustomResourceOptions) {
    super("acme:index:Server", name, { ...args, ipv4: undefined }, opts);
  }
}

const acme: ProviderModule = {
  contractVersion: CONTRACT_VERSION,
  name: "acme",
  description: "Acme Cloud servers (an example of a provider outside Machina)",
  requirements: {
    credentials: [
      {
        name: "Acme API token",
        configKeys: ["acme:token"],
        envVars: ["ACME_TOKEN"],
        howTo: "pulumi config set --secret acme:token <token> (or export ACME_TOKEN)",
      },
    ],
    tools: [],
  },
  platformFacts: { publicIp: true, firewall: true, resizeInPlace: false },
  catalog: {
    pricesAsOf: "2026-11-01",
    source: "Acme's price list (example figures)",
    currency: "EUR",
    sizes: [
      { type: "a1", arch: "x86_64", cpus: 1, memoryGiB: 1, hourlyPrice: 0.005 },
      { type: "a2", arch: "x86_64", cpus: 2, memoryGiB: 4, hourlyPrice: 0.012 },
      { type: "a4", arch: "x86_64", cpus: 4, memoryGiB: 8, hourlyPrice: 0.024 },
      { type: "a8", arch: "x86_64", cpus: 8, memoryGiB: 16, hourlyPrice: 0.048 },
    ],
    regions: [
      { id: "north", name: "North" },
      { id: "south", name: "South" },
    ],
    images: { "ubuntu-24.04": { x86_64: "ubuntu-24-04" }, "debian-12": { x86_64: "debian-12" } },
    defaults: { region: "north", image: "ubuntu-24.04", sshUser: "root" },
    userDataMaxBytes: 32768,
  },
  create(spec, parent) {
    // Keys go in through cloud-init, merged with the user's own user data (either may be an Output).
    const userData = withKeys(spec, (settled, u) =>
      mergeUserData([keysCloudConfig(settled.sshKeys, { passwordLogin: false })], u),
    );
    const server = new AcmeServer(
      spec.name,
      {
        name: spec.platformName,
        plan: spec.size.type,
        region: spec.region,
        image: spec.image.id,
        userData,
        labels: spec.labels,
        firewall: spec.firewall.map((r) => ({
          protocol: r.protocol,
          ports: `${r.port}-${r.toPort}`,
          sources: r.sources,
        })),
        publicIp: spec.publicIp,
      },
      { parent },
    );
    return {
      id: server.id,
      publicIp: spec.publicIp ? server.ipv4 : undefined,
      privateIp: undefined,
      details: { plan: spec.size.type },
    };
  },
};

export default acme;
