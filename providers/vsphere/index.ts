import { CONTRACT_VERSION } from "../../core/contract-version";
import { portRange } from "../kit/firewall";
import type { FieldProblem } from "../../core/errors";
import type { ProviderModule } from "../../core/contract";
import catalog from "./catalog.json";
import { CONFIG_KEYS, ENV_VARS } from "./connection";
import { rawSetting, settingProblem, VSPHERE_SETTINGS, vsphereOptionSchema } from "./settings";
import { platformUserData } from "./user-data";

/** A template reference: a managed object id, an absolute inventory path, or a path in the datacenter's VM folder. */
const TEMPLATE_ID = /^(vm-\d+|\/?[^\s/][^\n\r]*)$/;

/** VMware vSphere (vCenter) through Machina's dynamic provider and the vSphere SOAP and REST APIs. */
const vsphere: ProviderModule = {
  contractVersion: CONTRACT_VERSION,
  name: "vsphere",
  description:
    "VMware vSphere (vCenter): VMs cloned from templates, cloud-init through guestinfo, labels as tags, through Machina's dynamic provider",
  requirements: {
    credentials: [
      {
        name: "vCenter server",
        configKeys: [CONFIG_KEYS.server],
        envVars: [ENV_VARS.server],
        secret: false,
        howTo:
          "The vCenter host name (or host:port). vsphere:allowUnverifiedSsl / VSPHERE_ALLOW_UNVERIFIED_SSL=true accepts a self-signed certificate.",
      },
      {
        name: "vCenter user",
        configKeys: [CONFIG_KEYS.user],
        envVars: [ENV_VARS.user],
        secret: false,
        howTo:
          "A user allowed to clone, reconfigure, power and destroy VMs in the target folder and pool, and to create and attach tags.",
      },
      {
        name: "vCenter password",
        configKeys: [CONFIG_KEYS.password],
        envVars: [ENV_VARS.password],
        howTo:
          "The vCenter user's password; `machina validate` probes the server with VSPHERE_PASSWORD (a stack secret stays encrypted there).",
      },
    ],
    tools: [],
  },
  platformFacts: { publicIp: false, firewall: false, resizeInPlace: true },
  rules: { customShapes: true },
  options: vsphereOptionSchema(),
  catalog: catalog as ProviderModule["catalog"],
  validate(spec, context) {
    const o = spec.options;
    const problems: FieldProblem[] = [];
    const add = (field: string, value: unknown, allowed: string, fix: string) =>
      problems.push({ field, value: value === undefined ? "undefined" : JSON.stringify(value), allowed, fix });
    // Options are checked by core against `options`; what comes from the stack's vsphere:<key> config is checked here.
    for (const setting of VSPHERE_SETTINGS) {
      if (o[setting.key] !== undefined) continue;
      const raw = rawSetting(setting.key, o, (key) => context.config(`vsphere:${key}`));
      const allowed = settingProblem(setting, raw);
      if (allowed) add(`vsphere:${setting.key}`, raw, allowed, `set ${setting.key} to ${setting.description}`);
    }
    if (!TEMPLATE_ID.test(spec.image.id)) {
      add(
        "image",
        spec.image.id,
        "an alias, a template's inventory path (/DC0/vm/templates/debian-12), a path in the datacenter's VM folder (templates/debian-12) or a managed object id (vm-42)",
        'use image: "debian-12" or { id: "templates/my-template" }',
      );
    }
    if (spec.diskGiB !== undefined && spec.diskGiB > 62 * 1024) {
      add("diskGiB", spec.diskGiB, "at most 63488 GiB (vSphere's 62 TiB disk limit)", "use 20");
    }
    if (spec.requestedFirewall.length > 0) {
      // vSphere has no per-VM firewall Machina manages (NSX is out of scope): a port asked for would silently stay closed.
      add(
        "ports",
        spec.requestedFirewall.map((r) => `${portRange(r)}/${r.protocol}`).join(", "),
        "no ports: Machina manages no firewall on vSphere (the VM's network decides what reaches it)",
        "remove ports (and set openSshPort: false), and open them in your network or NSX",
      );
    }
    return problems;
  },
  async probe(context) {
    const { probeVsphere } = require("./probe") as typeof import("./probe");
    return probeVsphere(process.env, context?.config, context?.images);
  },
  selfHealingResourceTypes: ["pulumi-nodejs:dynamic/machina:VsphereMachine"],
  platformUserData: (spec, userData) => platformUserData(spec, userData),
  create(spec, parent) {
    const { createVsphereMachine } = require("./resources") as typeof import("./resources");
    return createVsphereMachine(spec, parent);
  },
};

export default vsphere;
