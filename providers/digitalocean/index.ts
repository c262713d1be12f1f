import { optionChecks } from "../kit/option-checks";
import { sshKeysViaProblem, userDataWithKeys } from "../kit/ssh-keys-via";
import type { ProviderModule } from "../../core/contract";
import catalog from "./catalog.json";

const KNOWN_OPTIONS = ["vpcUuid", "existingSshKeys", "droplet", "sshKeysVia"];

/** DigitalOcean droplets through @pulumi/digitalocean. The SDK is loaded only when a machine is created. */
const digitalocean: ProviderModule = {
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
  catalog: catalog as ProviderModule["catalog"],
  validate(spec) {
    const o = spec.options;
    const { problems } = optionChecks("digitalocean", o, KNOWN_OPTIONS);
    if (o.vpcUuid !== undefined && typeof o.vpcUuid !== "string") {
      problems.push({
        field: "providerOptions.digitalocean.vpcUuid",
        value: JSON.stringify(o.vpcUuid),
        allowed: "the UUID of a VPC in the droplet's region",
        fix: "copy it from `doctl vpcs list`",
      });
    }
    const via = sshKeysViaProblem("digitalocean", o);
    if (via) problems.push(via);
    const keys = o.existingSshKeys;
    if (keys !== undefined && !(Array.isArray(keys) && keys.every((k) => typeof k === "string" && k !== ""))) {
      problems.push({
        field: "providerOptions.digitalocean.existingSshKeys",
        value: JSON.stringify(keys),
        allowed: "a list of ids or fingerprints of SSH keys already in the account",
        fix: 'write existingSshKeys: ["3b:16:..."]',
      });
    }
    for (const label of Object.entries(spec.labels)) {
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
