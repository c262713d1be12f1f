import { portRange } from "../kit/firewall";
import type { ProviderModule } from "../../core/contract";
import { CONTRACT_VERSION } from "../../core/contract-version";
import type { FieldProblem } from "../../core/errors";
import catalog from "./catalog.json";
import { mergedUserData } from "./cloud-init";
import { libvirtOptions } from "./options";
import { LIBVIRT_MACHINE_TYPE, libvirtLiveState, libvirtPower } from "./power";
import { libvirtAdopt } from "./adopt";

/** libvirt/KVM on this machine, through Machina's own dynamic providers and virsh. */
const libvirt: ProviderModule = {
  contractVersion: CONTRACT_VERSION,
  name: "libvirt",
  description:
    "libvirt/QEMU on the local host (KVM when it works, else software emulation), through Machina's dynamic providers",
  requirements: {
    credentials: [],
    tools: [
      {
        command: "virsh",
        howTo:
          "apt-get install libvirt-clients libvirt-daemon-driver-qemu qemu-system-x86, or run scripts/libvirt-daemon.sh start",
      },
      { command: "qemu-img", howTo: "apt-get install qemu-utils" },
      { command: "genisoimage", howTo: "apt-get install genisoimage" },
    ],
  },
  platformFacts: { publicIp: false, firewall: false, resizeInPlace: true },
  catalog: catalog as ProviderModule["catalog"],
  options: libvirtOptions.schema,
  rules: { customShapes: true, maxPortRange: { ports: 16, reason: "each is published on 127.0.0.1" } },
  validate(spec, context) {
    const problems: FieldProblem[] = [];
    const image = spec.image.id;
    if (spec.image.kind === "snapshot") {
      // A Snapshot's id (an Output) is its copy's path; a plain one must be such a path.
      const id = spec.image.snapshot;
      if (typeof id === "string" && !id.startsWith("/"))
        problems.push({
          field: "image.snapshot",
          value: JSON.stringify(id),
          allowed: "a libvirt Snapshot's id: the absolute path of its copy (`machina snapshots` lists them)",
          fix: "use image: snap.image, or { snapshot: <the id machina snapshots shows> }",
        });
    } else if (!/^(https?:\/\/|\/|offline:)/.test(image)) {
      problems.push({
        field: "image",
        value: JSON.stringify(image),
        allowed: "an alias, an http(s) URL, an absolute path on the libvirt host, or offline:<name>",
        fix: 'use image: "debian-12-offline" or { id: "/var/lib/images/my.qcow2" }',
      });
    }
    const o = spec.options;
    const network = typeof o.network === "string" ? o.network : (context.config("libvirt:network") ?? "default");
    if (network !== "user" && spec.requestedFirewall.length > 0) {
      // A libvirt network has no firewall Machina manages: a port asked for would silently not be opened.
      problems.push({
        field: "ports",
        value: JSON.stringify(spec.requestedFirewall.map((r) => `${portRange(r)}/${r.protocol}`).join(", ")),
        allowed: `no ports on the libvirt network ${JSON.stringify(network)}: Machina publishes ports only with user-mode networking, on 127.0.0.1`,
        fix: 'set libvirt:network to "user" (or providerOptions.libvirt.network: "user") to forward them to 127.0.0.1, or remove ports (and set openSshPort: false)',
      });
    }
    if (spec.adopt && spec.requestedFirewall.length > 0) {
      problems.push({
        field: "ports",
        value: JSON.stringify(spec.requestedFirewall.map((r) => `${portRange(r)}/${r.protocol}`).join(", ")),
        allowed: "no ports on an adopted domain: it keeps its own network, and Machina publishes no ports for it",
        fix: "remove ports from this machine (forward them in the domain's own definition)",
      });
    }
    return problems;
  },
  selfHealingResourceTypes: [
    LIBVIRT_MACHINE_TYPE,
    "pulumi-nodejs:dynamic/machina:LibvirtBaseImage",
    "pulumi-nodejs:dynamic/machina:LibvirtSnapshot",
  ],
  power: libvirtPower,
  adopt: libvirtAdopt,
  state: libvirtLiveState,
  snapshot(request, parent) {
    const { createLibvirtSnapshot } = require("./snapshot-resources") as typeof import("./snapshot-resources");
    return createLibvirtSnapshot(request, parent);
  },
  platformUserData: (spec, userData) =>
    mergedUserData({ hostname: spec.hostname, sshUser: spec.sshUser, sshKeys: spec.sshKeys, userData }),
  create(spec, parent) {
    const { createLibvirtMachine } = require("./resources") as typeof import("./resources");
    return createLibvirtMachine(spec, parent);
  },
};

export default libvirt;
export type { LibvirtOptions } from "./options";
