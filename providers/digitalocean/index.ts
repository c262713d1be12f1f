import { userDataWithKeys } from "../kit/ssh-keys-via";
import type { ProviderModule } from "../../core/contract";
import { dropletLiveState } from "./state";
import { CONTRACT_VERSION } from "../../core/contract-version";
import type { FieldProblem } from "../../core/errors";
import catalog from "./catalog.json";
import { digitalOceanOptions } from "./options";

/** DigitalOcean droplets through @pulumi/digitalocean. The SDK is loaded only when a machine is created. */
const digitalocean: ProviderModule = {
  contractVersion: CONTRACT_VERSION,
  name: "digitalocean",
  description: "DigitalOcean droplets (x86_64 only) through @pulumi/digitalocean",
  requirements: {
    sdkPackage: "@pulumi/digitalocean",
    credentials: [
      {
        name: "DigitalOcean API token",
        configKeys: ["digitalocean:token"],
        envVars: ["DIGITALOCEAN_TOKEN", "DIGITALOCEAN_ACCESS_TOKEN"],
        howTo: "Create a personal access token with write scope in the DigitalOcean control panel: API > Tokens.",
      },
    ],
    tools: [],
  },
  platformFacts: { publicIp: true, firewall: true, resizeInPlace: true },
  state: dropletLiveState,
  catalog: catalog as ProviderModule["catalog"],
  options: digitalOceanOptions.schema,
  validate(spec) {
    const problems: FieldProblem[] = [];
    for (const label of Object.entries(spec.labels)) {
      // A value given as an Output is checked against the label rules when it resolves; the droplet refuses a longer tag.
      if (typeof label[1] !== "string") continue;
      const tag = label.join(":");
      if (tag.length > 255) {
        problems.push({
          field: `labels.${label[0]}`,
          value: JSON.stringify(label[1]),
          allowed: "key and value together at most 254 characters (the droplet tag is 'key:value')",
          fix: "shorten the label",
        });
      }
    }
    return problems;
  },
  platformUserData: userDataWithKeys,
  create(spec, parent) {
    const { createDroplet } = require("./resources") as typeof import("./resources");
    return createDroplet(spec, parent);
  },
};

export default digitalocean;
export type { DigitalOceanOptions, DigitalOceanTransforms } from "./options";
export type { Transform } from "../kit/transform";
