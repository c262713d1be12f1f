import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");
const OTHER_SDKS = [
  "@pulumi/aws",
  "@pulumi/gcp",
  "@pulumi/azure-native",
  "@pulumi/digitalocean",
  "@pulumi/kubernetes",
  "@muhlba91/pulumi-proxmoxve",
];

/** Runs a program under Pulumi mocks in a fresh Node process and reports which SDKs it loaded. */
function loadedPackages(
  provider: string,
  sshKeys: string[] = [],
  ports: number[] = [80],
): { loaded: string[]; type: string } {
  const script = `
    const pulumi = require("@pulumi/pulumi");
    pulumi.runtime.setMocks({ newResource: (a) => ({ id: "1", state: a.inputs }), call: (a) => a.inputs }, "p", "s", false);
    const { Machine } = require(${JSON.stringify(path.join(ROOT, "dist/index.js"))});
    const m = new Machine("m", { provider: ${JSON.stringify(provider)}, size: "small", sshKeys: ${JSON.stringify(sshKeys)}, ports: ${JSON.stringify(ports)}, providerOptions: { libvirt: { network: "user" } } });
    m.type.apply((type) => setTimeout(() => {
      const loaded = [...new Set(Object.keys(require.cache)
        .map((f) => /node_modules\\/(@(?:pulumi|muhlba91)\\/[^/]+)\\//.exec(f)?.[1]).filter(Boolean))].sort();
      process.stdout.write(JSON.stringify({ loaded, type }));
    }, 200));
  `;
  const r = spawnSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe("load only what a stack uses", () => {
  it("the other SDKs are installed, so these checks mean something", () => {
    for (const sdk of OTHER_SDKS)
      expect(existsSync(path.join(ROOT, "node_modules", sdk, "package.json")), sdk).toBe(true);
  });

  it("a Machine on Hetzner loads @pulumi/hcloud and no other provider SDK", () => {
    const { loaded, type } = loadedPackages("hetzner");
    expect(type).toBe("cx23");
    expect(loaded).toContain("@pulumi/hcloud");
    for (const sdk of OTHER_SDKS) expect(loaded).not.toContain(sdk);
  });

  it("a Machine on DigitalOcean loads @pulumi/digitalocean and not @pulumi/hcloud", () => {
    const { loaded } = loadedPackages("digitalocean");
    expect(loaded).toContain("@pulumi/digitalocean");
    expect(loaded).not.toContain("@pulumi/hcloud");
    expect(loaded).not.toContain("@pulumi/aws");
  });

  it("a Machine on AWS loads @pulumi/aws and no other provider SDK", () => {
    const { loaded, type } = loadedPackages("aws");
    expect(type).toBe("t3.small");
    expect(loaded).toContain("@pulumi/aws");
    for (const sdk of ["@pulumi/gcp", "@pulumi/azure-native", "@pulumi/digitalocean", "@pulumi/hcloud"])
      expect(loaded).not.toContain(sdk);
  });

  it("a Machine on GCP loads @pulumi/gcp and no other provider SDK", () => {
    const { loaded, type } = loadedPackages("gcp");
    expect(type).toBe("e2-small");
    expect(loaded).toContain("@pulumi/gcp");
    for (const sdk of ["@pulumi/aws", "@pulumi/azure-native", "@pulumi/digitalocean", "@pulumi/hcloud"])
      expect(loaded).not.toContain(sdk);
  });

  it("a Machine on Azure loads @pulumi/azure-native and no other provider SDK", () => {
    const { loaded, type } = loadedPackages("azure", [
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk3m0d0Zb8o9H0vJ3yqvY3wQmQ5b6r9fL3e0Jm1xYzA a@b",
    ]);
    expect(type).toBe("Standard_B1ms");
    expect(loaded).toContain("@pulumi/azure-native");
    for (const sdk of ["@pulumi/aws", "@pulumi/gcp", "@pulumi/digitalocean", "@pulumi/hcloud"])
      expect(loaded).not.toContain(sdk);
  });

  const SDK_OF: Record<string, string> = {
    aws: "@pulumi/aws",
    gcp: "@pulumi/gcp",
    azure: "@pulumi/azure-native",
    hetzner: "@pulumi/hcloud",
    digitalocean: "@pulumi/digitalocean",
    kubevirt: "@pulumi/kubernetes",
    proxmox: "@muhlba91/pulumi-proxmoxve",
  };
  it.each(["proxmox", "kubevirt", "libvirt"])("a Machine on %s loads no other provider SDK", (provider) => {
    const { loaded } = loadedPackages(provider, [], provider === "proxmox" ? [] : [80]);
    const own = SDK_OF[provider];
    if (own) expect(loaded).toContain(own);
    for (const sdk of Object.values(SDK_OF).filter((s) => s !== own)) expect(loaded).not.toContain(sdk);
  });

  it("every provider's platformUserData (what the size check measures) loads no provider SDK", () => {
    const script = `
      const registry = require(${JSON.stringify(path.join(ROOT, "dist/providers/registry.js"))});
      const sizes = {};
      for (const name of registry.builtInProviderNames()) {
        const module = registry.resolveProvider(name);
        const spec = { name: "m", hostname: "m", platformName: "p-s-m", region: module.catalog.defaults.region, arch: "x86_64",
          size: { type: "t", fromCatalog: true }, image: { id: "i", kind: "id" }, sshKeys: ["ssh-ed25519 AAAA k"],
          sshUser: "u", userData: "#!/bin/sh\\n", labels: {}, firewall: [], publicIp: true, options: {} };
        sizes[name] = module.platformUserData(spec, "#!/bin/sh\\n").length;
      }
      const loaded = [...new Set(Object.keys(require.cache)
        .map((f) => /node_modules\\/(@(?:pulumi|muhlba91)\\/[^/]+)\\//.exec(f)?.[1]).filter(Boolean))].sort();
      process.stdout.write(JSON.stringify({ loaded, sizes }));
    `;
    const r = spawnSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const { loaded, sizes } = JSON.parse(r.stdout);
    expect(Object.keys(sizes).sort()).toEqual([
      "aws",
      "azure",
      "digitalocean",
      "gcp",
      "hetzner",
      "kubevirt",
      "libvirt",
      "proxmox",
      "vsphere",
    ]);
    for (const sdk of Object.values(SDK_OF)) expect(loaded).not.toContain(sdk);
  });

  it.each(["testing", "providers/kit"])("loading pulumi-machina/%s loads no provider SDK", (entry) => {
    const script = `
      const exported = require(${JSON.stringify(ROOT)} + "/dist/" + ${JSON.stringify(entry)} + "/index.js");
      const loaded = [...new Set(Object.keys(require.cache)
        .map((f) => /node_modules\\/(@(?:pulumi|muhlba91)\\/[^/]+)\\//.exec(f)?.[1]).filter(Boolean))].sort();
      process.stdout.write(JSON.stringify({ exports: Object.keys(exported).length, loaded }));
    `;
    const r = spawnSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const { exports, loaded } = JSON.parse(r.stdout);
    expect(exports).toBeGreaterThan(5);
    for (const sdk of Object.values(SDK_OF)) expect(loaded).not.toContain(sdk);
  });

  it("the public entry's types reference no provider SDK", () => {
    const seen = new Set<string>();
    const sdkRefs: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, "utf8");
      for (const [, spec] of text.matchAll(/(?:from|import\()\s*["']([^"']+)["']/g)) {
        if (spec.startsWith(".")) {
          const next = path.resolve(path.dirname(file), spec.replace(/\.js$/, "")) + ".d.ts";
          if (existsSync(next)) visit(next);
        } else if (spec.startsWith("@pulumi/") && !spec.startsWith("@pulumi/pulumi")) {
          sdkRefs.push(`${path.relative(ROOT, file)} -> ${spec}`);
        }
      }
    };
    visit(path.join(ROOT, "dist/index.d.ts"));
    expect(seen.size).toBeGreaterThan(3);
    expect(sdkRefs).toEqual([]);
  });
});

describe("pulumi-machina/testing", () => {
  /** Loads the kit (as a user's test does), optionally builds one Machine, reports SDKs and values. */
  function withKit(program: string): { loaded: string[]; result: unknown } {
    const script = `
      const { installMachinaMocks, ofType, valueOf } = require("pulumi-machina/testing");
      const recorded = installMachinaMocks({ config: { "machina:provider": "hetzner" } });
      const report = (result) => {
        const loaded = [...new Set(Object.keys(require.cache)
          .map((f) => /node_modules\\/(@(?:pulumi|muhlba91)\\/[^/]+)\\//.exec(f)?.[1]).filter(Boolean))].sort();
        process.stdout.write(JSON.stringify({ loaded, result }));
      };
      ${program}
    `;
    const r = spawnSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout);
  }

  it("loads @pulumi/pulumi and no provider SDK", () => {
    const { loaded } = withKit("report(null);");
    expect(loaded).toEqual(["@pulumi/pulumi"]);
  });

  it("a Machine on Hetzner gets the platform's values: an address, a numeric firewall id, an ssh line", () => {
    const { loaded, result } = withKit(`
      const { Machine } = require("pulumi-machina");
      const web = new Machine("web", { size: "small", ports: [443], sshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk3m0d0Zb8o9H0vJ3yqvY3wQmQ5b6r9fL3e0Jm1xYzA a@b"] });
      Promise.all([valueOf(web.publicIp), valueOf(web.ssh)]).then(([ip, ssh]) => setTimeout(() => {
        const servers = ofType(recorded, "hcloud:index/server:Server");
        report({ ip, ssh, firewallIds: servers[0].inputs.firewallIds, servers: servers.length });
      }, 100));
    `);
    expect(result).toEqual({
      ip: expect.stringMatching(/^203\.0\.113\.\d+$/),
      ssh: expect.stringMatching(/^ssh root@203\.0\.113\.\d+$/),
      firewallIds: [expect.any(Number)],
      servers: 1,
    });
    expect(loaded).toContain("@pulumi/hcloud");
    for (const sdk of OTHER_SDKS) expect(loaded).not.toContain(sdk);
  });
});
