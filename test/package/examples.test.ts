/**
 * Every example is installed from `npm pack` as a user would (its `prepare` type-checks and compiles
 * it) and run: the cloud ones by their own `npm test`, under `pulumi-machina/testing`'s mocks (no cloud
 * account is reachable here); the ones that run for real on this machine's libvirt in the engine tier
 * (test/engine/examples.test.ts).
 */
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EXAMPLES, exampleNames, installExample } from "../support/examples";

/** Run for real in the engine tier. */
const REAL = ["local-dev-machine", "pipeline"];
const withOwnTests = exampleNames().filter((name) => !REAL.includes(name));
const installed: string[] = [];

afterAll(() => {
  for (const dir of installed) rmSync(path.dirname(dir), { recursive: true, force: true });
});

describe("examples", () => {
  it("each has its Pulumi program, a README and a way it is run here", () => {
    expect(exampleNames()).toEqual(expect.arrayContaining(REAL));
    for (const name of exampleNames()) {
      const manifest = JSON.parse(readFileSync(path.join(EXAMPLES, name, "package.json"), "utf8"));
      expect(manifest.dependencies["pulumi-machina"], name).toBeDefined();
      expect(readFileSync(path.join(EXAMPLES, name, "README.md"), "utf8").length, name).toBeGreaterThan(200);
      if (!REAL.includes(name)) expect(manifest.scripts?.test, `${name}: an npm test under mocks`).toBeDefined();
    }
  });

  it.each(withOwnTests)(
    "%s: installs, type-checks and passes its own tests",
    (name) => {
      const dir = installExample(name);
      installed.push(dir);
      const r = spawnSync("npm", ["test", "--silent"], {
        cwd: dir,
        encoding: "utf8",
        timeout: 300_000,
        env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" },
      });
      expect(r.status, r.stdout + r.stderr).toBe(0);
      // node:test's summary, or vitest's.
      expect(r.stdout).toMatch(/# pass [1-9]\d*\n# fail 0\n|Tests\s+\d+ passed \(\d+\)/);
      expect(r.stdout).not.toMatch(/# fail [1-9]|Tests\s+\d+ failed/);
    },
    900_000,
  );
});
