/** The machine's SSH keys: OpenSSH public keys, de-duplicated; a private key is refused without being echoed. */
import type { Resolution } from "./problems";
import { problem } from "./problems";

const PUBLIC_KEY =
  /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) [A-Za-z0-9+/]+={0,3}( [^\r\n]*)?$/;

export function checkSshKeys(keys: unknown): Resolution<string[]> {
  if (keys === undefined) return { value: [], problems: [] };
  if (!Array.isArray(keys)) {
    return {
      value: [],
      problems: [
        problem("sshKeys", keys, "a list of OpenSSH public keys", 'write sshKeys: ["ssh-ed25519 AAAA... you@host"]'),
      ],
    };
  }
  const value: string[] = [];
  const problems = keys.flatMap((key, i) => {
    const field = `sshKeys[${i}]`;
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
    if (!value.includes(key.trim())) value.push(key.trim());
    return [];
  });
  return { value, problems };
}
