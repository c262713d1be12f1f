import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");
const CLI = path.join(ROOT, "dist/automation/cli.js");

function machina(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(HCLOUD_TOKEN|DIGITALOCEAN_(ACCESS_)?TOKEN)$/.test(k)),
  ) as Record<string, string>;
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...clean, ...env }, encoding: "utf8", timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("machina CLI", () => {
  it("providers: every built-in with its capabilities, as text and JSON", () => {
    const text = machina(["providers"]);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/hetzner\s+Hetzner Cloud servers/);
    expect(text.out).toMatch(/capabilities: .*arm64/);
    const json = JSON.parse(machina(["--json", "providers"]).out) as { name: string; capabilities: string[] }[];
    expect(json.map((p) => p.name)).toEqual(["aws", "azure", "digitalocean", "gcp", "hetzner", "kubevirt", "libvirt", "proxmox"]);
    expect(json.find((p) => p.name === "digitalocean")!.capabilities).not.toContain("arm64");
  });

  it("environments: each with its default provider", () => {
    const r = machina(["environments"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/production\s+provider hetzner, 4 machine\(s\)/);
    expect(r.out).toMatch(/staging\s+provider digitalocean, 3 machine\(s\)/);
  });

  it("info: credentials, tools, regions, images and dated prices", () => {
    const r = machina(["info", "hetzner"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("Hetzner Cloud API token: config hcloud:token or env HCLOUD_TOKEN");
    expect(r.out).toMatch(/Regions: fsn1, nbg1, hel1, ash, hil, sin \(default fsn1\)/);
    expect(r.out).toMatch(/Sizes \(EUR per hour, as of \d{4}-\d{2}-\d{2}\)/);
    expect(r.out).toMatch(/cax11\s+arm64\s+2 vCPU\s+4 GiB/);
  });

  it("validate: a missing credential fails and says how to supply it", () => {
    const r = machina(["validate", "--environment", "production"]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("missing Hetzner Cloud API token");
    expect(r.out).toContain("pulumi config set --secret hcloud:token <value> --stack production");
    expect(r.out).toContain("export HCLOUD_TOKEN");
    const gcp = machina(["validate", "-e", "staging", "-p", "gcp"]);
    expect(gcp.code).toBe(1);
    expect(gcp.out).toContain("`pulumi config set gcp:project <value> --stack staging-gcp`");
    expect(gcp.out).toContain("`pulumi config set --secret gcp:credentials <value> --stack staging-gcp`");
  });

  it("validate: passes with the credential, showing the resolved plan", () => {
    const r = machina(["validate", "-e", "production"], { HCLOUD_TOKEN: "t" });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/web: cax11 in fsn1, image ubuntu-24.04, 0.004 EUR\/h, ports 22\/tcp 80\/tcp 443\/tcp/);
    expect(r.out.trim().endsWith("ok")).toBe(true);
  });

  it("validate: any environment on any provider, in a stack of its own", () => {
    const r = machina(["--json", "validate", "-e", "staging", "-p", "hetzner"], { HCLOUD_TOKEN: "t" });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report).toMatchObject({ environment: "staging", provider: "hetzner", stack: "staging-hetzner", problems: [] });
    expect(report.machines.map((m: { region: string }) => m.region)).toEqual(["fsn1", "fsn1", "fsn1"]);
  });

  it("validate: an unknown environment or provider exits non-zero and lists the known ones", () => {
    const env = machina(["validate", "-e", "qa"]);
    expect(env.code).toBe(1);
    expect(env.err).toMatch(/unknown environment "qa": known environments are .*production, staging/);
    const provider = machina(["validate", "-e", "staging", "-p", "vultr"]);
    expect(provider.code).toBe(1);
    expect(provider.out).toMatch(/unknown provider "vultr": known providers are aws, azure, digitalocean, gcp, hetzner, kubevirt, libvirt, proxmox/);
  });

  it("usage errors exit 2", () => {
    expect(machina(["validate"]).code).toBe(2);
    expect(machina(["frobnicate"]).code).toBe(2);
    expect(machina(["--help"]).code).toBe(0);
  });
});
