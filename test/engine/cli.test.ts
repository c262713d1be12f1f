/**
 * The development stack through the `machina` CLI on the real Pulumi engine, with libvirt and a real
 * Debian guest: up, an idle up, refresh, drift after deleting the VM behind Pulumi's back, destroy.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordTiming } from "../support/timings";
import { domainExists, enginePath, machina, makeProject } from "./support";

const DOMAIN = "machina-e2e-development-dev";
let project: string;
let env: NodeJS.ProcessEnv;
let keyDir: string;

beforeAll(() => {
  project = makeProject();
  keyDir = mkdtempSync(path.join(tmpdir(), "machina-engine-key-"));
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(keyDir, "id")]);
  env = { ...process.env, PATH: enginePath() };
  delete env.PULUMI_BACKEND_URL;
  delete env.PULUMI_CONFIG_PASSPHRASE;
}, 900_000);

afterAll(() => {
  if (domainExists(DOMAIN)) machina(["destroy", "-e", "development", "--project-dir", project], env);
  rmSync(project, { recursive: true, force: true });
  rmSync(keyDir, { recursive: true, force: true });
});

const cli = (...args: string[]) => machina(["--json", ...args, "-e", "development", "--project-dir", project], env);

function sshPort(outputs: { machineOutputs: { dev: { ssh: string } } }): number {
  return Number(/-p (\d+)/.exec(outputs.machineOutputs.dev.ssh)![1]);
}

function sshHostname(port: number): string {
  const r = spawnSync(
    "ssh",
    [
      "-i",
      path.join(keyDir, "id"),
      "-p",
      String(port),
      "-o",
      "StrictHostKeyChecking=no",
      "-o",
      "UserKnownHostsFile=/dev/null",
      "-o",
      "BatchMode=yes",
      "-o",
      "LogLevel=ERROR",
      "-o",
      "ConnectTimeout=10",
      "machina@127.0.0.1",
      "hostname",
    ],
    { encoding: "utf8", timeout: 60_000 },
  );
  return r.stdout.trim();
}

describe("machina CLI on the development stack", () => {
  let firstPort: number;

  it("up creates the machine and waits until it answers", () => {
    const t = Date.now();
    const r = cli("up", "--ssh-key-file", path.join(keyDir, "id.pub"));
    expect(r.code, r.out + r.err).toBe(0);
    recordTiming("engine: machina up development (Debian guest, to SSH ready)", Date.now() - t);
    expect(r.json).toMatchObject({
      operation: "up",
      stack: "development",
      environment: "development",
      provider: "libvirt",
      ok: true,
      changed: true,
    });
    expect(r.json.changes.create).toBeGreaterThanOrEqual(4);
    const dev = r.json.outputs.machineOutputs.dev;
    expect(dev).toMatchObject({
      provider: "libvirt",
      region: "local",
      type: "1cpu-2gb",
      sshUser: "machina",
      privateIp: "10.0.2.15",
    });
    expect(dev.details.accelerator).toMatch(/^(kvm|qemu)$/);
    expect(domainExists(DOMAIN)).toBe(true);
    firstPort = sshPort(r.json.outputs);
    expect(sshHostname(firstPort)).toBe("dev");
  }, 900_000);

  it("a second up changes nothing, and preview --expect-no-changes agrees", () => {
    const up = cli("up");
    expect(up.code, up.err).toBe(0);
    expect(up.json.changed).toBe(false);
    expect(Object.keys(up.json.changes)).toEqual(["same"]);
    expect(cli("preview", "--expect-no-changes").code).toBe(0);
  }, 600_000);

  it("refresh finds no drift", () => {
    const r = cli("refresh");
    expect(r.code, r.err).toBe(0);
    expect(r.json.changed).toBe(false);
  }, 600_000);

  it("after the VM is deleted behind Pulumi's back, refresh notices and up recreates it", () => {
    execFileSync("virsh", ["-c", "qemu:///system", "destroy", DOMAIN]);
    execFileSync("virsh", ["-c", "qemu:///system", "undefine", DOMAIN]);
    const refresh = cli("refresh");
    expect(refresh.code, refresh.err).toBe(0);
    expect(refresh.json.changes.delete).toBe(1);
    // The stack outputs still describe the deleted machine: refresh lists it as gone, with no ssh line.
    expect(refresh.json.goneMachines).toEqual(["dev"]);
    expect(refresh.json.outputs.machineOutputs).toEqual({});
    const status = cli("status");
    expect(status.json.goneMachines).toEqual(["dev"]);
    const text = machina(["status", "-e", "development", "--project-dir", project], env);
    expect(text.out).toMatch(/^  dev: gone \(deleted outside the stack; `machina up` creates it again\)$/m);
    expect(text.out).not.toMatch(/ssh -p/);
    const pending = machina(["preview", "--expect-no-changes", "-e", "development", "--project-dir", project], env);
    expect(pending.code).toBe(3);
    expect(pending.out).toMatch(/preview found changes where none were expected: create 1/);
    const t = Date.now();
    const up = cli("up");
    expect(up.code, up.err).toBe(0);
    recordTiming("engine: machina up recreating the deleted VM", Date.now() - t);
    expect(up.json.changes.create).toBe(1);
    expect(domainExists(DOMAIN)).toBe(true);
    expect(sshHostname(sshPort(up.json.outputs))).toBe("dev");
  }, 900_000);

  it("the state holds no plaintext secret", () => {
    const stateFile = execFileSync(
      "find",
      [path.join(project, ".pulumi-state", ".pulumi", "stacks"), "-name", "development.json"],
      { encoding: "utf8" },
    ).trim();
    const state = readFileSync(stateFile, "utf8");
    const { passphraseFile } =
      require("../../dist/automation/passphrase") as typeof import("../../automation/passphrase");
    const passphrase = readFileSync(passphraseFile(path.join(project, ".pulumi-state")), "utf8").trim();
    expect(state).not.toContain(passphrase);
    expect(state).not.toMatch(/PRIVATE KEY/);
    expect(state).toContain(readFileSync(path.join(keyDir, "id.pub"), "utf8").trim().split(" ")[1]);
  });

  it("destroy leaves no domain, disk or seed, and an empty stack", () => {
    const r = cli("destroy");
    expect(r.code, r.err).toBe(0);
    expect(r.json.changes.delete).toBeGreaterThanOrEqual(4);
    expect(domainExists(DOMAIN)).toBe(false);
    expect(existsSync(path.join("/var/lib/machina/libvirt", DOMAIN))).toBe(false);
    const status = cli("status");
    expect(status.code).toBe(0);
    expect(status.json.resources).toBe(0);
  }, 600_000);

  it("an unknown environment is a usage mistake (exit 2) found before the engine runs, listing the known ones", () => {
    const r = machina(["up", "-e", "qa", "--project-dir", project], env);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown environment "qa": known environments are development/);
  });
});
