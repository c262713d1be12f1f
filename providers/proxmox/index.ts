import { CUSTOM_SHAPE } from "../../core/sizes";
import { optionChecks } from "../kit/option-checks";
import type { ProviderModule } from "../../core/contract";
import catalog from "./catalog.json";
import { snippetUserData } from "./user-data";

const KNOWN_OPTIONS = [
  "node",
  "datastore",
  "imageDatastore",
  "snippetDatastore",
  "bridge",
  "templateVmId",
  "guestAgent",
  "vm",
];

/**
 * Proxmox VE through @muhlba91/pulumi-proxmoxve (bpg provider; there is no @pulumi/proxmoxve). A VM is
 * cloned from a template (`templateVmId`) or created from a cloud image the node downloads. User data
 * goes in as a snippet file, which the provider uploads over SSH to the node: that needs
 * `proxmoxve:ssh` settings, and the snippet datastore must allow the `snippets` content type.
 */
const proxmox: ProviderModule = {
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
  catalog: catalog as ProviderModule["catalog"],
  validate(spec) {
    const o = spec.options;
    const { problems, add } = optionChecks("proxmox", o, KNOWN_OPTIONS);
    for (const key of ["node", "datastore", "imageDatastore", "snippetDatastore", "bridge"]) {
      if (
        o[key] !== undefined &&
        !(typeof o[key] === "string" && /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(o[key] as string))
      ) {
        add(
          `providerOptions.proxmox.${key}`,
          o[key],
          "a Proxmox name (letters, digits, . _ -)",
          "copy it from the Proxmox UI",
        );
      }
    }
    if (o.templateVmId !== undefined && !(Number.isInteger(o.templateVmId) && (o.templateVmId as number) >= 100)) {
      add(
        "providerOptions.proxmox.templateVmId",
        o.templateVmId,
        "the VM id (100 or more) of a template to clone",
        "use the id shown next to the template",
      );
    }
    if (o.templateVmId === undefined && !/^https?:\/\//.test(spec.image.id)) {
      add(
        "image",
        spec.image.id,
        "an alias or an http(s) URL of a cloud image the node can download, or a template (providerOptions.proxmox.templateVmId)",
        'use image: "debian-12", or clone a template',
      );
    }
    if (!spec.size.fromCatalog && !CUSTOM_SHAPE.test(spec.size.type)) {
      add(
        "size.type",
        spec.size.type,
        `a catalog type or <cpus>cpu-<memory>gb`,
        'write { type: "3cpu-6gb" } or a size class',
      );
    }
    if (spec.firewall.some((r) => r.port !== 22)) {
      add(
        "ports",
        spec.firewall.map((r) => r.port),
        "no ports: Machina does not manage the Proxmox firewall (the bridge decides what reaches the VM)",
        "leave ports out, or manage the Proxmox firewall yourself",
      );
    }
    return problems;
  },
  platformUserData: (spec, userData) => snippetUserData(spec, userData),
  create(spec, parent) {
    const { createProxmoxVm } = require("./resources") as typeof import("./resources");
    return createProxmoxVm(spec, parent);
  },
};

export default proxmox;
