/**
 * The README's `pulumi up` section, run as written on a fresh copy of this checkout (its committed
 * files and nothing else): npm ci, the engine, libvirt, login, stack, config, up, output, destroy.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shellBlocks } from "../support/examples";
import { recordTiming } from "../support/timings";
import { domainExists, ROOT } from "./support";

const DOMAIN = "machina-development-dev";
let copy: string;
let keyDir: string;
let pulumiHome: string;

/** A user's shell: no Pulumi settings but the update check off, and a Pulumi home of its own (login writes there). */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PULUMI_HOME: pulumiHome, PULUMI_SKIP_UPDATE_CHECK: "true" };
  for (const key of ["PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE"])
    delete env[key];
  return env;
}

function bash(script: string, timeoutMs: number) {
  const r = spawnSync("bash", ["-euo", "pipefail", "-c", script], {
    cwd: copy,
    env: userEnv(),
    encoding: "utf8",
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function banner(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port, timeout: 10_000 });
    socket.once("data", (d) => (socket.destroy(), resolve(d.toString("latin1").split("\n")[0].trim())));
    socket.once("timeout", () => socket.destroy(new Error("no banner in 10 s")));
    socket.once("error", reject);
  });
}

beforeAll(() => {
  // The same names as a developer's own development stack: never touch one that is running here.
  expect(domainExists(DOMAIN), `a ${DOMAIN} domain exists already: destroy your development stack first`).toBe(false);
  copy = path.join(mkdtempSync(path.join(tmpdir(), "machina-readme-")), "machina");
  mkdirSync(copy);
  const files = execFileSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" }).split("\0").filter(Boolean);
  for (const file of files) cpSync(path.join(ROOT, file), path.join(copy, file), { recursive: true });
  keyDir = mkdtempSync(path.join(tmpdir(), "machina-readme-key-"));
  pulumiHome = mkdtempSync(path.join(tmpdir(), "machina-readme-pulumi-home-"));
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(keyDir, "id_ed25519")]);
});

afterAll(() => {
  if (domainExists(DOMAIN)) bash("pulumi destroy --yes --skip-plugin-pre-install", 600_000);
  rmSync(path.dirname(copy), { recursive: true, force: true });
  for (const dir of [keyDir, pulumiHome]) rmSync(dir, { recursive: true, force: true });
});

describe("README: pulumi up on this repository's stacks", () => {
  it("the commands as written bring up the development stack and tear it down", async () => {
    const [upBlock, destroyBlock] = shellBlocks(
      path.join(ROOT, "README.md"),
      "`pulumi up` on this repository's stacks",
    );
    expect(upBlock).toMatch(/^npm ci\b/);
    const t = Date.now();
    const up = bash(upBlock.replaceAll("~/.ssh/id_ed25519.pub", path.join(keyDir, "id_ed25519.pub")), 1_500_000);
    expect(up.code, up.out.slice(-4000) + up.err.slice(-4000)).toBe(0);
    recordTiming("README pulumi CLI: npm ci + up of the development stack", Date.now() - t);

    // The last command printed the machines' outputs as JSON.
    const outputs = JSON.parse(up.out.slice(up.out.lastIndexOf("\n{") + 1)) as Record<string, { ssh: string }>;
    const port = Number(/^ssh -p (\d+) machina@127\.0\.0\.1$/.exec(outputs.dev.ssh)?.[1]);
    expect(port).toBeGreaterThan(0);
    expect(await banner(port)).toMatch(/^SSH-2\.0-OpenSSH/);
    expect(readFileSync(path.join(copy, "stacks", "Pulumi.development.yaml"), "utf8")).toContain(
      readFileSync(path.join(keyDir, "id_ed25519.pub"), "utf8").trim(),
    );

    const destroy = bash(
      `${upBlock
        .split("\n")
        .filter((l) => /^export /.test(l))
        .join("\n")}\n${destroyBlock}`,
      600_000,
    );
    expect(destroy.code, destroy.out + destroy.err).toBe(0);
    expect(domainExists(DOMAIN)).toBe(false);
  }, 1_800_000);
});
