import type { ProviderModule } from "../../core/contract";
import { azureLiveState } from "./state";
import { CONTRACT_VERSION } from "../../core/contract-version";
import type { FieldProblem } from "../../core/errors";
import catalog from "./catalog.json";
import { azureOptions } from "./options";
import { azureCustomData } from "./user-data";

/** Marketplace image URN `publisher:offer:sku:version`, or an image resource id. */
export const IMAGE_URN = /^[^:\s]+:[^:\s]+:[^:\s]+:[^:\s]+$/;

/** Azure VMs through @pulumi/azure-native (narrow per-service imports, loaded only when used). */
const azure: ProviderModule = {
  contractVersion: CONTRACT_VERSION,
  name: "azure",
  description: "Azure Linux VMs (B-series x86_64, Bpsv2/Dpsv5 arm64) through @pulumi/azure-native",
  requirements: {
    sdkPackage: "@pulumi/azure-native",
    credentials: [
      {
        name: "Azure subscription",
        secret: false,
        configKeys: ["azure-native:subscriptionId"],
        envVars: ["ARM_SUBSCRIPTION_ID", "AZURE_SUBSCRIPTION_ID"],
        howTo: "Name the subscription the machines are billed to (`az account show --query id`).",
      },
      {
        name: "Azure credentials",
        configKeys: ["azure-native:clientId", "azure-native:useMsi"],
        secretConfigKeys: ["azure-native:clientSecret", "azure-native:clientCertificatePassword"],
        envVars: ["ARM_CLIENT_ID", "AZURE_CLIENT_ID", "ARM_USE_MSI"],
        howTo:
          "Use a service principal (ARM_CLIENT_ID, ARM_CLIENT_SECRET, ARM_TENANT_ID), a managed identity, or `az login`.",
      },
    ],
    tools: [],
  },
  platformFacts: { publicIp: true, firewall: true, resizeInPlace: true },
  state: azureLiveState,
  catalog: catalog as ProviderModule["catalog"],
  options: azureOptions.schema,
  validate(spec) {
    const problems: FieldProblem[] = [];
    if (spec.sshKeys.length === 0) {
      problems.push({
        field: "sshKeys",
        value: "[]",
        allowed: "at least one key: Machina turns password login off on Azure",
        fix: "add your public key to sshKeys",
      });
    }
    if (spec.image.kind !== "alias" && !IMAGE_URN.test(spec.image.id) && !spec.image.id.startsWith("/subscriptions/")) {
      problems.push({
        field: `image.${spec.image.kind}`,
        value: JSON.stringify(spec.image.id),
        allowed: "a marketplace URN publisher:offer:sku:version or an image resource id (/subscriptions/...)",
        fix: "use an alias, or `az vm image list` for a URN",
      });
    }
    return problems;
  },
  // What Azure receives is the base64 customData: the catalog's userDataMaxBytes (87380) is its length
  // for Azure's limit of 65535 decoded bytes.
  platformUserData: (_spec, userData) => azureCustomData(userData),
  create(spec, parent) {
    const { createAzureVm } = require("./resources") as typeof import("./resources");
    return createAzureVm(spec, parent);
  },
};

export default azure;
export type { AzureOptions, AzureTransforms } from "./options";
export type { Transform } from "../kit/transform";
