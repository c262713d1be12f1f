import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listMachines, machineListText, storedStacks } from "../../dist/automation/list";

const SECRET = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "v1:abc" };

/** A checkpoint as the file backend writes it, reduced to what `list` reads. */
function checkpoint(outputs: Record<string, unknown>, time = "2026-11-23T10:00:00Z") {
  return JSON.stringify({
    version: 3,
    checkpoint: {
      stack: "organization/shop/x",
      latest: {
        manifest: { time, magic: "m", version: "v3.259.0" },
        resources: [
          { urn: "urn:pulumi:x::shop::pulumi:pulumi:Stack::shop-x", type: "pulumi:pulumi:Stack", outputs },
          { urn: "urn:pulumi:x::shop::machina:index:Machine::web", type: "machina:index:Machine", outputs: {} },
        ],
      },
    },
  });
}

let project: string;
beforeAll(() => {
  project = mkdtempSync(path.join(tmpdir(), "machina-list-"));
  writeFileSync(path.join(project, "Pulumi.yaml"), "name: shop\nruntime: nodejs\n");
  const stacks = path.join(project, ".pulumi-state", ".pulumi", "stacks", "shop");
  mkdirSync(stacks, { recursive: true });
  writeFileSync(
    path.join(stacks, "production.json"),
    checkpoint({
      environment: "production",
      providerName: "hetzner",
      machineOutputs: {
        web: { region: "fsn1", type: "cx23", publicIp: "203.0.113.7", ssh: "ssh root@203.0.113.7", state: "running" },
        db: { region: "fsn1", type: "cx11-retired", privateIp: "10.0.0.3", state: "stopped" },
      },
    }),
  );
  // A stack on another provider than the environment's default, stored gzipped; its address a secret.
  writeFileSync(
    path.join(stacks, "staging-aws.json.gz"),
    gzipSync(
      checkpoint({
        environment: "staging",
        providerName: "aws",
        machineOutputs: { api: { region: "eu-central-1", type: "t3.micro", publicIp: SECRET } },
      }),
    ),
  );
  // Destroyed: no machines left; and a stack whose machine outputs are a secret as a whole.
  writeFileSync(path.join(stacks, "development.json"), checkpoint({ environment: "development", machineOutputs: {} }));
  writeFileSync(path.join(stacks, "sealed.json"), checkpoint({ environment: "sealed", machineOutputs: SECRET }));
  writeFileSync(path.join(stacks, "notes.txt"), "not a checkpoint");
});
afterAll(() => rmSync(project, { recursive: true, force: true }));

describe("machina list", () => {
  it("reads every stack's checkpoint, plain or gzipped, without the engine", () => {
    const stacks = storedStacks(path.join(project, ".pulumi-state"), "shop");
    expect(stacks.map((s) => [s.stack, s.environment, s.provider, Object.keys(s.machines)])).toEqual([
      ["development", "development", undefined, []],
      ["production", "production", "hetzner", ["web", "db"]],
      ["sealed", "sealed", undefined, []],
      ["staging-aws", "staging", "aws", ["api"]],
    ]);
  });

  it("lists each machine with its address, state and the catalog's price; a secret is never shown", async () => {
    const saved = process.env.PULUMI_BACKEND_URL;
    delete process.env.PULUMI_BACKEND_URL;
    try {
      const list = await listMachines(project);
      expect(list.problems).toEqual([]);
      expect(list.machines.map((m) => [m.stack, m.name, m.address, m.state, m.currency])).toEqual([
        ["production", "web", "203.0.113.7", "running", "EUR"],
        ["production", "db", "10.0.0.3", "stopped", undefined],
        ["staging-aws", "api", undefined, "unknown", "USD"],
      ]);
      expect(list.machines[0].hourlyPrice).toBeGreaterThan(0);
      expect(list.machines[0].updated).toBe("2026-11-23T10:00:00Z");
      const text = machineListText(list);
      expect(text.split("\n")[0]).toMatch(/^STACK\s+MACHINE\s+PROVIDER\s+REGION\s+TYPE\s+ADDRESS\s+STATE\s+PRICE\/H$/);
      expect(text).toMatch(/staging-aws\s+api\s+aws\s+eu-central-1\s+t3\.micro\s+-\s+unknown/);
      expect(text).toMatch(/production\s+db\s+hetzner\s+fsn1\s+cx11-retired\s+10\.0\.0\.3\s+stopped\s+-$/m);
      expect(text).not.toContain("ciphertext");
    } finally {
      if (saved !== undefined) process.env.PULUMI_BACKEND_URL = saved;
    }
  });

  it("refuses a backend it cannot read, naming what to use instead", async () => {
    const saved = process.env.PULUMI_BACKEND_URL;
    process.env.PULUMI_BACKEND_URL = "s3://bucket/state";
    try {
      await expect(listMachines(project)).rejects.toThrow(
        /local file backend; PULUMI_BACKEND_URL is s3:\/\/bucket\/state/,
      );
    } finally {
      if (saved === undefined) delete process.env.PULUMI_BACKEND_URL;
      else process.env.PULUMI_BACKEND_URL = saved;
    }
  });
});
