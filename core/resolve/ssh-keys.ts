/** The machine's SSH keys: OpenSSH public keys, de-duplicated; a private key is refused without being echoed. */
import type * as pulumi from "@pulumi/pulumi";
import { isDeferred } from "../deferred";
import type { FieldProblem } from "../errors";
import type { Resolution } from "./problems";
import { problem } from "./problems";

const PUBLIC_KEY =
  /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) [A-Za-z0-9+/]+={0,3}( [^\r\n]*)?$/;

/** One key's problems; `field` is where it sits (`sshKeys[0]`). Also run on a key given as an Output, once it resolves. */
export function checkSshKey(key: unknown, field: string): FieldProblem[] {
  if (typeof key !== "string")
    return [problem(field, key, "an OpenSSH public key string", "paste the content of your ~/.ssh/id_ed25519.pub")];
  if (/PRIVATE KEY/.test(key)) {
    return [
      problem(
        field,
        key,
        "a public key; this is a private key and must never be put in a spec",
        "use the .pub file next to it, and rotate the private key if it was shared",
        true,
      ),
    ];
  }
  if (!PUBLIC_KEY.test(key.trim())) {
    return [
      problem(
        field,
        key,
        "an OpenSSH public key: '<type> <base64> [comment]' with type ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256/384/521 or sk-*",
        "paste the whole line of your ~/.ssh/id_ed25519.pub",
      ),
    ];
  }
  return [];
}

/** The keys, plain ones checked and de-duplicated; a key given as an Output stays in place, checked when it resolves. */
export function checkSshKeys(keys: unknown): Resolution<pulumi.Input<string>[]> {
  if (keys === undefined) return { value: [], problems: [] };
  if (!Array.isArray(keys)) {
    return {
      value: [],
      problems: [
        problem(
          "sshKeys",
          keys,
          isDeferred(keys)
            ? "a list of keys; each key may be an Output, the list itself is plain (its length decides which resources exist)"
            : "a list of OpenSSH public keys",
          isDeferred(keys)
            ? "write sshKeys: [key.publicKeyOpenssh]"
            : 'write sshKeys: ["ssh-ed25519 AAAA... you@host"]',
        ),
      ],
    };
  }
  const value: pulumi.Input<string>[] = [];
  const problems = keys.flatMap((key: unknown, i) => {
    if (isDeferred(key)) {
      value.push(key as pulumi.Input<string>);
      return [];
    }
    const found = checkSshKey(key, `sshKeys[${i}]`);
    if (found.length === 0 && !value.includes((key as string).trim())) value.push((key as string).trim());
    return found;
  });
  return { value, problems };
}
