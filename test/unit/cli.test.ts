import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT, summaryText } from "../../dist/automation/commands";
import { run, status } from "../../dist/automation/operations";

const ROOT = path.resolve(__dirname, "../..");
const CLI = path.join(ROOT, "dist/automation/cli.js");

function machina(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(HCLOUD_TOKEN|DIGITALOCEAN_(ACCESS_)?TOKEN)$/.test(k)),
  ) as Record<string, string>;
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { ...clean, ...env },
    encoding: "utf8",
    timeout: 30_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

let keys: string;
beforeAll(() => {
  keys = mkdtempSync(path.join(tmpdir(), "machina-cli-keys-"));
  writeFileSync(
    path.join(keys, "id"),
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
  );
});
afterAll(() => rmSync(keys, { recursive: true, force: true }));

describe("machina CLI", () => {
  it("switches Node's compile cache on, under the system's temporary directory, for the modules it loads from disk", () => {
    const temporary = mkdtempSync(path.join(tmpdir(), "machina-compile-cache-"));
    try {
      expect(machina(["providers"], { TMPDIR: temporary }).code).toBe(0);
      const cached = spawnSync("find", [path.join(temporary, "node-compile-cache"), "-type", "f"], {
        encoding: "utf8",
      }).stdout.trim();
      expect(cached.split("\n").filter(Boolean).length).toBeGreaterThanOrEqual(1);
    } finally {
      rmSync(temporary, { recursive: true, force: true });
    }
  });

  it("providers: every built-in with its capabilities, as text and JSON", () => {
    const text = machina(["providers"]);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/hetzner\s+Hetzner Cloud servers/);
    expect(text.out).toMatch(/capabilities: .*arm64/);
    const json = JSON.parse(machina(["--json", "providers"]).out) as { name: string; capabilities: string[] }[];
    expect(json.map((p) => p.name)).toEqual([
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
    expect(json.find((p) => p.name === "digitalocean")!.capabilities).not.toContain("arm64");
    // vSphere: derived from its module (no public address, no firewall, sizes change in place, one "region").
    expect(json.find((p) => p.name === "vsphere")!.capabilities).toEqual(["resizeInPlace"]);
    // A day-two capability only where the module implements it: power on five, nothing else yet.
    expect(json.filter((p) => p.capabilities.includes("power")).map((p) => p.name)).toEqual([
      "aws",
      "gcp",
      "kubevirt",
      "libvirt",
      "proxmox",
    ]);
    expect(json.filter((p) => p.capabilities.includes("snapshot")).map((p) => p.name)).toEqual([
      "aws",
      "azure",
      "gcp",
      "hetzner",
      "kubevirt",
      "libvirt",
    ]);
    // Adoption and the live state on every provider but vSphere.
    const allButVsphere = json.map((p) => p.name).filter((n) => n !== "vsphere");
    expect(json.filter((p) => p.capabilities.includes("adopt")).map((p) => p.name)).toEqual(allButVsphere);
    expect(json.filter((p) => p.capabilities.includes("state")).map((p) => p.name)).toEqual(allButVsphere);
    expect(text.out).toMatch(/libvirt .*\n\s+capabilities: .*power.*snapshot/);
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
    expect(r.out).toContain(
      "Capabilities: publicIp=yes, firewall=yes, resizeInPlace=yes, arm64=yes, regions=yes, power=no, snapshot=yes, adopt=yes, state=yes",
    );
    expect(r.out).toContain("Options (providerOptions.hetzner):");
    expect(r.out).toMatch(
      /^  sshKeysVia \("cloud-init" \| "api", default "cloud-init"\): how SSH keys reach the server/m,
    );
    expect(r.out).toMatch(
      /^  existingSshKeys \(string\[\], Input\): names or ids of SSH keys already in the Hetzner project/m,
    );
    expect(r.out).toMatch(/^  networkId \(integer, Input\): a Hetzner network/m);
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
    expect(report).toMatchObject({
      environment: "staging",
      provider: "hetzner",
      stack: "staging-hetzner",
      problems: [],
    });
    expect(report.machines.map((m: { region: string }) => m.region)).toEqual(["fsn1", "fsn1", "fsn1"]);
  });

  it("validate: an unknown environment or provider is a usage mistake (exit 2) and lists the known ones", () => {
    const env = machina(["validate", "-e", "qa"]);
    expect(env.code).toBe(2);
    expect(env.err).toMatch(/unknown environment "qa": known environments are .*production, staging/);
    const provider = machina(["validate", "-e", "staging", "-p", "vultr"]);
    expect(provider.code).toBe(2);
    expect(provider.err).toMatch(
      /unknown provider "vultr": known providers are aws, azure, digitalocean, gcp, hetzner, kubevirt, libvirt, proxmox/,
    );
    expect(machina(["info", "vultr"]).code).toBe(2);
  });

  it("usage errors exit 2", () => {
    expect(machina(["validate"]).code).toBe(2);
    expect(machina(["frobnicate"]).code).toBe(2);
    expect(machina(["--help"]).code).toBe(0);
  });

  it("usage mistakes of a run exit 2 before anything runs: environment, provider, --ssh-key-file, -c", () => {
    const cases: [string[], RegExp][] = [
      [["up", "-e", "qa"], /unknown environment "qa"/],
      [["preview", "-e", "staging", "-p", "vultr"], /unknown provider "vultr"/],
      [["status", "-e", "qa"], /unknown environment "qa"/],
      [
        ["up", "-e", "development", "--ssh-key-file", "/nonexistent/id.pub"],
        /--ssh-key-file \/nonexistent\/id\.pub: no such file/,
      ],
      [["up", "-e", "development", "--ssh-key-file", path.join(keys, "id")], /is a private key: pass the \.pub file/],
      [["up", "-e", "development", "-c", "network"], /--config "network": write namespace:key=value/],
      [["up", "-e", "development", "-c", "=user"], /--config "=user"/],
      [["destroy", "-e", "development", "-c", "no-namespace=1"], /--config "no-namespace=1"/],
      [["up", "-e", "development", "--project-dir", "/nonexistent"], /has no Pulumi\.yaml/],
    ];
    for (const [args, message] of cases) {
      const r = machina(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err, args.join(" ")).toMatch(message);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
    const json = machina(["--json", "up", "-e", "qa"]);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.out)).toMatchObject({
      ok: false,
      exitCode: 2,
      error: expect.stringMatching(/unknown environment/),
      failure: { class: "invalid-spec" },
    });
  });

  it("a malformed stack file: file, line and column, exit 1, no stack trace, JSON under --json", () => {
    const project = mkdtempSync(path.join(tmpdir(), "machina-cli-yaml-"));
    try {
      writeFileSync(path.join(project, "Pulumi.yaml"), "name: shop\nruntime: nodejs\nstackConfigDir: stacks\n");
      mkdirSync(path.join(project, "stacks"));
      writeFileSync(
        path.join(project, "stacks", "Pulumi.qa.yaml"),
        "config:\n  machina:provider: libvirt\n  machina:machines:\n    - name: web\n     size: small\n",
      );
      const validate = machina(["--project-dir", project, "validate", "-e", "qa"]);
      expect(validate.code).toBe(1);
      expect(validate.out).toMatch(/stacks\/Pulumi\.qa\.yaml:5:1: Sequence item without - indicator/);
      const up = machina(["--project-dir", project, "up", "-e", "qa"]);
      expect(up.code).toBe(1);
      expect(up.out).toMatch(/up qa: FAILED/);
      expect(up.out).toMatch(/Pulumi\.qa\.yaml:5:1: /);
      expect(up.out).toMatch(/^hint \[invalid-spec\]: /m);
      expect(up.out + up.err).not.toMatch(/\n\s+at |unexpected error/);
      const json = machina(["--json", "--project-dir", project, "up", "-e", "qa"]);
      expect(json.code).toBe(1);
      expect(JSON.parse(json.out)).toMatchObject({ ok: false, failure: { class: "invalid-spec", retryable: false } });
      writeFileSync(
        path.join(project, "Pulumi.yaml"),
        "name: shop\nruntime: nodejs\nstackConfigDir: stacks\n\tmain: x\n",
      );
      const project_ = machina(["--project-dir", project, "environments"]);
      expect(project_.code).toBe(1);
      expect(project_.err).toMatch(/Pulumi\.yaml:4:1: Tabs are not allowed/);
      expect(project_.err).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  it("status, refresh and destroy of a stack never created answer without creating it or touching its file", () => {
    const project = mkdtempSync(path.join(tmpdir(), "machina-cli-never-"));
    try {
      writeFileSync(path.join(project, "Pulumi.yaml"), "name: shop\nruntime: nodejs\nstackConfigDir: stacks\n");
      mkdirSync(path.join(project, "stacks"));
      const stackFile = path.join(project, "stacks", "Pulumi.qa.yaml");
      const text = "config:\n  machina:provider: libvirt\n  machina:machines:\n    - name: web\n";
      writeFileSync(stackFile, text);
      // No engine on PATH: none is needed to say a stack was never run.
      const env = { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin` };
      const status = machina(["--project-dir", project, "status", "-e", "qa"], env);
      expect(status.code, status.out + status.err).toBe(0);
      expect(status.out).toMatch(/^qa: 0 resources, never run$/m);
      const json = JSON.parse(machina(["--json", "--project-dir", project, "status", "-e", "qa", "--live"], env).out);
      expect(json).toMatchObject({
        ok: true,
        stack: "qa",
        environment: "qa",
        provider: "libvirt",
        resources: 0,
        live: {},
      });
      for (const operation of ["refresh", "destroy"]) {
        const r = machina(["--json", "--project-dir", project, operation, "-e", "qa"], env);
        expect(r.code, r.out + r.err).toBe(0);
        expect(JSON.parse(r.out)).toMatchObject({ ok: true, operation, stack: "qa", changes: {}, changed: false });
      }
      expect(readFileSync(stackFile, "utf8")).toBe(text);
      expect(existsSync(path.join(project, ".pulumi-state"))).toBe(false);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  it("validate lists every problem of a stack file at once", () => {
    const project = mkdtempSync(path.join(tmpdir(), "machina-cli-all-"));
    try {
      writeFileSync(path.join(project, "Pulumi.yaml"), "name: shop\nruntime: nodejs\nstackConfigDir: stacks\n");
      mkdirSync(path.join(project, "stacks"));
      writeFileSync(
        path.join(project, "stacks", "Pulumi.qa.yaml"),
        "config:\n  machina:provider: 7\n  machina:machines:\n    - name: web\n      size: huge\n",
      );
      const r = machina(["--json", "--project-dir", project, "validate", "-e", "qa", "-p", "libvirt"]);
      expect(r.code).toBe(1);
      const problems = (JSON.parse(r.out).problems as string[]).join("\n");
      expect(problems).toContain("machina:provider = 7");
      expect(problems).toContain('web.size = "huge"');
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
});

describe("run summaries as the CLI prints them", () => {
  const base = {
    operation: "refresh" as const,
    stack: "development",
    ok: true,
    changes: { refresh: 1, delete: 1 },
    changed: true,
    durationSeconds: 1.5,
  };

  it("refresh prints only machines that still exist, and says which are gone", () => {
    const text = summaryText({
      ...base,
      outputs: {
        machineOutputs: { api: { type: "1cpu-2gb", privateIp: "10.0.2.15", ssh: "ssh -p 40001 machina@127.0.0.1" } },
      },
      goneMachines: ["dev"],
    });
    expect(text).toContain("api: 1cpu-2gb, address 10.0.2.15, ssh -p 40001 machina@127.0.0.1");
    expect(text).toMatch(/^  dev: gone \(deleted outside the stack; `machina up` creates it again\)$/m);
    expect(text.match(/ssh -p/g)).toHaveLength(1);
  });

  it("a failure ends with one hint line of its class", () => {
    const text = summaryText({
      ...base,
      operation: "up",
      ok: false,
      changes: {},
      changed: false,
      outputs: {},
      error:
        "another `up` of this stack is running, pid 4242 since 2026-05-01T10:00:00Z: wait until it ends, then run again",
      failure: {
        class: "conflict",
        retryable: true,
        hint: "another run or resource is in the way: wait until it is done, then run again",
      },
      lockedBy: { pid: 4242, since: "2026-05-01T10:00:00Z" },
    });
    expect(text.split("\n").pop()).toBe(
      "hint [conflict, retryable]: another run or resource is in the way: wait until it is done, then run again",
    );
    const rate = summaryText({
      ...base,
      ok: false,
      outputs: {},
      error: "429",
      failure: { class: "rate-limit", retryable: true, retryAfterSeconds: 30, hint: "wait" },
    });
    expect(rate).toMatch(/hint \[rate-limit, retryable\]: wait \(retry after 30 s\)$/);
  });

  it("the exit codes the README documents", () => {
    expect(EXIT).toEqual({ ok: 0, failed: 1, usage: 2, changesPending: 3, locked: 4 });
    const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
    for (const [name, code] of Object.entries(EXIT)) expect(readme, name).toMatch(new RegExp(`^\\| ${code} \\|`, "m"));
  });
});

describe("run() and status() never throw for a failed run", () => {
  it("without the engine on PATH: a failed summary that says how to get it", async () => {
    const saved = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      const summary = await run("up", {
        environment: "development",
        projectDir: ROOT,
        config: { "libvirt:network": "user" },
      });
      expect(summary).toMatchObject({
        ok: false,
        operation: "up",
        stack: "development",
        failure: { class: "not-found", retryable: false },
      });
      expect(summary.error).toMatch(/the Pulumi engine \(the pulumi command\) is not on PATH/);
      const inline = await run("preview", {
        projectName: "p",
        stackName: "Bad Name!",
        program: async () => ({}),
        stateDir: keys,
      });
      expect(inline).toMatchObject({
        ok: false,
        stack: "Bad Name!",
        failure: { class: "invalid-spec", retryable: false },
      });
      expect(inline.error).toMatch(/stackName = "Bad Name!": allowed letters, digits, '-', '_' and '\.'/);
      expect(
        (await status({ projectName: "p", stackName: "Bad Name!", program: async () => ({}), stateDir: keys })).ok,
      ).toBe(false);
      // A stack never created needs no engine to say so.
      const s = await status({ projectName: "p", stackName: "never", program: async () => ({}), stateDir: keys });
      expect(s).toMatchObject({ ok: true, operation: "status", stack: "never", resources: 0 });
      expect(s.lastUpdate).toBeUndefined();
    } finally {
      process.env.PATH = saved;
    }
  });
});
