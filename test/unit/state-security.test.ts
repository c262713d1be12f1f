import { execFileSync } from "node:child_process";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const { localPassphrase, passphraseFile } =
  require("../../dist/automation/passphrase") as typeof import("../../automation/passphrase");
const { tightenStateFiles, closeStateDir } =
  require("../../dist/automation/state-files") as typeof import("../../automation/state-files");
const { knownSecretKeys, secretRunValues } =
  require("../../dist/automation/run-config") as typeof import("../../automation/run-config");
const { redact } = require("../../dist/automation/operations") as typeof import("../../automation/operations");

const mode = (p: string) => statSync(p).mode & 0o777;

function allFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

let home: string;
let savedConfigHome: string | undefined;
beforeEach(() => {
  home = mkdtempSync(path.join(tmpdir(), "machina-state-security-"));
  savedConfigHome = process.env.XDG_CONFIG_HOME;
  process.env.XDG_CONFIG_HOME = path.join(home, "config");
});
afterEach(() => {
  if (savedConfigHome === undefined) delete process.env.XDG_CONFIG_HOME;
  else process.env.XDG_CONFIG_HOME = savedConfigHome;
  execFileSync("rm", ["-rf", home]);
});

describe("the generated passphrase", () => {
  it("lives in the user's config directory (0600 in 0700), never in the state folder it protects", () => {
    const state = path.join(home, "project", ".pulumi-state");
    const passphrase = localPassphrase(state);
    expect(passphrase).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const file = passphraseFile(state);
    expect(file.startsWith(path.join(home, "config", "machina", "passphrases") + path.sep)).toBe(true);
    expect(mode(file)).toBe(0o600);
    expect(mode(path.dirname(file))).toBe(0o700);
    for (const f of allFiles(state)) expect(readFileSync(f, "utf8")).not.toContain(passphrase);
    expect(localPassphrase(state)).toBe(passphrase);
  });

  it("moves a passphrase an earlier version kept inside the state folder out of it, keeping its value", () => {
    const state = path.join(home, ".pulumi-state");
    mkdirSync(state, { recursive: true });
    writeFileSync(path.join(state, "passphrase"), "old-passphrase-of-0.1.0", { mode: 0o644 });
    expect(localPassphrase(state)).toBe("old-passphrase-of-0.1.0");
    expect(readdirSync(state)).not.toContain("passphrase");
    expect(mode(passphraseFile(state))).toBe(0o600);
  });

  it("differs between state folders", () => {
    expect(localPassphrase(path.join(home, "a"))).not.toBe(localPassphrase(path.join(home, "b")));
  });
});

describe("state file modes", () => {
  it("closes the folder and tightens every file and folder, without following links out of it", () => {
    const state = path.join(home, "state");
    closeStateDir(state);
    expect(mode(state)).toBe(0o700);
    mkdirSync(path.join(state, ".pulumi", "stacks", "proj"), { recursive: true, mode: 0o755 });
    const checkpoint = path.join(state, ".pulumi", "stacks", "proj", "dev.json");
    writeFileSync(checkpoint, "{}", { mode: 0o644 });
    const outside = path.join(home, "outside.txt");
    writeFileSync(outside, "not state", { mode: 0o644 });
    symlinkSync(outside, path.join(state, "link"));
    chmodSync(state, 0o755);
    tightenStateFiles(state);
    expect(mode(state)).toBe(0o700);
    expect(mode(path.join(state, ".pulumi", "stacks", "proj"))).toBe(0o700);
    expect(mode(checkpoint)).toBe(0o600);
    expect(mode(outside)).toBe(0o644);
  });
});

describe("config given for one run", () => {
  it("treats every built-in provider's credential key as a secret, and nothing that is not one", () => {
    const keys = knownSecretKeys();
    expect([...keys]).toEqual(
      expect.arrayContaining([
        "hcloud:token",
        "digitalocean:token",
        "aws:secretKey",
        "azure-native:clientSecret",
        "proxmoxve:apiToken",
        "kubernetes:kubeconfig",
      ]),
    );
    expect(keys.has("libvirt:network")).toBe(false);
    expect(keys.has("gcp:project")).toBe(false);
  });

  it("treats as secret only credentials and keys the stack file keeps secret: a provider name stays readable", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "machina-run-secrets-"));
    const stackFile = path.join(dir, "Pulumi.dev.yaml");
    writeFileSync(stackFile, "config:\n  myapp:dbPassword:\n    secure: v1:abc\n  machina:region: fsn1\n");
    const config = {
      "machina:provider": "kubevirt",
      "machina:region": "nbg1",
      "hcloud:token": "tok-1234567890",
      "myapp:dbPassword": "hunter22-long",
    };
    expect(secretRunValues(config, stackFile)).toEqual(["tok-1234567890", "hunter22-long"]);
    // Before the stack file is known: the credentials only.
    expect(secretRunValues(config)).toEqual(["tok-1234567890"]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("redacts its values from messages", () => {
    expect(redact("auth failed for token abc123xyz (abc123xyz)", ["abc123xyz"])).toBe(
      "auth failed for token [secret] ([secret])",
    );
  });
});
