import { CUSTOM_SHAPE } from "../../core/sizes";
import { portRange } from "../kit/firewall";
import { optionChecks } from "../kit/option-checks";
import type { ProviderModule } from "../../core/contract";
import catalog from "./catalog.json";
import { mergedUserData } from "./cloud-init";

const KNOWN_OPTIONS = ["network", "kernel", "imageChecksum", "shutdownTimeoutSeconds"];

/** libvirt/KVM on this machine, through Machina's own dynamic providers and virsh. */
const libvirt: ProviderModule = {
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
  validate(spec, context) {
    const o = spec.options;
    const { problems, add } = optionChecks("libvirt", o, KNOWN_OPTIONS);
    if (!spec.size.fromCatalog && !CUSTOM_SHAPE.test(spec.size.type)) {
      add(
        "size.type",
        spec.size.type,
        `a catalog type (${catalog.sizes.map((s) => s.type).join(", ")}) or <cpus>cpu-<memory>gb`,
        'write { type: "3cpu-6gb" } or a size class',
      );
    }
    if (o.network !== undefined && (typeof o.network !== "string" || o.network === "")) {
      add(
        "providerOptions.libvirt.network",
        o.network,
        '"user" (user-mode networking, ports on 127.0.0.1) or the name of a libvirt network',
        'write network: "user"',
      );
    }
    const kernel = o.kernel as Record<string, unknown> | undefined;
    if (
      kernel !== undefined &&
      (typeof kernel !== "object" ||
        kernel === null ||
        typeof kernel.kernel !== "string" ||
        !kernel.kernel.startsWith("/"))
    ) {
      add(
        "providerOptions.libvirt.kernel",
        kernel,
        "{ kernel: '/abs/path/vmlinuz', initrd?: '/abs/path/initrd', cmdline?: '...' }",
        "give absolute paths on the libvirt host",
      );
    }
    if (
      o.imageChecksum !== undefined &&
      !(typeof o.imageChecksum === "string" && /^(sha256:)?[0-9a-fA-F]{64}$/.test(o.imageChecksum))
    ) {
      add(
        "providerOptions.libvirt.imageChecksum",
        o.imageChecksum,
        "a sha256 hex digest",
        "copy it from the image's SHA256SUMS",
      );
    }
    const grace = o.shutdownTimeoutSeconds;
    if (grace !== undefined && !(Number.isInteger(grace) && (grace as number) >= 0 && (grace as number) <= 600)) {
      add("providerOptions.libvirt.shutdownTimeoutSeconds", grace, "an integer from 0 to 600", "use 30");
    }
    const image = spec.image.id;
    if (!/^(https?:\/\/|\/|offline:)/.test(image)) {
      add(
        "image",
        image,
        "an alias, an http(s) URL, an absolute path on the libvirt host, or offline:<name>",
        'use image: "debian-12-offline" or { id: "/var/lib/images/my.qcow2" }',
      );
    }
    const network = typeof o.network === "string" ? o.network : (context.config("libvirt:network") ?? "default");
    if (network !== "user" && spec.requestedFirewall.length > 0) {
      // A libvirt network has no firewall Machina manages: a port asked for would silently not be opened.
      add(
        "ports",
        spec.requestedFirewall.map((r) => `${portRange(r)}/${r.protocol}`).join(", "),
        `no ports on the libvirt network ${JSON.stringify(network)}: Machina publishes ports only with user-mode networking, on 127.0.0.1`,
        'set libvirt:network to "user" (or providerOptions.libvirt.network: "user") to forward them to 127.0.0.1, or remove ports (and set openSshPort: false)',
      );
    }
    for (const rule of spec.firewall) {
      if (rule.toPort - rule.port >= 16) {
        add(
          "ports",
          `${rule.port}-${rule.toPort}`,
          "single ports or ranges of at most 16 ports (each is published on 127.0.0.1)",
          "list the ports you need",
        );
      }
    }
    return problems;
  },
  selfHealingResourceTypes: [
    "pulumi-nodejs:dynamic/machina:LibvirtMachine",
    "pulumi-nodejs:dynamic/machina:LibvirtBaseImage",
  ],
  platformUserData: (spec, userData) =>
    mergedUserData({ hostname: spec.hostname, sshUser: spec.sshUser, sshKeys: spec.sshKeys, userData }),
  create(spec, parent) {
    const { createLibvirtMachine } = require("./resources") as typeof import("./resources");
    return createLibvirtMachine(spec, parent);
  },
};

export default libvirt;
