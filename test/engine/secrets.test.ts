/**
 * Secrets end to end on the real engine: a marker in each kind of secret (a secret machines list's
 * user data, a secret provider credential, a credential passed with -c, a secret Output of an inline
 * program), then up, refresh and destroy. No marker may appear in the state folder (checkpoints,
 * history, backups), the stack files, the CLI's text or JSON, progress events or messages; the state
 * folder is the owner's only, and -c never rewrites the stack file.
 */
import { execFileSync } from "node:child_process";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as Operations from "../../dist/automation/operations";
import { domainExists, enginePath, machina, makeProject } from "./support";

const MARKERS = {
  configUserData: "MARKER-config-userdata-5f1c",
  credential: "MARKER-credential-a9e2",
  commandLine: "MARKER-command-line-77d0",
  secretOutput: "MARKER-secret-output-3b6e",
};

const SECRETS_ENV = `config:
  machina:provider: libvirt
  libvirt:network: user
`;
const MACHINES = JSON.stringify([
  {
    name: "vault",
    size: "nano",
    image: "busybox-offline",
    diskGiB: 1,
    userData: `#cloud-config\nbootcmd: [echo ${MARKERS.configUserData}]\n`,
  },
]);

let project: string;
let socketDir: string;
let configHome: string;
let env: NodeJS.ProcessEnv;
let ops: typeof Operations;
const printed: string[] = [];
const saved = { ...process.env };

/** Every regular file under dir, without following links (the project's node_modules). */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const file = path.join(dir, entry);
    const stat = lstatSync(file);
    if (stat.isSymbolicLink()) continue;
    if (stat.isDirectory()) out.push(...filesUnder(file));
    else out.push(file);
  }
  return out;
}

/** The pulumi CLI on Machina's local state, as a user runs it: the passphrase file is where Machina keeps it. */
function pulumiCli(args: string[]) {
  const { passphraseFile } =
    require("../../dist/automation/passphrase") as typeof import("../../automation/passphrase");
  const state = path.join(project, ".pulumi-state");
  return execFileSync("pulumi", [...args, "--non-interactive"], {
    cwd: project,
    env: { ...env, PULUMI_BACKEND_URL: `file://${state}`, PULUMI_CONFIG_PASSPHRASE_FILE: passphraseFile(state) },
    encoding: "utf8",
  });
}

beforeAll(async () => {
  project = makeProject({ secrets: SECRETS_ENV }, "machina-secrets");
  configHome = mkdtempSync(path.join(tmpdir(), "machina-secrets-config-"));
  // A libvirt connection URI that names its socket through a path holding the marker: a real,
  // working credential-like value.
  socketDir = mkdtempSync(path.join(tmpdir(), "machina-secrets-socket-"));
  mkdirSync(path.join(socketDir, MARKERS.credential));
  symlinkSync("/run/libvirt/libvirt-sock", path.join(socketDir, MARKERS.credential, "sock"));
  env = { ...process.env, PATH: enginePath(), XDG_CONFIG_HOME: configHome };
  delete env.PULUMI_BACKEND_URL;
  delete env.PULUMI_CONFIG_PASSPHRASE;
  Object.assign(process.env, { PATH: env.PATH, XDG_CONFIG_HOME: configHome });
  delete process.env.PULUMI_BACKEND_URL;
  delete process.env.PULUMI_CONFIG_PASSPHRASE;
  ops = await import("../../dist/automation/operations.js");
}, 900_000);

afterAll(() => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
  if (domainExists("machina-secrets-secrets-vault"))
    machina(["destroy", "-e", "secrets", "--project-dir", project], env);
  for (const dir of [project, socketDir, configHome]) rmSync(dir, { recursive: true, force: true });
});

describe("secrets stay secret", () => {
  it("stack config, a credential and -c: up, refresh and destroy through the CLI", () => {
    const preview = machina(["--json", "preview", "-e", "secrets", "--project-dir", project], env);
    expect(preview.code, preview.out + preview.err).toBe(0);
    pulumiCli(["config", "set", "--secret", "--stack", "secrets", "machina:machines", MACHINES]);
    pulumiCli([
      "config",
      "set",
      "--secret",
      "--stack",
      "secrets",
      "libvirt:uri",
      `qemu+unix:///system?socket=${path.join(socketDir, MARKERS.credential, "sock")}`,
    ]);
    const stackFile = path.join(project, "stacks", "Pulumi.secrets.yaml");
    const before = readFileSync(stackFile, "utf8");

    const up = machina(
      ["up", "-e", "secrets", "--project-dir", project, "-c", `hcloud:token=${MARKERS.commandLine}`],
      env,
    );
    printed.push(up.out, up.err);
    expect(up.code, up.out + up.err).toBe(0);
    expect(domainExists("machina-secrets-secrets-vault")).toBe(true);
    expect(readFileSync(stackFile, "utf8")).toBe(before);
    // The secrets were used, and recorded encrypted.
    const checkpoint = readFileSync(
      path.join(project, ".pulumi-state", ".pulumi", "stacks", "machina-secrets", "secrets.json"),
      "utf8",
    );
    expect(checkpoint).toMatch(/"ciphertext"/);
    expect(checkpoint).toContain('"userData":{"4dabf18193072939515e22adb298388d"');
    expect(checkpoint).toContain('"uri":{"4dabf18193072939515e22adb298388d"');
    // Only the secret is hidden: what the user needs to reach the machine is readable.
    expect(up.out).toMatch(/vault: 1cpu-0\.5gb, address 10\.0\.2\.15, ssh -p \d+ machina@127\.0\.0\.1/);

    const refresh = machina(
      ["--json", "refresh", "-e", "secrets", "--project-dir", project, "-c", `hcloud:token=${MARKERS.commandLine}`],
      env,
    );
    printed.push(refresh.out, refresh.err);
    expect(refresh.code, refresh.out + refresh.err).toBe(0);
    expect(refresh.json.changed).toBe(false);

    const destroy = machina(["destroy", "-e", "secrets", "--project-dir", project], env);
    printed.push(destroy.out, destroy.err);
    expect(destroy.code, destroy.out + destroy.err).toBe(0);
    expect(domainExists("machina-secrets-secrets-vault")).toBe(false);
    expect(readFileSync(stackFile, "utf8")).toBe(before);
  }, 900_000);

  it("a secret Output of an inline program, with every progress event and message kept", async () => {
    const pulumi = await import("@pulumi/pulumi");
    const { Machine } = await import("../../dist/index.js");
    const events: unknown[] = [];
    const messages: string[] = [];
    const target = {
      projectName: "machina-secrets-inline",
      stackName: "inline",
      stateDir: path.join(project, ".pulumi-state"),
      config: { "libvirt:network": "user" },
      program: async () => {
        const m = new Machine("sealed", {
          provider: "libvirt",
          size: "nano",
          image: "busybox-offline",
          diskGiB: 1,
          userData: pulumi.secret(`#cloud-config\nbootcmd: [echo ${MARKERS.secretOutput}]\n`),
        });
        return { id: m.id };
      },
    };
    const options = {
      onProgress: (e: unknown) => events.push(e),
      onMessage: (severity: string, message: string) => messages.push(`${severity}: ${message}`),
    };
    for (const operation of ["up", "refresh", "destroy"] as const) {
      const summary = await ops.run(operation, target, options);
      expect(summary.ok, summary.error).toBe(true);
      printed.push(JSON.stringify(summary));
    }
    expect(events.length).toBeGreaterThan(0);
    printed.push(JSON.stringify(events), ...messages);
  }, 900_000);

  it("no marker anywhere: state, history, backups, stack files, CLI output, events, messages", () => {
    const files = filesUnder(project);
    expect(files.some((f) => f.includes(`${path.sep}.pulumi${path.sep}history${path.sep}`))).toBe(true);
    expect(files.some((f) => f.includes(`${path.sep}.pulumi${path.sep}backups${path.sep}`))).toBe(true);
    const found: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, "latin1");
      for (const marker of Object.values(MARKERS))
        if (text.includes(marker)) found.push(`${marker} in ${path.relative(project, file)}`);
    }
    for (const text of printed)
      for (const marker of Object.values(MARKERS))
        if (text.includes(marker)) found.push(`${marker} in output ${text.slice(0, 200)}`);
    expect(found).toEqual([]);
  });

  it("the state folder is the owner's only, and holds no passphrase", () => {
    const state = path.join(project, ".pulumi-state");
    const modes = new Set<string>();
    const walk = (dir: string) => {
      modes.add(`dir ${(lstatSync(dir).mode & 0o777).toString(8)}`);
      for (const entry of readdirSync(dir)) {
        const file = path.join(dir, entry);
        const stat = lstatSync(file);
        if (stat.isSymbolicLink()) continue;
        if (stat.isDirectory()) walk(file);
        else modes.add(`file ${(stat.mode & 0o777).toString(8)}`);
      }
    };
    walk(state);
    expect([...modes].sort()).toEqual(["dir 700", "file 600"]);
    expect(readdirSync(state)).not.toContain("passphrase");
    const passphrases = path.join(configHome, "machina", "passphrases");
    expect(readdirSync(passphrases)).toHaveLength(1);
    const passphrase = readFileSync(path.join(passphrases, readdirSync(passphrases)[0]), "utf8").trim();
    for (const file of filesUnder(project)) expect(readFileSync(file, "latin1").includes(passphrase), file).toBe(false);
  });
});
