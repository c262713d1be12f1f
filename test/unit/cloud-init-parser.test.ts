/**
 * The user data every provider really sends, read by Debian's cloud-init itself (its MIME parser and
 * its cloud-config merge, unpacked by scripts/setup-cloud-init.sh, never installed): the user's
 * directives survive whatever they contain, and Machina's own parts are there.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { ParsedUserData } from "../support/cloud-init";
import { cloudInitPythonPath, parseWithCloudInit } from "../support/cloud-init";
import type { RecordedResource } from "../../dist/testing";
import type { Untyped } from "../support/untyped";
import type { SettledSpec } from "../../dist/core/contract";
import { installMachinaMocks, KEY_A, settle, valueOf } from "../../dist/testing";

let recorded: RecordedResource[];
let lib: typeof import("../../dist/index.js");
let cloudInit: typeof import("../../dist/providers/kit/cloud-init");
let mergedSeedUserData: typeof import("../../dist/providers/libvirt/cloud-init").mergedUserData;

const included = path.join(mkdtempSync(path.join(tmpdir(), "machina-include-")), "included.yaml");

beforeAll(async () => {
  recorded = installMachinaMocks({ project: "parse", stack: "ci" });
  lib = await import("../../dist/index.js");
  cloudInit = await import("../../dist/providers/kit/cloud-init.js");
  ({ mergedUserData: mergedSeedUserData } = await import("../../dist/providers/libvirt/cloud-init.js"));
  writeFileSync(included, "#cloud-config\nwrite_files:\n  - path: /etc/machina-included\n    content: included\n");
});

const TEXT = "café ☕ naïve";
const SCRIPT = "#!/bin/sh\necho machina-user-script > /tmp/user-script\n";
const USER_RUNCMD = ["touch", "/tmp/user-runcmd"];

/** A script writing `lines` through a here-document: they start lines, where a MIME delimiter is seen. */
const heredocScript = (lines: string[]) => `#!/bin/sh\ncat > /etc/machina-user <<'EOF'\n${lines.join("\n")}\nEOF\n`;

const multipart = (boundary: string, parts: string[]) =>
  [
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    "MIME-Version: 1.0",
    "",
    ...parts.map((p) => `--${boundary}\n${p}`),
    `--${boundary}--`,
    "",
  ].join("\n");

interface Case {
  userData: () => string;
  check(parsed: ParsedUserData, userData: string): void;
}

const fileOf = (parsed: ParsedUserData, p: string) =>
  (parsed.cloudConfig?.write_files ?? []).find((f: { path: string }) => f.path === p);
const runs = (parsed: ParsedUserData, command: string[]) =>
  expect(parsed.cloudConfig?.runcmd ?? []).toContainEqual(command);
const partOf = (parsed: ParsedUserData, type: string) => parsed.parts.find((p) => p.contentType === type);

const CASES: Record<string, Case> = {
  "a cloud-config with users, write_files and runcmd": {
    userData: () =>
      `#cloud-config\nusers:\n  - name: alice\n    shell: /bin/sh\nwrite_files:\n  - path: /etc/machina-user\n    content: "${TEXT}"\nruncmd:\n  - [${USER_RUNCMD.join(", ")}]\n`,
    check(parsed) {
      expect(fileOf(parsed, "/etc/machina-user")?.content).toBe(TEXT);
      runs(parsed, USER_RUNCMD);
      expect(parsed.cloudConfig?.users).toContainEqual({ name: "alice", shell: "/bin/sh" });
    },
  },
  "a shell script": {
    userData: () => SCRIPT,
    check(parsed) {
      expect(partOf(parsed, "text/x-shellscript")?.payload).toBe(SCRIPT);
    },
  },
  "a boothook": {
    userData: () => "#cloud-boothook\n#!/bin/sh\necho boothook > /tmp/boothook\n",
    check(parsed, userData) {
      expect(partOf(parsed, "text/cloud-boothook")?.payload).toBe(userData);
    },
  },
  "an include": {
    userData: () => `#include\nfile://${included}\n`,
    check(parsed) {
      expect(fileOf(parsed, "/etc/machina-included")?.content).toBe("included");
    },
  },
  "a script whose here-document holds Machina's old boundary lines": {
    userData: () =>
      heredocScript([
        "before",
        "--MACHINA-BOUNDARY-7d1e4c",
        "Content-Type: text/cloud-config",
        "",
        "--MACHINA-BOUNDARY-7d1e4c--",
        "after",
      ]),
    check(parsed, userData) {
      expect(partOf(parsed, "text/x-shellscript")?.payload).toBe(userData);
    },
  },
  "a script whose here-document holds the next boundary candidates": {
    userData: () =>
      heredocScript(
        [0, 1, 2].flatMap((n) => [`--${cloudInit.boundaryCandidate(n)}`, `--${cloudInit.boundaryCandidate(n)}--`]),
      ),
    check(parsed, userData) {
      expect(partOf(parsed, "text/x-shellscript")?.payload).toBe(userData);
    },
  },
  "a multipart with Machina's own boundary": {
    userData: () =>
      multipart("MACHINA-BOUNDARY-7d1e4c", [
        `Content-Type: text/cloud-config; charset="utf-8"\n\n#cloud-config\nruncmd:\n  - [${USER_RUNCMD.join(", ")}]\n`,
        `Content-Type: text/x-shellscript; charset="utf-8"\n\n${SCRIPT}`,
      ]),
    check(parsed) {
      runs(parsed, USER_RUNCMD);
      expect(partOf(parsed, "text/x-shellscript")?.payload).toBe(SCRIPT);
    },
  },
  "a multipart nesting another, with CRLF line ends": {
    userData: () =>
      multipart("outer", [
        `Content-Type: multipart/alternative; boundary=inner\n\n--inner\nContent-Type: text/cloud-config\n\n#cloud-config\nwrite_files:\n  - path: /etc/machina-user\n    content: nested\n--inner--\n`,
        `Content-Type: text/x-shellscript\n\n${SCRIPT}`,
      ]).replace(/\n/g, "\r\n"),
    check(parsed) {
      expect(fileOf(parsed, "/etc/machina-user")?.content).toBe("nested");
      expect(partOf(parsed, "text/x-shellscript")?.payload.replace(/\r\n/g, "\n")).toBe(SCRIPT);
    },
  },
};

/** Where each provider's user data lands among the resources it registers, as the platform gets it. */
const unwrapSecret = (v: Untyped) =>
  v && v["4dabf18193072939515e22adb298388d"] === "1b47061264138c4ac30d75fd1eb44270" ? v.value : v;
const byName = (type: string, name: string) => recorded.find((r) => r.type === type && r.name === name)?.inputs;
const SENT: Record<string, (machine: string) => string | undefined> = {
  hetzner: (m) => byName("hcloud:index/server:Server", m)?.userData,
  digitalocean: (m) => byName("digitalocean:index/droplet:Droplet", m)?.userData,
  aws: (m) => byName("aws:ec2/instance:Instance", m)?.userData,
  gcp: (m) => byName("gcp:compute/instance:Instance", m)?.metadata?.["user-data"],
  azure: (m) => unwrapSecret(byName("azure-native:compute:VirtualMachine", m)?.osProfile)?.customData,
  proxmox: (m) => byName("proxmoxve:index/fileLegacy:FileLegacy", `${m}-user-data`)?.sourceRaw?.data,
  kubevirt: (m) => unwrapSecret(byName("kubernetes:core/v1:Secret", `${m}-cloudinit`)?.stringData)?.userdata,
  // The dynamic provider writes the seed from the machine's inputs with this builder.
  libvirt: (m) => {
    const inputs = byName("pulumi-nodejs:dynamic/machina:LibvirtMachine", m);
    return (
      inputs &&
      mergedSeedUserData({
        hostname: inputs.hostname,
        sshUser: inputs.sshUser,
        sshKeys: inputs.sshKeys,
        userData: unwrapSecret(inputs.userData),
      })
    );
  },
};
/** What cloud-init on the machine reads: Azure hands the guest its customData decoded. */
const guestReads = (provider: string, sent: string) =>
  provider === "azure" ? Buffer.from(sent, "base64").toString("utf8") : sent;

/** Providers whose user data carries Machina's keys (elsewhere they go in through the platform's API). */
const KEYS_IN_USER_DATA = ["aws", "kubevirt", "libvirt", "proxmox"];

describe.each(Object.keys(SENT))("%s: the user data it sends, read by cloud-init", (provider) => {
  const results: Record<string, { sent: string; expected: string | undefined; parsed: ParsedUserData }> = {};

  beforeAll(async () => {
    const module = lib.resolveProvider(provider);
    const create = vi.spyOn(module, "create");
    const names = Object.keys(CASES);
    const machines = names.map(
      (c, i) => new lib.Machine(`${provider}-case-${i}`, { provider, sshKeys: [KEY_A], userData: CASES[c].userData() }),
    );
    await Promise.all(machines.map((m) => valueOf(m.id)));
    await settle();
    const sent = names.map((_, i) => SENT[provider](`${provider}-case-${i}`));
    // Without the parser each test fails below, saying how to set it up.
    const parsed = process.env.MACHINA_CLOUD_INIT_PYTHONPATH
      ? parseWithCloudInit(sent.map((s) => guestReads(provider, s ?? "")))
      : [];
    names.forEach((c, i) => {
      const spec = create.mock.calls.find(([s]) => s.name === `${provider}-case-${i}`)![0];
      results[c] = {
        sent: sent[i]!,
        expected: module.platformUserData?.(spec as SettledSpec, CASES[c].userData()),
        parsed: parsed[i],
      };
    });
    create.mockRestore();
  });

  it.each(Object.keys(CASES))("%s", (name) => {
    cloudInitPythonPath();
    const { sent, expected, parsed } = results[name];
    expect(sent, "the platform receives user data").toEqual(expect.any(String));
    expect(sent, "what the resources send is platformUserData").toBe(expected);
    expect(parsed.warnings, "cloud-init has nothing to complain about").toEqual([]);
    CASES[name].check(parsed, CASES[name].userData());

    if (KEYS_IN_USER_DATA.includes(provider)) {
      const config = parsed.cloudConfig ?? {};
      const keys = [
        ...(config.ssh_authorized_keys ?? []),
        ...(config.users ?? []).flatMap((u: string | { ssh_authorized_keys?: string[] }) =>
          typeof u === "string" ? [] : (u.ssh_authorized_keys ?? []),
        ),
      ];
      expect(keys, "Machina's keys are in the merged cloud-config").toContain(KEY_A);
    }
    if (provider !== "aws" && KEYS_IN_USER_DATA.includes(provider)) {
      expect(parsed.cloudConfig?.users, "Machina's user is created").toContainEqual(
        expect.objectContaining({ name: "machina", ssh_authorized_keys: [KEY_A] }),
      );
      expect(parsed.cloudConfig?.hostname).toMatch(new RegExp(`^${provider}-case-\\d+$`));
    }
    if (provider === "proxmox") {
      // The guest agent is on by default with user data: its part survives next to the user's.
      expect(parsed.cloudConfig?.packages).toContain("qemu-guest-agent");
      runs(parsed, ["systemctl", "enable", "--now", "qemu-guest-agent"]);
    }
  });
});
