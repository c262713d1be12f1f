/**
 * Which accelerator really works here. /dev/kvm can exist while a KVM guest fails or hangs (nested
 * virtualisation without full support): the probe boots a 512-byte guest with the CPU model KVM
 * domains get (`-cpu host`, host-passthrough) and trusts KVM only when the guest's output arrives.
 * Measured on one machine: the default CPU model runs the probe, `-cpu host` fails at start (MSR
 * 0x10a). On another, the boot sector runs under `-cpu host` but a Linux kernel stops with a KVM
 * emulation failure early in boot: so where the offline busybox guest is built, the probe also boots
 * that Linux kernel and trusts KVM only when its init reports.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import * as path from "node:path";
import { offlineImage } from "./images";

export type Accelerator = "kvm" | "qemu";

/** A boot sector: write "OK\n" to COM1, then halt forever. */
export function probeBootSector(): Buffer {
  const code = [
    0xba,
    0xf8,
    0x03, // mov dx, 0x3f8
    0xb0,
    0x4f,
    0xee, // mov al, 'O'; out dx, al
    0xb0,
    0x4b,
    0xee, // mov al, 'K'; out dx, al
    0xb0,
    0x0a,
    0xee, // mov al, '\n'; out dx, al
    0xf4, // hlt
    0xeb,
    0xfd, // jmp back to hlt
  ];
  const sector = Buffer.alloc(512);
  Buffer.from(code).copy(sector);
  sector[510] = 0x55;
  sector[511] = 0xaa;
  return sector;
}

/** Runs QEMU under KVM with the domains' CPU model until the serial output shows `expected`. */
function bootsUnderKvm(bootArgs: string[], memoryMiB: number, expected: string, timeoutMs: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    let seen = "";
    const child = execFile(
      "qemu-system-x86_64",
      [
        "-accel",
        "kvm",
        "-cpu",
        "host",
        "-machine",
        "pc",
        "-m",
        String(memoryMiB),
        "-display",
        "none",
        "-monitor",
        "none",
        "-serial",
        "stdio",
        "-no-reboot",
        "-nodefaults",
        ...bootArgs,
      ],
      { timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 16 * 1024 * 1024 },
      () => resolve(seen.includes(expected)),
    );
    child.stdout?.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(expected)) child.kill("SIGKILL");
    });
  });
}

/** The offline busybox guest's kernel and initrd, when scripts/build-image.sh has built them. */
function linuxProbeImage(): { kernel: string; initrd: string } | undefined {
  try {
    const image = offlineImage("busybox");
    return image.kernel?.initrd ? { kernel: image.kernel.kernel, initrd: image.kernel.initrd } : undefined;
  } catch {
    return undefined;
  }
}

export async function kvmWorks(timeoutMs = 8000, linux = linuxProbeImage()): Promise<boolean> {
  if (!existsSync("/dev/kvm")) return false;
  const dir = await mkdtemp(path.join(tmpdir(), "machina-kvm-probe-"));
  try {
    const image = path.join(dir, "boot.img");
    await writeFile(image, probeBootSector());
    if (!(await bootsUnderKvm(["-drive", `format=raw,file=${image},if=floppy`, "-boot", "a"], 16, "OK", timeoutMs)))
      return false;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  // Under working KVM this kernel reaches its init in about 2 s.
  return linux
    ? bootsUnderKvm(
        ["-kernel", linux.kernel, "-initrd", linux.initrd, "-append", "console=ttyS0 quiet"],
        256,
        "machina-busybox: up",
        15_000,
      )
    : true;
}

/**
 * The probe's answer holds for one boot of the host and one QEMU binary (it costs up to 15 s where
 * KVM is broken): kept in the user's cache keyed by both, never trusted across a reboot or upgrade.
 */
async function cachedKvmWorks(): Promise<boolean> {
  const file = path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), ".cache"), "machina", "kvm-probe.json");
  const linux = linuxProbeImage();
  const qemu = qemuBinary();
  if (!qemu) return false;
  let key: string;
  try {
    const bootId = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    const binary = statSync(qemu);
    key = JSON.stringify([bootId, binary.ino, binary.mtimeMs, linux?.kernel ?? ""]);
  } catch {
    return kvmWorks(undefined, linux);
  }
  try {
    const cached = JSON.parse(readFileSync(file, "utf8")) as { key: string; kvm: boolean };
    if (cached.key === key) return cached.kvm;
  } catch {
    // No answer kept yet.
  }
  const kvm = await kvmWorks(undefined, linux);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify({ key, kvm }), { mode: 0o600 });
  return kvm;
}

/** The qemu-system-x86_64 that PATH finds, as the probe and libvirt run it. */
function qemuBinary(): string | undefined {
  return (process.env.PATH ?? "")
    .split(path.delimiter)
    .map((dir) => path.join(dir, "qemu-system-x86_64"))
    .find((file) => existsSync(file));
}

let probed: Promise<Accelerator> | undefined;

/** `kvm` when the probe proves it, else `qemu`; a configured value is used as given. */
export function chooseAccelerator(configured?: string): Promise<Accelerator> {
  if (configured === "kvm" || configured === "qemu") return Promise.resolve(configured);
  probed ??= cachedKvmWorks().then((ok) => (ok ? "kvm" : "qemu"));
  return probed;
}
