/**
 * A stamped engine is used without asking its version (the Automation API would run `pulumi version`
 * each time a workspace is made); a stamp that no longer describes the binary is not trusted, and a
 * stamped version older than the Automation API's minimum fails plainly.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stampedPulumiCommand, stampedVersion } from "../../dist/automation/engine-command";

let dir: string;
let log: string;
let binary: string;

function writeBinary(extra = ""): void {
  writeFileSync(binary, `#!/bin/sh\necho "$*" >> ${JSON.stringify(log)}\necho v3.259.0\n${extra}`);
  chmodSync(binary, 0o755);
}

function stamp(version: string, overrides: Partial<{ size: number; mtime: number }> = {}): void {
  const stat = statSync(binary);
  writeFileSync(
    `${binary}.version`,
    JSON.stringify({ version, size: stat.size, mtime: Math.floor(stat.mtimeMs / 1000), ...overrides }),
  );
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "machina-engine-command-"));
  log = path.join(dir, "calls.log");
  binary = path.join(dir, "pulumi");
  writeBinary();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("stampedPulumiCommand", () => {
  it("uses a stamped engine without running it", async () => {
    stamp("3.259.0");
    const command = stampedPulumiCommand(`${path.join(dir, "none")}:${dir}`);
    expect(command?.command).toBe(binary);
    expect(command?.version?.toString()).toBe("3.259.0");
    expect(existsSync(log)).toBe(false);
    // The command runs the binary it names.
    // `run` is what the Automation API calls on it; the SDK's public types leave it out.
    const runnable = command as unknown as {
      run(args: string[], cwd: string, onOutput: () => void): Promise<{ stdout: string }>;
    };
    const result = await runnable.run(["about"], dir, () => undefined);
    expect(result.stdout.trim()).toBe("v3.259.0");
    expect(readFileSync(log, "utf8")).toMatch(/^about\b/);
  });

  it("does not trust a stamp of another binary (size or time changed), nor a missing one", () => {
    stamp("3.259.0", { size: statSync(binary).size + 1 });
    expect(stampedVersion(binary)).toBeUndefined();
    expect(stampedPulumiCommand(dir)).toBeUndefined();
    stamp("3.259.0", { mtime: 1 });
    expect(stampedPulumiCommand(dir)).toBeUndefined();
    rmSync(`${binary}.version`);
    expect(stampedPulumiCommand(dir)).toBeUndefined();
    expect(stampedPulumiCommand(path.join(dir, "nowhere"))).toBeUndefined();
  });

  it("a stamped version older than the Automation API's minimum fails, naming the binary and the fix", () => {
    stamp("v3.1.0");
    expect(() => stampedPulumiCommand(dir)).toThrow(
      new RegExp(`the Pulumi CLI at ${binary} is v3\\.1\\.0, older than v3\\.2\\.0-alpha .*scripts/setup-engine\\.sh`),
    );
  });
});
