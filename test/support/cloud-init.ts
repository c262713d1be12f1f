import { execFileSync } from "node:child_process";
import * as path from "node:path";
import type { Untyped } from "./untyped";

/** One part of user data as cloud-init's UserDataProcessor finds it. */
export interface ParsedPart {
  contentType: string;
  payload: string;
  headers: Record<string, string>;
}

/** What cloud-init makes of one user data: its parts, the merged cloud-config, the warnings it logged. */
export interface ParsedUserData {
  parts: ParsedPart[];
  cloudConfig: Untyped | null;
  warnings: string[];
}

const DRIVER = path.join(__dirname, "cloud-init-parse.py");
// Debian's interpreter: the unpacked packages are built for it.
const PYTHON = "/usr/bin/python3";

/** The unpacked cloud-init (scripts/setup-cloud-init.sh); a clear failure without it, never a skip. */
export function cloudInitPythonPath(): string {
  const dir = process.env.MACHINA_CLOUD_INIT_PYTHONPATH;
  if (!dir) {
    throw new Error(
      "MACHINA_CLOUD_INIT_PYTHONPATH is not set: these tests run Debian's cloud-init parser. Run " +
        '`export MACHINA_CLOUD_INIT_PYTHONPATH="$(bash scripts/setup-cloud-init.sh)"` first (scripts/test.sh does).',
    );
  }
  return dir;
}

/** Runs cloud-init's own parser on each user data (one Python process for all of them). */
export function parseWithCloudInit(userData: (string | Buffer)[]): ParsedUserData[] {
  const input = JSON.stringify(userData.map((u) => Buffer.from(u).toString("base64")));
  const out = execFileSync(PYTHON, ["-S", DRIVER], {
    input,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C.UTF-8", PYTHONPATH: cloudInitPythonPath() },
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out.toString("utf8")) as ParsedUserData[];
}
