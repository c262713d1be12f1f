import type { ProviderModule } from "../../core/contract";
import { CONTRACT_VERSION } from "../../core/contract-version";
import catalog from "./catalog.json";
import { gcpOptions } from "./options";
import { gceUserData } from "./user-data";
import { gcpLiveState, gcpPower } from "./power";

/** Google Compute Engine through @pulumi/gcp (narrow `@pulumi/gcp/compute` imports, loaded only when used). */
const gcp: ProviderModule = {
  contractVersion: CONTRACT_VERSION,
  name: "gcp",
  description: "Google Compute Engine instances (E2 x86_64, Tau T2A arm64) through @pulumi/gcp",
  requirements: {
    sdkPackage: "@pulumi/gcp",
    credentials: [
      {
        name: "Google Cloud project",
        secret: false,
        configKeys: ["gcp:project"],
        envVars: ["GOOGLE_PROJECT", "GOOGLE_CLOUD_PROJECT", "CLOUDSDK_CORE_PROJECT"],
        howTo: "Name the project the machines belong to.",
      },
      {
        name: "Google Cloud credentials",
        configKeys: ["gcp:credentials"],
        envVars: ["GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CREDENTIALS"],
        howTo: "Use a service account key file with Compute Admin, or `gcloud auth application-default login`.",
      },
    ],
    tools: [],
  },
  platformFacts: { publicIp: true, firewall: true, resizeInPlace: true },
  state: gcpLiveState,
  catalog: catalog as ProviderModule["catalog"],
  options: gcpOptions.schema,
  power: gcpPower,
  platformUserData: (_spec, userData) => gceUserData(userData),
  create(spec, parent) {
    const { createComputeInstance } = require("./resources") as typeof import("./resources");
    return createComputeInstance(spec, parent);
  },
};

export default gcp;
export type { GcpOptions, GcpTransforms } from "./options";
export type { Transform } from "../kit/transform";
