import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll } from "vitest";
import type { MachineArgs } from "../../dist/index";
import type { Untyped } from "../support/untyped";

export const ROOT = path.resolve(__dirname, "../..");
export const CLI = path.join(ROOT, "dist/automation/cli.js");

/** PATH with the engine scripts/setup-engine.sh provides (built once per machine, cached). */
export function enginePath(): string {
  const bin = execFileSync("bash", [path.join(ROOT, "scripts/setup-engine.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  })
    .trim()
    .split("\n")
    .pop()!;
  return `${bin}:${process.env.PATH}`;
}

/**
 * For the test file that calls it: the engine on PATH, and neither a backend nor a passphrase from
 * the caller's environment (programs run on their own file backend), all put back after the file.
 */
export function engineOnPathForThisFile(): void {
  const saved = {
    PATH: process.env.PATH,
    PULUMI_BACKEND_URL: process.env.PULUMI_BACKEND_URL,
    PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE,
  };
  beforeAll(() => {
    process.env.PATH = enginePath();
    delete process.env.PULUMI_BACKEND_URL;
    delete process.env.PULUMI_CONFIG_PASSPHRASE;
  }, 900_000);
  afterAll(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });
}

/**
 * A Pulumi project in a temporary directory that runs this checkout's stack program, with the
 * repository's environment files copied in and extra ones added; node_modules is the checkout's.
 */
export function makeProject(extraEnvironments: Record<string, string> = {}, projectName = "machina-e2e"): string {
  const dir = mkdtempSync(path.join(tmpdir(), "machina-engine-"));
  writeFileSync(
    path.join(dir, "Pulumi.yaml"),
    `name: ${projectName}\nruntime:\n  name: nodejs\nmain: index.js\nstackConfigDir: stacks\n`,
  );
  writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({ name: "machina-e2e-project", private: true, main: "index.js" }),
  );
  writeFileSync(
    path.join(dir, "index.js"),
    `module.exports = require(${JSON.stringify(path.join(ROOT, "dist/stacks/index.js"))});\n`,
  );
  symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
  mkdirSync(path.join(dir, "stacks"));
  // The environment as committed: without the salt and keys a local `scripts/dev.sh` run may have added.
  const development = readFileSync(path.join(ROOT, "stacks/Pulumi.development.yaml"), "utf8")
    .replace(/^encryptionsalt: .*\n/m, "")
    .replace(/^  machina:sshKeys:\n(    - .*\n)+/m, "");
  writeFileSync(path.join(dir, "stacks/Pulumi.development.yaml"), development);
  for (const [name, yaml] of Object.entries(extraEnvironments))
    writeFileSync(path.join(dir, "stacks", `Pulumi.${name}.yaml`), yaml);
  return dir;
}

/** An environment of one busybox machine on libvirt with user-mode networking (boots in seconds). */
export function busyboxEnvironment(options: { waitForReadySeconds?: number } = {}): string {
  const ready =
    options.waitForReadySeconds === undefined
      ? ""
      : `      waitForReady:\n        timeoutSeconds: ${options.waitForReadySeconds}\n`;
  return `config:
  machina:provider: libvirt
  libvirt:network: user
  machina:machines:
    - name: box
      size: nano
      image: busybox-offline
      diskGiB: 1
${ready}`;
}

export interface CliResult {
  code: number | null;
  out: string;
  err: string;
  /** What `--json` printed; empty when it printed no JSON, so an assertion on a field of it fails. */
  json: Untyped;
}

export function machina(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 900_000): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    env,
    encoding: "utf8",
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  let json: Untyped = {};
  if (args.includes("--json")) {
    try {
      json = JSON.parse(r.stdout) as Untyped;
    } catch {
      // not JSON: stays empty
    }
  }
  return { code: r.status, out: r.stdout, err: r.stderr, json };
}

/** Starts the CLI in its own process group, so the engine under it can be killed with it. */
export function machinaDetached(args: string[], env: NodeJS.ProcessEnv) {
  return spawn(process.execPath, [CLI, ...args], { env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
}

/** `virsh` on the system libvirt, its output trimmed; throws when it fails. */
export function virsh(...args: string[]): string {
  return execFileSync("virsh", ["-c", "qemu:///system", ...args], { encoding: "utf8" }).trim();
}

/**
 * An inline program for the Automation functions (`automation/operations`): one busybox Machine `vm`
 * on libvirt with user networking (nano, 1 GiB disk, SSH readiness), `machine` over those; its
 * outputs are the machine's id, ssh command and libvirt domain.
 */
export async function busyboxInlineStack(
  stack: { projectName: string; stackName: string; stateDir: string },
  machine: Partial<MachineArgs> = {},
) {
  const { Machine } = await import("../../dist/index.js");
  return {
    ...stack,
    config: { "machina:provider": "libvirt", "libvirt:network": "user" },
    program: async () => {
      const m = new Machine("vm", {
        size: "nano",
        image: "busybox-offline",
        diskGiB: 1,
        waitForReady: { timeoutSeconds: 180 },
        ...machine,
      });
      return { id: m.id, ssh: m.ssh, domain: m.details.apply((d) => d.domain as string) };
    },
  };
}

export function domainExists(name: string): boolean {
  return spawnSync("virsh", ["-c", "qemu:///system", "dominfo", name], { encoding: "utf8" }).status === 0;
}

export function listDomains(): string[] {
  return execFileSync("virsh", ["-c", "qemu:///system", "list", "--all", "--name"], { encoding: "utf8" })
    .split("\n")
    .map((s) => s.trim())
    .filter(Boolean);
}
