import type { ProviderModule } from "../../core/contract";
import { CONTRACT_VERSION } from "../../core/contract-version";
import type { FieldProblem } from "../../core/errors";
import catalog from "./catalog.json";
import { proxmoxOptions } from "./options";
import { snippetUserData } from "./user-data";
import { proxmoxLiveState, proxmoxPower } from "./power";

/**
 * Proxmox VE through @muhlba91/pulumi-proxmoxve (bpg provider; there is no @pulumi/proxmoxve). A VM is
 * cloned from a template (`templateVmId`) or created from a cloud image the node downloads. User data
 * goes in as a snippet file, which the provider uploads over SSH to the node: that needs
 * `proxmoxve:ssh` settings, and the snippet datastore must allow the `snippets` content type.
 */
const proxmox: ProviderModule = {
  contractVersion: CONTRACT_VERSION,
  name: "proxmox",
  description:
    "Proxmox VE virtual machines (clone a template or import a cloud image) through @muhlba91/pulumi-proxmoxve",
  requirements: {
    sdkPackage: "@muhlba91/pulumi-proxmoxve",
    credentials: [
      {
        name: "Proxmox VE endpoint",
        secret: false,
        configKeys: ["proxmoxve:endpoint"],
        envVars: ["PROXMOX_VE_ENDPOINT"],
        howTo: "The API URL, e.g. https://pve.example:8006/.",
      },
      {
        name: "Proxmox VE API token or password",
        configKeys: ["proxmoxve:apiToken", "proxmoxve:password"],
        envVars: ["PROXMOX_VE_API_TOKEN", "PROXMOX_VE_PASSWORD"],
        howTo:
          "Create an API token (Datacenter > Permissions > API Tokens) with VM.Allocate, Datastore.AllocateSpace and Sys.Modify; user data also needs SSH to the node (proxmoxve:ssh).",
      },
    ],
    tools: [],
  },
  platformFacts: { publicIp: false, firewall: false, resizeInPlace: true },
  state: proxmoxLiveState,
  catalog: catalog as ProviderModule["catalog"],
  options: proxmoxOptions.schema,
  rules: { customShapes: true },
  validate(spec) {
    const problems: FieldProblem[] = [];
    if (spec.options.templateVmId === undefined && !/^https?:\/\//.test(spec.image.id)) {
      problems.push({
        field: "image",
        value: JSON.stringify(spec.image.id),
        allowed:
          "an alias or an http(s) URL of a cloud image the node can download, or a template (providerOptions.proxmox.templateVmId)",
        fix: 'use image: "debian-12", or clone a template',
      });
    }
    if (spec.firewall.some((r) => r.port !== 22)) {
      problems.push({
        field: "ports",
        value: JSON.stringify(spec.firewall.map((r) => r.port)),
        allowed: "no ports: Machina does not manage the Proxmox firewall (the bridge decides what reaches the VM)",
        fix: "leave ports out, or manage the Proxmox firewall yourself",
      });
    }
    return problems;
  },
  power: proxmoxPower,
  platformUserData: (spec, userData) => snippetUserData(spec, userData),
  create(spec, parent) {
    const { createProxmoxVm } = require("./resources") as typeof import("./resources");
    return createProxmoxVm(spec, parent);
  },
};

export default proxmox;
export type { ProxmoxOptions, ProxmoxTransforms } from "./options";
export type { Transform } from "../kit/transform";
