/**
 * Which accelerator really works here. /dev/kvm can exist while a KVM guest fails or hangs (nested
 * virtualisation without full support): the probe boots a 512-byte guest with the CPU model KVM
 * domains get (`-cpu host`, host-passthrough) and trusts KVM only when the guest's output arrives.
 * Measured here: the default CPU model runs the probe, `-cpu host` fails at start (MSR 0x10a), and
 * real guests hang or fail under KVM.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";

export type Accelerator = "kvm" | "qemu";

/** A boot sector: write "OK\n" to COM1, then halt forever. */
export function probeBootSector(): Buffer {
  const code = [
    0xba, 0xf8, 0x03, // mov dx, 0x3f8
    0xb0, 0x4f, 0xee, // mov al, 'O'; out dx, al
    0xb0, 0x4b, 0xee, // mov al, 'K'; out dx, al
    0xb0, 0x0a, 0xee, // mov al, '\n'; out dx, al
    0xf4, // hlt
    0xeb, 0xfd, // jmp back to hlt
  ];
  const sector = Buffer.alloc(512);
  Buffer.from(code).copy(sector);
  sector[510] = 0x55;
  sector[511] = 0xaa;
  return sector;
}

export async function kvmWorks(timeoutMs = 8000): Promise<boolean> {
  if (!existsSync("/dev/kvm")) return false;
  const dir = await mkdtemp(path.join(tmpdir(), "machina-kvm-probe-"));
  try {
    const image = path.join(dir, "boot.img");
    await writeFile(image, probeBootSector());
    return await new Promise<boolean>((resolve) => {
      const child = execFile(
        "qemu-system-x86_64",
        ["-accel", "kvm", "-cpu", "host", "-machine", "pc", "-m", "16", "-display", "none", "-monitor", "none", "-serial", "stdio", "-no-reboot", "-nodefaults",
          "-drive", `format=raw,file=${image},if=floppy`, "-boot", "a"],
        { timeout: timeoutMs, killSignal: "SIGKILL" },
        (_err, stdout) => resolve(/OK/.test(stdout ?? "")),
      );
      let seen = "";
      child.stdout?.on("data", (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes("OK")) child.kill("SIGKILL");
      });
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

let probed: Promise<Accelerator> | undefined;

/** `kvm` when the probe proves it, else `qemu`; a configured value is used as given. */
export function chooseAccelerator(configured?: string): Promise<Accelerator> {
  if (configured === "kvm" || configured === "qemu") return Promise.resolve(configured);
  probed ??= kvmWorks().then((ok) => (ok ? "kvm" : "qemu"));
  return probed;
}
