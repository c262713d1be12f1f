/**
 * The npm-import path: pack the library, install the tarball into a fresh Pulumi program, type-check
 * that program against the published types, and run it under Pulumi mocks.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packedLibrary } from "../support/examples";

const ROOT = path.resolve(__dirname, "../..");
const lock = require(path.join(ROOT, "package-lock.json")).packages;
const versionOf = (pkg: string) => lock[`node_modules/${pkg}`].version as string;

let work: string;
let program: string;

const PROGRAM_TS = `
import * as pulumi from "@pulumi/pulumi";
import { Machine, MachineArgs, ValidationError, registerProvider } from "pulumi-machina";

const args: MachineArgs = {
  provider: "hetzner",
  size: { cpus: 2, memoryGiB: 4 },
  arch: "arm64",
  image: "debian-12",
  sshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk3m0d0Zb8o9H0vJ3yqvY3wQmQ5b6r9fL3e0Jm1xYzA me@host"],
  ports: [443],
  labels: { app: "shop" },
};
const web = new Machine("web", args);
export const ip: pulumi.Output<string | undefined> = web.publicIp;
export const type = web.type;
export const ssh = web.ssh;
export const registered = typeof registerProvider;
export let rejected = "";
try {
  new Machine("bad", { provider: "hetzner", region: "atlantis" });
} catch (e) {
  rejected = e instanceof ValidationError ? e.problems[0].field : "wrong error";
}
`;

// Composing with the one SDK installed: Outputs as keys, label values, sources and a network; typed
// options (a typo is a type error) and a typed transform, typed by importing the provider's entry.
const COMPOSE_TS = `
import * as hcloud from "@pulumi/hcloud";
import type { MachineArgs } from "pulumi-machina";
import { Machine } from "pulumi-machina";
import type { HetznerOptions } from "pulumi-machina/providers/hetzner";

const lan = new hcloud.Network("lan", { ipRange: "10.0.0.0/16" });
const key = lan.id.apply(() => "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk3m0d0Zb8o9H0vJ3yqvY3wQmQ5b6r9fL3e0Jm1xYzA me@host");
const hetzner: HetznerOptions = {
  networkId: lan.id.apply(Number),
  transform: { server: (args) => { args.backups = true; } },
};
const composed = new Machine("composed", {
  provider: "hetzner",
  sshKeys: [key],
  labels: { app: lan.name },
  ports: [{ port: 5432, sources: [lan.ipRange] }],
  providerOptions: { hetzner, mycloud: { anything: 1 } },
}, { protect: true });
export const composedId = composed.id;
// @ts-expect-error a typo in a typed option
export const typo: MachineArgs = { providerOptions: { hetzner: { netwrkId: 1 } } };
`;

// A test of the user's own provider: the testing kit and the provider kit, typed from the package alone.
const TESTING_TS = `
import type { ContractSuiteHooks, RecordedResource } from "pulumi-machina/testing";
import { fakeProvider, machinaUnderMocks, providerContractSuite } from "pulumi-machina/testing";
import type { ProviderModule } from "pulumi-machina/providers/kit";
import { CONTRACT_VERSION, defineOptions } from "pulumi-machina/providers/kit";

const mine: ProviderModule = { ...fakeProvider("mine"), contractVersion: CONTRACT_VERSION };
export const options = defineOptions<{ zone?: string }>()({ zone: { type: "string", description: "where" } });
export function suite(hooks: ContractSuiteHooks): void {
  providerContractSuite(hooks, { providers: [mine] });
}
export const setUp: () => RecordedResource[] = () => machinaUnderMocks({ stack: "test" }).recorded;
`;

const RUN_JS = `
const pulumi = require("@pulumi/pulumi");
pulumi.runtime.setMocks({
  newResource: (a) => ({ id: "42", state: { ...a.inputs, ipv4Address: "203.0.113.9" } }),
  call: (a) => a.inputs,
}, "npmuser", "dev", false);
const out = require("./dist/index.js");
Promise.all([out.ip, out.type, out.ssh].map((o) => new Promise((r) => o.apply(r)))).then(([ip, type, ssh]) => {
  process.stdout.write(JSON.stringify({ ip, type, ssh, registered: out.registered, rejected: out.rejected }));
});
`;

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), "machina-pack-program-"));
  program = path.join(work, "program");
  execFileSync("mkdir", ["-p", program]);
  writeFileSync(
    path.join(program, "package.json"),
    JSON.stringify({
      name: "npm-user-program",
      private: true,
      main: "dist/index.js",
      dependencies: {
        "pulumi-machina": `file:${packedLibrary()}`,
        "@pulumi/pulumi": versionOf("@pulumi/pulumi"),
        "@pulumi/hcloud": versionOf("@pulumi/hcloud"),
      },
      devDependencies: { typescript: versionOf("typescript") },
    }),
  );
  writeFileSync(
    path.join(program, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        target: "ES2022",
        module: "node16",
        moduleResolution: "node16",
        outDir: "dist",
        types: [],
      },
      files: ["index.ts", "testing.ts", "compose.ts"],
    }),
  );
  writeFileSync(path.join(program, "index.ts"), PROGRAM_TS);
  writeFileSync(path.join(program, "testing.ts"), TESTING_TS);
  writeFileSync(path.join(program, "compose.ts"), COMPOSE_TS);
  writeFileSync(path.join(program, "run.js"), RUN_JS);
  execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: program,
    stdio: "pipe",
    timeout: 300_000,
  });
}, 600_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("npm pack, install, use", () => {
  it("the tarball holds the build and no tests", () => {
    const files = execFileSync("tar", ["-tzf", packedLibrary()], { encoding: "utf8" }).split("\n");
    expect(files).toContain("package/dist/index.js");
    expect(files).toContain("package/dist/index.d.ts");
    expect(files).toContain("package/dist/providers/hetzner/catalog.json");
    expect(files).toContain("package/dist/automation/cli.js");
    expect(files.some((f) => f.includes("/test/") || f.endsWith(".test.js"))).toBe(false);
  });

  it("type-checks a strict program against the published types without other provider SDKs", () => {
    const r = spawnSync(process.execPath, [path.join(program, "node_modules/typescript/bin/tsc"), "-p", "."], {
      cwd: program,
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  }, 120_000);

  it("runs that program under Pulumi mocks", () => {
    const r = spawnSync(process.execPath, ["run.js"], { cwd: program, encoding: "utf8", timeout: 60_000 });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({
      ip: "203.0.113.9",
      type: "cax11",
      ssh: "ssh root@203.0.113.9",
      registered: "function",
      rejected: "bad.region",
    });
  });

  it("exposes the Automation API layer as pulumi-machina/automation", () => {
    const r = spawnSync(
      process.execPath,
      [
        "-e",
        'const a = require("pulumi-machina/automation"); process.stdout.write([typeof a.run, typeof a.status].join(","))',
      ],
      { cwd: program, encoding: "utf8", timeout: 30_000 },
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("function,function");
  });

  it.each([
    ["pulumi-machina/testing", ["providerContractSuite", "machinaUnderMocks", "installMachinaMocks", "fakeProvider"]],
    ["pulumi-machina/providers/kit", ["defineOptions", "mergeUserData", "sharedPerStack", "CONTRACT_VERSION"]],
  ])("exposes %s, which loads no provider SDK", (entry, names) => {
    const script = `
      const m = require(${JSON.stringify(entry)});
      const sdks = Object.keys(require.cache)
        .map((f) => /node_modules\\/(@(?:pulumi|muhlba91)\\/[^/]+)\\//.exec(f)?.[1])
        .filter((p) => p && p !== "@pulumi/pulumi");
      process.stdout.write(JSON.stringify({ exported: ${JSON.stringify(names)}.filter((n) => m[n] !== undefined), sdks: [...new Set(sdks)] }));
    `;
    const r = spawnSync(process.execPath, ["-e", script], { cwd: program, encoding: "utf8", timeout: 30_000 });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ exported: names, sdks: [] });
  });

  it("installs the machina command", () => {
    const r = spawnSync(path.join(program, "node_modules/.bin/machina"), ["providers"], {
      cwd: program,
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/hetzner/);
  });
});
