import { mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../dist/core/errors";
import {
  expandMachines,
  listEnvironments,
  parseEnvironmentConfig,
  parseStackName,
  readEnvironmentFile,
  regionFor,
  stackNameFor,
} from "../../dist/stacks/environment";

const ROOT = path.resolve(__dirname, "../..");

describe("environments", () => {
  it("are the stack files of the project", () => {
    expect(listEnvironments(ROOT)).toEqual(expect.arrayContaining(["production", "staging"]));
  });

  it("a stack name is an environment, or an environment on another provider", () => {
    const envs = ["development", "staging", "production"];
    const providers = ["hetzner", "digitalocean", "libvirt"];
    expect(parseStackName("staging", envs, providers)).toEqual({ environment: "staging" });
    expect(parseStackName("staging-hetzner", envs, providers)).toEqual({ environment: "staging", provider: "hetzner" });
    expect(parseStackName("pr-42", envs, providers)).toEqual({ environment: "pr-42" });
    expect(stackNameFor("staging", "hetzner", "digitalocean")).toBe("staging-hetzner");
    expect(stackNameFor("staging", "digitalocean", "digitalocean")).toBe("staging");
    expect(stackNameFor("staging", undefined, "digitalocean")).toBe("staging");
  });

  it("reads the environment file without its secure values", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "machina-env-"));
    writeFileSync(path.join(dir, "Pulumi.yaml"), "name: x\nruntime: nodejs\nstackConfigDir: stacks\n");
    mkdirSync(path.join(dir, "stacks"));
    writeFileSync(
      path.join(dir, "stacks", "Pulumi.qa.yaml"),
      "config:\n  machina:provider: hetzner\n  hcloud:token:\n    secure: AAABBB\n",
    );
    expect(readEnvironmentFile(dir, "qa")).toEqual({ "machina:provider": "hetzner" });
    expect(() => readEnvironmentFile(dir, "prod")).toThrow(
      /unknown environment "prod": known environments are qa. Add stacks\/Pulumi.prod.yaml/,
    );
  });

  it("expands counts into stably named machines with stack-wide keys and labels", () => {
    const env = parseEnvironmentConfig(
      {
        "machina:provider": "hetzner",
        "machina:region": "hel1",
        "machina:sshKeys": ["ssh-ed25519 AAAA a"],
        "machina:labels": { team: "x" },
        "machina:machines": [{ name: "web", count: 3, size: "small", labels: { role: "web" } }, { name: "db" }],
      },
      "test",
    );
    const machines = expandMachines(env);
    expect(machines.map((m) => m.name)).toEqual(["web", "web-2", "web-3", "db"]);
    expect(machines[1].args).toEqual({
      size: "small",
      region: "hel1",
      sshKeys: ["ssh-ed25519 AAAA a"],
      labels: { team: "x", role: "web" },
    });
  });

  it("drops the default provider's regions when the environment runs elsewhere, or takes a per-provider region", () => {
    const env = parseEnvironmentConfig(
      { "machina:provider": "digitalocean", "machina:region": "fra1", "machina:machines": [{ name: "a", zone: "z" }] },
      "t",
    );
    expect(expandMachines(env, "hetzner")[0].args.region).toBeUndefined();
    expect(expandMachines(env, "hetzner")[0].args.zone).toBeUndefined();
    expect(expandMachines(env)[0].args.region).toBe("fra1");
    const perProvider = parseEnvironmentConfig({ "machina:region": { hetzner: "nbg1", digitalocean: "ams3" } }, "t");
    expect(regionFor(perProvider, "hetzner")).toBe("nbg1");
    expect(regionFor(perProvider, "aws")).toBeUndefined();
  });

  it("reads lists and maps stored as JSON text, as `pulumi config set` writes them", () => {
    const env = parseEnvironmentConfig(
      { "machina:sshKeys": '["ssh-ed25519 AAAA k"]', "machina:machines": '[{"name":"a","count":2}]' },
      "t",
    );
    expect(env.sshKeys).toEqual(["ssh-ed25519 AAAA k"]);
    expect(expandMachines(env).map((m) => m.name)).toEqual(["a", "a-2"]);
  });

  it("rejects bad config with field, value, what is allowed and the fix", () => {
    const bad = (config: Record<string, unknown>) => {
      try {
        parseEnvironmentConfig(config, "stack qa");
      } catch (e) {
        expect(e).toBeInstanceOf(ValidationError);
        return (e as ValidationError).problems;
      }
      throw new Error("accepted");
    };
    expect(bad({ "machina:machnes": [] })[0]).toMatchObject({
      field: "machina:machnes",
      allowed: expect.stringMatching(/machina:machines/),
    });
    expect(bad({ "machina:machines": {} })[0].field).toBe("machina:machines");
    expect(bad({ "machina:machines": [{ name: "Web Server" }] })[0]).toMatchObject({
      field: "machina:machines[0].name",
      value: '"Web Server"',
    });
    expect(bad({ "machina:machines": [{ name: "a" }, { name: "a" }] })[0].allowed).toMatch(/not used by another entry/);
    expect(bad({ "machina:machines": [{ name: "a", count: -1 }] })[0]).toMatchObject({
      field: "machina:machines[0].count",
      allowed: "an integer from 0 to 100",
    });
    expect(bad({ "machina:machines": [{ name: "a", provider: "aws" }] })[0].fix).toMatch(/machina:provider/);
    expect(bad({ "machina:sshKeys": "ssh-ed25519 AAAA" })[0].field).toBe("machina:sshKeys");
    expect(bad({ "machina:region": 5 })[0].field).toBe("machina:region");
  });

  it("the shipped environments validate on their own providers", () => {
    for (const name of ["staging", "production"]) {
      const env = parseEnvironmentConfig(readEnvironmentFile(ROOT, name), name);
      expect(expandMachines(env).length).toBeGreaterThan(0);
    }
  });
});

describe("expanded machine names", () => {
  it.each([
    {
      machines: [{ name: "web", count: 2 }, { name: "web-2" }],
      entry: 1,
      name: "web-2",
      clash: "web-2",
      other: "machines[0] (web, count 2)",
    },
    {
      machines: [{ name: "web-3" }, { name: "web", count: 3 }],
      entry: 1,
      name: "web",
      clash: "web-3",
      other: "machines[0] (web-3)",
    },
    {
      machines: [{ name: "web", count: 2 }, { name: "web-2", count: 2 }, { name: "web-2-2" }],
      entry: 1,
      name: "web-2",
      clash: "web-2",
      other: "machines[0] (web, count 2)",
    },
  ])(
    "$machines.length entries: $clash is made twice, found before anything runs",
    ({ machines, entry, name, clash, other }) => {
      let error: ValidationError | undefined;
      try {
        parseEnvironmentConfig({ "machina:machines": machines }, "environment t");
      } catch (e) {
        error = e as ValidationError;
      }
      expect(error).toBeInstanceOf(ValidationError);
      expect(error!.problems[0]).toMatchObject({
        field: `machina:machines[${entry}].name`,
        value: JSON.stringify(name),
      });
      expect(error!.problems[0].allowed).toContain(`${JSON.stringify(clash)} is also made by ${other}`);
    },
  );

  it("counts that do not meet pass", () => {
    const env = parseEnvironmentConfig(
      { "machina:machines": [{ name: "web", count: 2 }, { name: "web-3" }, { name: "db", count: 0 }] },
      "environment t",
    );
    expect(expandMachines(env).map((m) => m.name)).toEqual(["web", "web-2", "web-3"]);
  });
});
