/** The libvirt domain XML of a Machina machine; pure, so it is tested without a daemon. */

export interface PortForward {
  protocol: "tcp" | "udp";
  hostPort: number;
  guestPort: number;
}

/** QEMU user-mode networking with ports forwarded from 127.0.0.1, or a libvirt network. */
export type NetworkSpec = { mode: "user"; forwards: PortForward[] } | { mode: "network"; name: string };

export interface DomainSpec {
  name: string;
  /** Set when redefining an existing domain (libvirt refuses a second definition of a name otherwise). */
  uuid?: string;
  /** `kvm` or `qemu` (software emulation, TCG). */
  accelerator: "kvm" | "qemu";
  cpus: number;
  memoryMiB: number;
  diskPath: string;
  diskFormat: "qcow2" | "raw";
  seedPath: string;
  consoleLogPath: string;
  network: NetworkSpec;
  kernel?: { kernel: string; initrd?: string; cmdline?: string };
  /** Facts recorded in the domain's metadata (project, stack, Machine name). */
  metadata: Record<string, string>;
  /** The Machine's labels, recorded in the domain's metadata. */
  labels: Record<string, string>;
}

export const METADATA_NS = "https://pulumi-machina.dev/xmlns/machine/1";

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

export function domainXml(spec: DomainSpec): string {
  const e = escapeXml;
  const boot = spec.kernel
    ? [
        `    <kernel>${e(spec.kernel.kernel)}</kernel>`,
        spec.kernel.initrd ? `    <initrd>${e(spec.kernel.initrd)}</initrd>` : "",
        spec.kernel.cmdline ? `    <cmdline>${e(spec.kernel.cmdline)}</cmdline>` : "",
      ].filter(Boolean)
    : ["    <boot dev='hd'/>"];
  const metadata = [
    ...Object.entries(spec.metadata).map(([k, v]) => `      <machina:${k}>${e(v)}</machina:${k}>`),
    ...Object.entries(spec.labels).map(([k, v]) => `      <machina:label key='${e(k)}'>${e(v)}</machina:label>`),
  ].join("\n");
  const nic =
    spec.network.mode === "network"
      ? [
          `    <interface type='network'>`,
          `      <source network='${e(spec.network.name)}'/>`,
          `      <model type='virtio'/>`,
          `    </interface>`,
        ]
      : [];
  // libvirt 9.0 has no port forwarding for user-mode networking: QEMU's own netdev does it, bound to loopback.
  const qemuArgs =
    spec.network.mode === "user"
      ? [
          "  <qemu:commandline>",
          "    <qemu:arg value='-netdev'/>",
          `    <qemu:arg value='${["user", "id=machinanet0", ...spec.network.forwards.map((f) => `hostfwd=${f.protocol}:127.0.0.1:${f.hostPort}-:${f.guestPort}`)].join(",")}'/>`,
          "    <qemu:arg value='-device'/>",
          // A fixed high PCI slot: QEMU places extra devices before libvirt's own, which then collide.
          "    <qemu:arg value='virtio-net-pci,netdev=machinanet0,bus=pci.0,addr=0x1e'/>",
          "  </qemu:commandline>",
        ]
      : [];
  return [
    `<domain type='${spec.accelerator}' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>`,
    `  <name>${e(spec.name)}</name>`,
    spec.uuid ? `  <uuid>${e(spec.uuid)}</uuid>` : "",
    `  <metadata>`,
    `    <machina:machine xmlns:machina='${METADATA_NS}'>`,
    metadata,
    `    </machina:machine>`,
    `  </metadata>`,
    `  <memory unit='MiB'>${spec.memoryMiB}</memory>`,
    `  <currentMemory unit='MiB'>${spec.memoryMiB}</currentMemory>`,
    `  <vcpu placement='static'>${spec.cpus}</vcpu>`,
    `  <os>`,
    `    <type arch='x86_64' machine='pc'>hvm</type>`,
    ...boot,
    `  </os>`,
    `  <features><acpi/><apic/></features>`,
    // Under emulation, QEMU's default CPU model advertises SVM: the guest then loads KVM modules (about a
    // second of emulated CPU at boot) for nested virtualisation no one would run inside an emulated CPU.
    spec.accelerator === "kvm"
      ? `  <cpu mode='host-passthrough'/>`
      : `  <cpu mode='custom' match='exact' check='none'><model fallback='forbid'>qemu64</model><feature policy='disable' name='svm'/></cpu>`,
    `  <on_poweroff>destroy</on_poweroff>`,
    `  <on_reboot>restart</on_reboot>`,
    `  <on_crash>destroy</on_crash>`,
    `  <devices>`,
    `    <disk type='file' device='disk'>`,
    `      <driver name='qemu' type='${spec.diskFormat}' discard='unmap'/>`,
    `      <source file='${e(spec.diskPath)}'/>`,
    `      <target dev='vda' bus='virtio'/>`,
    `    </disk>`,
    `    <disk type='file' device='disk'>`,
    `      <driver name='qemu' type='raw'/>`,
    `      <source file='${e(spec.seedPath)}'/>`,
    `      <target dev='vdb' bus='virtio'/>`,
    `      <readonly/>`,
    `    </disk>`,
    ...nic,
    `    <serial type='file'>`,
    `      <source path='${e(spec.consoleLogPath)}'/>`,
    `      <target port='0'/>`,
    `    </serial>`,
    `    <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>`,
    `    <memballoon model='none'/>`,
    `  </devices>`,
    ...qemuArgs,
    `</domain>`,
    "",
  ]
    .filter((line) => line !== "")
    .join("\n");
}
