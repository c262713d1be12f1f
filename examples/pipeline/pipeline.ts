/**
 * A delivery pipeline on Machina's Automation API: preview, refuse destructive changes, up, smoke-test
 * the machine over SSH, prove a second preview is clean, destroy. Exit code 0 only if every step passed.
 */
import { spawnSync } from "node:child_process";
import * as net from "node:net";
import { Machine } from "pulumi-machina";
import { run, type InlineTarget, type Summary } from "pulumi-machina/automation";

const image = process.env.MACHINE_IMAGE ?? "debian-12-offline";
const identityFile = process.env.SSH_IDENTITY_FILE; // with SSH_PUBLIC_KEY: log in and run a command
const publicKey = process.env.SSH_PUBLIC_KEY;
const keep = process.env.KEEP === "1";

const target: InlineTarget = {
  projectName: "pipeline-example",
  stackName: process.env.STACK ?? "ci",
  stateDir: process.env.STATE_DIR ?? ".pulumi-state",
  config: { "libvirt:network": "user" },
  program: async () => {
    const app = new Machine("app", {
      provider: "libvirt",
      size: "nano",
      image,
      diskGiB: image.startsWith("busybox") ? 1 : 4,
      sshKeys: publicKey ? [publicKey] : [],
      waitForReady: { timeoutSeconds: 600 },
    });
    return { ssh: app.ssh, state: app.details.apply((d) => d.state) };
  },
};

function step(name: string, summary: Summary): Summary {
  const changes = Object.entries(summary.changes)
    .map(([op, n]) => `${op}=${n}`)
    .join(" ");
  console.log(
    `${summary.ok ? "ok  " : "FAIL"} ${name}: ${changes || "no changes"} (${summary.durationSeconds.toFixed(1)} s)`,
  );
  if (!summary.ok) throw new Error(`${name} failed: ${summary.error} (${summary.failure?.class ?? "unknown"})`);
  return summary;
}

/** `ssh -p 40022 machina@127.0.0.1` -> its parts. */
function parseSsh(command: string): { user: string; host: string; port: number } {
  const m = /^ssh (?:-p (\d+) )?([^@\s]+)@(\S+)$/.exec(command);
  if (!m) throw new Error(`unexpected ssh output: ${command}`);
  return { port: Number(m[1] ?? 22), user: m[2], host: m[3] };
}

/** The SSH server answers with its banner; with a key, a login runs `cloud-init status --wait`. */
async function smokeTest(ssh: string): Promise<string> {
  const { user, host, port } = parseSsh(ssh);
  const banner = await new Promise<string>((resolve, reject) => {
    const socket = net.connect({ host, port, timeout: 10_000 });
    socket.once("data", (data) => {
      socket.destroy();
      resolve(data.toString("latin1").split("\n")[0].trim());
    });
    socket.once("timeout", () => socket.destroy(new Error(`no SSH banner from ${host}:${port} in 10 s`)));
    socket.once("error", reject);
  });
  if (!banner.startsWith("SSH-2.0-")) throw new Error(`not an SSH server on ${host}:${port}: ${banner}`);
  if (!identityFile) return banner;
  const login = spawnSync(
    "ssh",
    [
      "-i",
      identityFile,
      "-p",
      String(port),
      "-o",
      "StrictHostKeyChecking=no",
      "-o",
      "UserKnownHostsFile=/dev/null",
      "-o",
      "BatchMode=yes",
      "-o",
      "ConnectTimeout=10",
      `${user}@${host}`,
      "timeout 300 cloud-init status --wait",
    ],
    { encoding: "utf8", timeout: 330_000 },
  );
  if (login.status !== 0) throw new Error(`ssh smoke test failed (${login.status}): ${login.stderr || login.stdout}`);
  return `${banner}; ${login.stdout.trim()}`;
}

async function main(): Promise<void> {
  const progress = { onMessage: (severity: string, message: string) => severity === "error" && console.error(message) };
  try {
    const preview = step("preview", await run("preview", target, progress));
    const destructive = (preview.changes.delete ?? 0) + (preview.changes.replace ?? 0);
    if (destructive > 0 && process.env.ALLOW_DESTRUCTIVE !== "1")
      throw new Error(`preview would delete or replace ${destructive} resource(s); set ALLOW_DESTRUCTIVE=1 to go on`);

    const up = step("up", await run("up", target, progress));
    const ssh = String(up.outputs.ssh);
    console.log(`ok   smoke test: ${await smokeTest(ssh)}`);

    step("preview --expect-no-changes", await run("preview", target, { ...progress, expectNoChanges: true }));
  } finally {
    if (!keep) step("destroy", await run("destroy", target, progress));
  }
}

main().catch((e: unknown) => {
  console.error(`pipeline failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
