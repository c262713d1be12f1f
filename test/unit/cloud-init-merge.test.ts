/** Machina's user data merge on its own, read back by Debian's cloud-init (see cloud-init-parser.test.ts). */
import { beforeAll, describe, expect, it } from "vitest";
import { parseWithCloudInit } from "../support/cloud-init";

let ci: typeof import("../../dist/providers/kit/cloud-init");

beforeAll(async () => {
  ci = await import("../../dist/providers/kit/cloud-init.js");
});

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk3m0d0Zb8o9H0vJ3yqvY3wQmQ5b6r9fL3e0Jm1xYzA josé@café";
const parse = (text: string) => parseWithCloudInit([text])[0];

describe("mergeUserData", () => {
  it("keeps the user data of earlier releases byte for byte when no part holds their boundary", () => {
    // What 0.1.0 sent for keys + a cloud-config: a changed byte would replace running EC2 instances.
    const merged = ci.mergeUserData([ci.keysCloudConfig(["ssh-ed25519 AAAA k"])], "#cloud-config\npackages: [nginx]\n");
    expect(merged).toBe(
      [
        'Content-Type: multipart/mixed; boundary="MACHINA-BOUNDARY-7d1e4c"',
        "MIME-Version: 1.0",
        "",
        "--MACHINA-BOUNDARY-7d1e4c",
        'Content-Type: text/cloud-config; charset="utf-8"',
        "MIME-Version: 1.0",
        "",
        "#cloud-config\nssh_authorized_keys:\n  - ssh-ed25519 AAAA k\n",
        "--MACHINA-BOUNDARY-7d1e4c",
        'Content-Type: text/cloud-config; charset="utf-8"',
        "MIME-Version: 1.0",
        "Merge-Type: list(append)+dict(no_replace,recurse_list)+str()",
        "",
        "#cloud-config\npackages: [nginx]\n",
        "--MACHINA-BOUNDARY-7d1e4c--",
        "",
      ].join("\n"),
    );
    expect(ci.mergeUserData(["#cloud-config\nhostname: a\n"])).toBe("#cloud-config\nhostname: a\n");
  });

  it("chooses the first boundary candidate that occurs in no part", () => {
    expect(ci.chooseBoundary(["plain"])).toBe(ci.FIRST_BOUNDARY);
    expect(ci.chooseBoundary([`x ${ci.boundaryCandidate(0)}`, `y ${ci.boundaryCandidate(1)}`])).toBe(
      ci.boundaryCandidate(2),
    );
    const merged = ci.mergeUserData(["#cloud-config\nhostname: a\n"], `#!/bin/sh\necho ${ci.boundaryCandidate(1)}\n`);
    expect(merged).toContain(`boundary="${ci.boundaryCandidate(2)}"`);
  });

  it("sends non-ASCII text base64-encoded, which cloud-init's parser would garble as 8-bit text", () => {
    const userMultipart = [
      'Content-Type: multipart/mixed; boundary="u"',
      "MIME-Version: 1.0",
      "",
      "--u",
      "Content-Type: text/cloud-config",
      "Content-Transfer-Encoding: 8bit",
      "",
      "#cloud-config\nwrite_files:\n  - path: /etc/motd\n    content: Grüße ☕",
      "--u--",
      "",
    ].join("\n");
    const merged = ci.mergeUserData([ci.userCloudConfig("h", "machina", [KEY])], userMultipart);
    expect(merged).not.toMatch(/[^\x00-\x7f]/);
    const parsed = parse(merged);
    expect(parsed.warnings).toEqual([]);
    expect(parsed.cloudConfig?.users).toContainEqual(
      expect.objectContaining({ name: "machina", ssh_authorized_keys: [KEY] }),
    );
    expect(parsed.cloudConfig?.write_files).toEqual([{ path: "/etc/motd", content: "Grüße ☕" }]);
  });

  it("gives a user's cloud-config part Machina's merge type, unless it names its own", () => {
    const own = "list(append)+dict(recurse_array)+str()";
    const userMultipart = (mergeHeader: string) =>
      `Content-Type: multipart/mixed; boundary=u\nMIME-Version: 1.0\n\n--u\nContent-Type: text/cloud-config\n${mergeHeader}\n#cloud-config\nusers: [{name: alice}]\n--u--\n`;
    const base = ci.userCloudConfig("h", "machina", ["ssh-ed25519 AAAA k"]);

    const merged = parse(ci.mergeUserData([base], userMultipart("")));
    expect(
      merged.cloudConfig?.users.map((u: string | { name: string }) => (typeof u === "string" ? u : u.name)),
    ).toEqual(["default", "machina", "alice"]);
    expect(merged.parts[1].headers["Merge-Type"]).toBe(ci.MERGE_TYPE);

    const kept = parse(ci.mergeUserData([base], userMultipart(`Merge-Type: ${own}\n`)));
    expect(kept.parts[1].headers["Merge-Type"]).toBe(own);
  });

  it("types a text by its first line the way cloud-init does", () => {
    expect(ci.partType("#cloud-config\na: 1")).toBe("text/cloud-config");
    expect(ci.partType("  #Cloud-Config-JSONP\n[]")).toBe("text/cloud-config-jsonp");
    expect(ci.partType("#include-once\nhttp://x")).toBe("text/x-include-once-url");
    expect(ci.partType("## template: jinja\n#cloud-config")).toBe("text/jinja2");
    expect(ci.partType("hello")).toBe("text/plain");
  });

  it("keeps a multipart without its delimiters whole: cloud-init skips it as it would unmerged", () => {
    const broken =
      "Content-Type: multipart/mixed; boundary=missing\nMIME-Version: 1.0\n\n#cloud-config\nruncmd: [[touch, /x]]\n";
    const merged = ci.mergeUserData(["#cloud-config\nhostname: h\n"], broken);
    expect(merged).toContain("#cloud-config\nruncmd: [[touch, /x]]\n");
    expect(parse(merged).cloudConfig).toEqual({ hostname: "h" });
  });
});

describe("cloud-configs made again from texts kept", () => {
  it("gives each key set its own text, also for one array changed between two calls, and the same text for equal sets", () => {
    const keys = ["ssh-ed25519 AAAA first"];
    const first = ci.keysCloudConfig(keys);
    keys.push("ssh-ed25519 BBBB second");
    const second = ci.keysCloudConfig(keys);
    expect(first).toBe("#cloud-config\nssh_authorized_keys:\n  - ssh-ed25519 AAAA first\n");
    expect(second).toBe(
      "#cloud-config\nssh_authorized_keys:\n  - ssh-ed25519 AAAA first\n  - ssh-ed25519 BBBB second\n",
    );
    expect(ci.keysCloudConfig(["ssh-ed25519 AAAA first"])).toBe(first);
    expect(ci.keysCloudConfig(["ssh-ed25519 AAAA first"], { passwordLogin: false })).toBe(
      `${first}ssh_pwauth: false\n`,
    );
  });

  it("keeps no more texts than its bound: hundreds of distinct key sets all come out right", () => {
    for (let i = 0; i < 600; i++) {
      expect(ci.keysCloudConfig([`ssh-ed25519 AAAA key${i}`])).toBe(
        `#cloud-config\nssh_authorized_keys:\n  - ssh-ed25519 AAAA key${i}\n`,
      );
    }
  });
});
