import { userDataWithKeys } from "../kit/ssh-keys-via";
import type { ProviderModule } from "../../core/contract";
import { hetznerLiveState } from "./state";
import { CONTRACT_VERSION } from "../../core/contract-version";
import type { FieldProblem } from "../../core/errors";
import catalog from "./catalog.json";
import { hetznerOptions } from "./options";

/** Hetzner Cloud through @pulumi/hcloud. The SDK is loaded only when a machine is created. */
const hetzner: ProviderModule = {
  contractVersion: CONTRACT_VERSION,
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
  state: hetznerLiveState,
  catalog: catalog as ProviderModule["catalog"],
  options: hetznerOptions.schema,
  validate(spec) {
    const problems: FieldProblem[] = [];
    if (!spec.publicIp && spec.options.networkId === undefined) {
      problems.push({
        field: "publicIp",
        value: "false",
        allowed:
          "false only together with providerOptions.hetzner.networkId: a Hetzner server needs a public or a private network",
        fix: "set providerOptions: { hetzner: { networkId: <id> } }, or publicIp: true",
      });
    }
    return problems;
  },
  platformUserData: userDataWithKeys,
  create(spec, parent) {
    const { createHetznerServer } = require("./resources") as typeof import("./resources");
    return createHetznerServer(spec, parent);
  },
};

export default hetzner;
export type { HetznerOptions, HetznerTransforms } from "./options";
export type { Transform } from "../kit/transform";
