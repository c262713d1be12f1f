/**
 * The examples that run for real on this machine, installed as a user would (packed library, npm
 * install) and run with exactly the commands their READMEs give: the local development machine
 * through the `pulumi` CLI, the pipeline through the Automation API.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as http from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordTiming } from "../support/timings";
import { EXAMPLES, installExample, shellBlocks } from "../support/examples";
import { enginePath, listDomains } from "./support";

let env: NodeJS.ProcessEnv;
const cleanup: string[] = [];

beforeAll(() => {
  env = {
    ...process.env,
    PATH: enginePath(),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    // `pulumi login` records the backend in the Pulumi home: a home of the test's own.
    PULUMI_HOME: mkdtempSync(path.join(tmpdir(), "machina-example-pulumi-home-")),
  };
  delete env.PULUMI_BACKEND_URL;
}, 900_000);

afterAll(() => {
  for (const dir of cleanup) rmSync(path.dirname(dir), { recursive: true, force: true });
});

/** The `export` lines of a README block: what a later block in the same shell session relies on. */
const exportsOf = (block: string) =>
  block
    .split("\n")
    .filter((l) => l.startsWith("export "))
    .join("\n");

function sh(dir: string, command: string, timeoutMs = 900_000) {
  const r = spawnSync("bash", ["-euo", "pipefail", "-c", command], {
    cwd: dir,
    env,
    encoding: "utf8",
    timeout: timeoutMs,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function get(url: string, timeoutSeconds: number): Promise<string> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  return new Promise((resolve, reject) => {
    const attempt = () =>
      http
        .get(url, { timeout: 5000 }, (res) => {
          let body = "";
          res.on("data", (c) => (body += c)).on("end", () => resolve(body));
        })
        .on("error", (e) => (Date.now() < deadline ? setTimeout(attempt, 2000) : reject(e)));
    attempt();
  });
}

describe("examples/local-dev-machine", () => {
  it("the README's commands: up serves the page on 127.0.0.1, destroy leaves nothing", async () => {
    const t = Date.now();
    const dir = installExample("local-dev-machine");
    cleanup.push(dir);
    recordTiming("examples: install local-dev-machine (npm install + tsc)", Date.now() - t);
    const [upBlock, destroyBlock] = shellBlocks(path.join(EXAMPLES, "local-dev-machine", "README.md"));
    // installExample ran `npm install` against the packed library (not the registry's version).
    expect(upBlock.split("\n")[0]).toMatch(/^npm install\b/);
    const keyDir = mkdtempSync(path.join(tmpdir(), "machina-example-key-"));
    cleanup.push(path.join(keyDir, "x"));
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(keyDir, "id_ed25519")]);
    const commands = upBlock
      .split("\n")
      .slice(1)
      .join("\n")
      .replaceAll("~/.ssh/id_ed25519.pub", path.join(keyDir, "id_ed25519.pub"));

    const started = Date.now();
    const up = sh(dir, commands);
    expect(up.code, up.out.slice(-4000) + up.err.slice(-4000)).toBe(0);
    recordTiming("examples: local-dev-machine up (Debian guest until the page answers)", Date.now() - started);
    // curl printed the page: waitForReady on port 8080 returned only once the server answered.
    expect(up.out.trimEnd().split("\n").pop()).toBe("hello from machina");
    expect(listDomains()).toContain("local-dev-machine-dev-dev");
    const url = sh(dir, `${exportsOf(upBlock)}\npulumi stack output url`).out.trim();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(await get(url, 5)).toBe("hello from machina");

    const destroy = sh(dir, `${exportsOf(upBlock)}\n${destroyBlock}`);
    expect(destroy.code, destroy.out + destroy.err).toBe(0);
    expect(listDomains()).not.toContain("local-dev-machine-dev-dev");
  }, 1_200_000);
});

describe("examples/pipeline", () => {
  it("preview, gate, up, SSH smoke test, a clean second preview, destroy", () => {
    const dir = installExample("pipeline");
    cleanup.push(dir);
    const stateDir = mkdtempSync(path.join(tmpdir(), "machina-pipeline-state-"));
    cleanup.push(path.join(stateDir, "x"));
    const [block] = shellBlocks(path.join(EXAMPLES, "pipeline", "README.md"));
    expect(block).toMatch(/^npm run pipeline\b/m);
    const t = Date.now();
    // The README's `npm run pipeline`, with the busybox guest it names (--silent: npm's banner off).
    const r = spawnSync("npm", ["run", "--silent", "pipeline"], {
      cwd: dir,
      env: { ...env, MACHINE_IMAGE: "busybox-offline", STATE_DIR: stateDir, STACK: "ci" },
      encoding: "utf8",
      timeout: 900_000,
    });
    recordTiming("examples: pipeline on busybox (preview, up, smoke, preview, destroy)", Date.now() - t);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const steps = r.stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => l.replace(/ \(\d+\.\d s\)$/, ""));
    expect(steps).toEqual([
      expect.stringMatching(/^ok {3}preview: create=\d+$/),
      expect.stringMatching(/^ok {3}up: create=\d+$/),
      "ok   smoke test: SSH-2.0-machina_busybox",
      expect.stringMatching(/^ok {3}preview --expect-no-changes: (same=\d+|no changes)$/),
      expect.stringMatching(/^ok {3}destroy: delete=\d+$/),
    ]);
    expect(listDomains().filter((d) => d.startsWith("pipeline-example-ci-"))).toEqual([]);
    expect(
      execFileSync("ls", [path.join(stateDir, ".pulumi", "stacks", "pipeline-example")], { encoding: "utf8" }),
    ).toMatch(/ci\.json/);
  }, 1_200_000);
});
