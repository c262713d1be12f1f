/**
 * Text that reaches a platform: names, ids, labels, keys and options carry no control characters, and
 * user data is cloud-init text that fits the platform's limit.
 */
import type { ProviderModule, SettledSpec } from "../contract";
import type { FieldProblem } from "../errors";
import type { MachineArgs } from "../spec";
import { userDataSizeProblem } from "../user-data-size";
import { isObject, problem } from "./problems";

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// User data is text: tabs and line ends belong there, other control characters do not.
const USER_DATA_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const NO_CONTROL = "text without control characters (U+0000-U+001F, U+007F-U+009F)";

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  isObject(v) && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

/**
 * Every string that reaches a platform is free of control characters: a NUL in a name would otherwise
 * reach a domain XML or an API call. Outputs and other non-plain objects are checked when they resolve,
 * by the code that reads them.
 */
export function checkControlCharacters(name: string, args: MachineArgs): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (typeof name === "string" && CONTROL.test(name))
    problems.push(problem("", name, `a Machine name of ${NO_CONTROL}`, "remove the control character from the name"));
  const walk = (value: unknown, field: string): void => {
    if (typeof value === "string") {
      if (CONTROL.test(value))
        problems.push(problem(field, value, NO_CONTROL, "remove the control character (a stray newline, tab or NUL)"));
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, `${field}[${i}]`));
    } else if (isPlainObject(value)) {
      for (const [k, v] of Object.entries(value)) {
        if (CONTROL.test(k)) {
          problems.push(
            problem(
              `${field}[${JSON.stringify(k)}]`,
              k,
              `a key of ${NO_CONTROL}`,
              "remove the control character from the key",
            ),
          );
        }
        walk(v, `${field}.${k}`);
      }
    }
  };
  for (const [key, value] of Object.entries(args)) {
    if (key === "userData" || key === "provider") continue;
    // A private key pasted by mistake spans lines: checkSshKeys reports it without echoing it.
    if (key === "sshKeys" && Array.isArray(value)) {
      value.forEach((k, i) => {
        if (typeof k === "string" && !/PRIVATE KEY/.test(k) && CONTROL.test(k.trim())) {
          problems.push(
            problem(
              `sshKeys[${i}]`,
              k,
              `one line of ${NO_CONTROL}`,
              "paste exactly one line of the .pub file per entry",
              true,
            ),
          );
        }
      });
      continue;
    }
    walk(value, key);
  }
  return problems;
}

/** `userData` is text or an Output of text. */
export function checkUserDataShape(userData: unknown): FieldProblem[] {
  return userData !== undefined && typeof userData !== "string" && !isObject(userData)
    ? [problem("userData", userData, "a cloud-init string or an Output of one", "pass the cloud-config text")]
    : [];
}

/**
 * Problems of resolved user data: what the platform receives must fit its limit, and carry no
 * control characters but tabs and line ends. Used at construction for plain text and when an
 * Output resolves (to anything: nothing is fine, a non-string is a problem); never prints the content.
 */
export function userDataProblems(userData: unknown, provider: ProviderModule, spec: SettledSpec): FieldProblem[] {
  if (userData === undefined || userData === null) return [];
  if (typeof userData !== "string") {
    return [
      {
        field: "userData",
        value: "<hidden>",
        allowed: "a cloud-init string",
        fix: "resolve the Output to the cloud-config text",
      },
    ];
  }
  const problems: FieldProblem[] = [];
  if (USER_DATA_CONTROL.test(userData)) {
    problems.push({
      field: "userData",
      value: "<hidden>",
      allowed: `cloud-init text: no control characters but tab, LF and CR`,
      fix: "remove the NUL or other control character (binary payloads go base64-encoded in write_files)",
    });
  }
  const size = userDataSizeProblem(provider, spec, userData);
  if (size) problems.push(size);
  return problems;
}
