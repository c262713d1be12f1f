import { optionChecks } from "../kit/option-checks";
import { sshKeysViaProblem, userDataWithKeys } from "../kit/ssh-keys-via";
import type { ProviderModule } from "../../core/contract";
import catalog from "./catalog.json";

const KNOWN_OPTIONS = ["networkId", "existingSshKeys", "server", "sshKeysVia"];

/** Hetzner Cloud through @pulumi/hcloud. The SDK is loaded only when a machine is created. */
const hetzner: ProviderModule = {
  name: "hetzner",
  description: "Hetzner Cloud servers (x86 CX/CPX and Ampere arm64 CAX) through @pulumi/hcloud",
  requirements: {
    sdkPackage: "@pulumi/hcloud",
    credentials: [
      {
        name: "Hetzner Cloud API token",
        configKeys: ["hcloud:token"],
        envVars: ["HCLOUD_TOKEN"],
        howTo: "Create a read/write API token in the Hetzner Console: your project > Security > API tokens.",
      },
    ],
    tools: [],
  },
  platformFacts: { publicIp: true, firewall: true, resizeInPlace: true },
  catalog: catalog as ProviderModule["catalog"],
  validate(spec) {
    const o = spec.options;
    const { problems, objectOption } = optionChecks("hetzner", o, KNOWN_OPTIONS);
    if (o.networkId !== undefined && !Number.isInteger(o.networkId)) {
      problems.push({
        field: "providerOptions.hetzner.networkId",
        value: JSON.stringify(o.networkId),
        allowed: "the numeric id of a Hetzner network",
        fix: "copy the id from `hcloud network list`",
      });
    }
    if (!spec.publicIp && o.networkId === undefined) {
      problems.push({
        field: "publicIp",
        value: "false",
        allowed:
          "false only together with providerOptions.hetzner.networkId: a Hetzner server needs a public or a private network",
        fix: "set providerOptions: { hetzner: { networkId: <id> } }, or publicIp: true",
      });
    }
    const via = sshKeysViaProblem("hetzner", o);
    if (via) problems.push(via);
    const keys = o.existingSshKeys;
    if (keys !== undefined && !(Array.isArray(keys) && keys.every((k) => typeof k === "string" && k !== ""))) {
      problems.push({
        field: "providerOptions.hetzner.existingSshKeys",
        value: JSON.stringify(keys),
        allowed: "a list of names or ids of SSH keys already in the Hetzner project",
        fix: 'write existingSshKeys: ["my-laptop"]',
      });
    }
    objectOption("server", "hcloud.ServerArgs", "{ backups: true }");
    return problems;
  },
  platformUserData: userDataWithKeys,
  create(spec, parent) {
    const { createHetznerServer } = require("./resources") as typeof import("./resources");
    return createHetznerServer(spec, parent);
  },
};

export default hetzner;
