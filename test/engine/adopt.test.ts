/**
 * Adoption through the real engine on libvirt: busybox domains made with plain `virsh define` (each
 * with a disk of its own, made here) become Machines with `machina adopt`, without being recreated
 * (same UUID, the disk where it was); a following up changes nothing; a spec that differs is an error
 * naming the field, and the stack file is put back; a new size changes the memory of the same domain
 * in place; destroy leaves the adopted domains and their disks, except one adopted with
 * --delete-on-destroy, whose domain goes (its disk, never Machina's, stays).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { offlineImage } from "../../dist/providers/libvirt/images";
import { recordTiming } from "../support/timings";
import type { Untyped } from "../support/untyped";
import { domainExists, enginePath, machina, makeProject, virsh } from "./support";

const URI = "qemu:///system";
const RUN = `adopt${process.pid}`;
const DOMAINS = { legacy: `${RUN}-legacy`, small: `${RUN}-small`, scratch: `${RUN}-scratch` };
const ENVIRONMENT = `# Machines that exist already; \`machina adopt\` records them below.
config:
  machina:provider: libvirt
  machina:machines:
    - name: box
      size: nano # 1 vCPU, 512 MiB: as the domain is
`;
let project: string;
let env: NodeJS.ProcessEnv;
let stackFile: string;
let disks: string;

const uuidOf = (domain: string) => virsh("domuuid", domain);
const maxMemoryKiB = (domain: string) => /^Max memory:\s*(\d+) KiB$/m.exec(virsh("dominfo", domain))?.[1];
const diskOf = (domain: string) => path.join(disks, `${domain}.qcow2`);

/** A busybox domain as someone would define it by hand: 1 vCPU, 512 MiB, its own disk, no Machina metadata. */
function defineByHand(domain: string): void {
  const image = offlineImage("busybox");
  execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", diskOf(domain), "64M"]);
  const file = path.join(disks, `${domain}.xml`);
  writeFileSync(
    file,
    `<domain type='qemu'>
  <name>${domain}</name>
  <memory unit='MiB'>512</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>${image.kernel!.kernel}</kernel>
    <initrd>${image.kernel!.initrd}</initrd>
    <cmdline>${image.kernel!.cmdline ?? "console=ttyS0"}</cmdline>
  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='${diskOf(domain)}'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <serial type='pty'/>
    <memballoon model='none'/>
  </devices>
</domain>
`,
  );
  virsh("define", file);
}

beforeAll(() => {
  disks = mkdtempSync(path.join(tmpdir(), "machina-adopt-disks-"));
  for (const domain of Object.values(DOMAINS)) defineByHand(domain);
  virsh("start", DOMAINS.legacy);
  project = makeProject({ lab: ENVIRONMENT }, "machina-adopt");
  stackFile = path.join(project, "stacks", "Pulumi.lab.yaml");
  env = { ...process.env, PATH: enginePath() };
  delete env.PULUMI_BACKEND_URL;
  delete env.PULUMI_CONFIG_PASSPHRASE;
}, 900_000);

afterAll(() => {
  machina(["destroy", "-e", "lab", "--project-dir", project], env);
  for (const domain of Object.values(DOMAINS)) {
    spawnSync("virsh", ["-c", URI, "destroy", domain]);
    spawnSync("virsh", ["-c", URI, "undefine", domain]);
  }
  rmSync(project, { recursive: true, force: true });
  rmSync(disks, { recursive: true, force: true });
});

/** A machine added to the list right before it is adopted (a plain up in between would create it anew). */
const addMachine = (name: string, size: string) =>
  writeFileSync(
    stackFile,
    readFileSync(stackFile, "utf8").replace(
      "  machina:machines:\n",
      `  machina:machines:\n    - name: ${name}\n      size: ${size}\n`,
    ),
  );
const cli = (...args: string[]) => machina(["--json", ...args, "-e", "lab", "--project-dir", project], env);
const boxOf = (summary: Untyped) => summary.outputs.machineOutputs.box;

describe("adopting a libvirt domain made with plain virsh", () => {
  let uuid: string;

  it("machina adopt: the running domain becomes the Machine box, not recreated, its disk where it was", () => {
    uuid = uuidOf(DOMAINS.legacy);
    const before = readFileSync(stackFile, "utf8");
    const started = Date.now();
    const r = cli("adopt", DOMAINS.legacy, "--as", "box");
    recordTiming("engine: machina adopt (libvirt busybox domain, targeted up)", Date.now() - started);
    expect(r.code, r.err + r.out).toBe(0);
    expect(r.json.changes.replace ?? 0).toBe(0);
    expect(r.json.changes.delete ?? 0).toBe(0);
    expect(boxOf(r.json)).toMatchObject({
      id: uuid,
      state: "running",
      details: { domain: DOMAINS.legacy, adopted: true },
    });
    expect(uuidOf(DOMAINS.legacy)).toBe(uuid);
    expect(virsh("domstate", DOMAINS.legacy)).toBe("running");
    expect(virsh("domblklist", DOMAINS.legacy)).toContain(diskOf(DOMAINS.legacy));
    // The adoption is recorded under config, every other line (the comment included) as it was.
    // (The stack's first run adds its encryption salt.)
    const text = readFileSync(stackFile, "utf8").replace(/^encryptionsalt: .*\n/m, "");
    expect(text.replace(`  machina:adopted:\n    box: ${DOMAINS.legacy}\n`, "")).toBe(before);
  }, 600_000);

  it("a following up changes nothing", () => {
    const r = cli("up");
    expect(r.code, r.err + r.out).toBe(0);
    expect(r.json.changed, JSON.stringify(r.json.changes)).toBe(false);
    expect(uuidOf(DOMAINS.legacy)).toBe(uuid);
  }, 600_000);

  it("a spec that differs from the domain is an error naming size, the domain untouched and the stack file put back", () => {
    addMachine("other", "micro");
    const before = readFileSync(stackFile, "utf8");
    const small = uuidOf(DOMAINS.small);
    const r = cli("adopt", DOMAINS.small, "--as", "other");
    expect(r.code).not.toBe(0);
    expect(r.json.error).toMatch(
      new RegExp(
        `the libvirt domain ${DOMAINS.small} differs from the Machine's spec in 1 field.*\\n\\s+- size: the Machine asks for 1 vCPU and 1024 MiB, the domain has 1 vCPU and 512 MiB`,
      ),
    );
    expect(readFileSync(stackFile, "utf8")).toBe(before);
    expect([uuidOf(DOMAINS.small), maxMemoryKiB(DOMAINS.small), virsh("domstate", DOMAINS.small)]).toEqual([
      small,
      "524288",
      "shut off",
    ]);
    writeFileSync(stackFile, before.replace("    - name: other\n      size: micro\n", ""));
  }, 600_000);

  it("a new size changes the memory of the same domain in place, its disk kept", () => {
    writeFileSync(stackFile, readFileSync(stackFile, "utf8").replace("size: nano # 1 vCPU", "size: micro # 1 vCPU"));
    const started = Date.now();
    const r = cli("up");
    recordTiming("engine: resize an adopted libvirt domain (512 MiB to 1 GiB, in place)", Date.now() - started);
    expect(r.code, r.err + r.out).toBe(0);
    expect(r.json.changes.update).toBeGreaterThanOrEqual(1);
    // (The failed adoption above left the empty Machine component "other", which this up removes.)
    expect([r.json.changes.create ?? 0, r.json.changes.replace ?? 0]).toEqual([0, 0]);
    expect(boxOf(r.json)).toMatchObject({ id: uuid, type: "1cpu-1gb", state: "running" });
    expect(uuidOf(DOMAINS.legacy)).toBe(uuid);
    expect(maxMemoryKiB(DOMAINS.legacy)).toBe("1048576");
    expect(virsh("domblklist", DOMAINS.legacy)).toContain(diskOf(DOMAINS.legacy));
  }, 600_000);

  it("destroy leaves the adopted domain and its disk; one adopted with --delete-on-destroy goes, its disk stays", () => {
    addMachine("scratch", "nano");
    const adopted = cli("adopt", DOMAINS.scratch, "--as", "scratch", "--delete-on-destroy");
    expect(adopted.code, adopted.err + adopted.out).toBe(0);
    expect(readFileSync(stackFile, "utf8")).toContain(
      `    scratch:\n      id: ${DOMAINS.scratch}\n      retainOnDelete: false\n`,
    );
    const r = cli("destroy");
    expect(r.code, r.err + r.out).toBe(0);
    expect(uuidOf(DOMAINS.legacy)).toBe(uuid);
    expect(virsh("domstate", DOMAINS.legacy)).toBe("running");
    expect(existsSync(diskOf(DOMAINS.legacy))).toBe(true);
    expect(domainExists(DOMAINS.scratch)).toBe(false);
    expect(existsSync(diskOf(DOMAINS.scratch))).toBe(true);
    expect(cli("status").json.resources).toBe(0);
  }, 600_000);
});
