import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { fakeProvider } from "../../dist/testing";
import type { RecordedResource } from "../../dist/testing";
import { installMachinaMocks, ofType, settle, valueOf } from "../../dist/testing";

let recorded: RecordedResource[];
let lib: typeof import("../../dist/index.js");

beforeAll(async () => {
  recorded = installMachinaMocks({ project: "p", stack: "dev" });
  lib = await import("../../dist/index.js");
});
afterEach(() => lib && require("../../dist/providers/registry").clearRegisteredProviders());

describe("provider registry", () => {
  it("finds built-in providers by folder without loading them", () => {
    const names = lib.builtInProviderNames();
    expect(names).toEqual(expect.arrayContaining(["digitalocean", "hetzner"]));
    expect(names).not.toContain("contract");
    // The provider kit is a folder with an index next to the providers, and no provider.
    expect(names).not.toContain("kit");
  });

  it("an unknown provider lists the known ones", () => {
    expect(() => lib.resolveProvider("vultr")).toThrow(lib.UnknownProviderError);
    expect(() => lib.resolveProvider("vultr")).toThrow(
      /unknown provider "vultr": known providers are aws, azure, digitalocean, gcp, hetzner, kubevirt, libvirt, proxmox/,
    );
    expect(() => new lib.Machine("m", { provider: "Not A Name" })).toThrow(/unknown provider "Not A Name"/);
  });

  it("says how to choose a provider when none is configured", () => {
    expect(() => new lib.Machine("m", {})).toThrow(/no provider chosen: .*pulumi config set machina:provider/);
  });

  it("registerProvider makes a program's own provider available by name", async () => {
    lib.registerProvider(fakeProvider("fakecloud"));
    expect(lib.knownProviderNames()).toContain("fakecloud");
    const m = new lib.Machine("vm", { provider: "fakecloud", size: { cpus: 2, memoryGiB: 2 } });
    expect(await valueOf(m.type)).toBe("f2");
    expect(await valueOf(m.ssh)).toBe("ssh ubuntu@192.0.2.7");
    await settle();
    expect(ofType(recorded, "fakecloud:index:Vm")[0].inputs).toMatchObject({
      name: "p-dev-vm",
      type: "f2",
      image: "img-u24",
    });
  });

  it("accepts a module object as the provider argument", async () => {
    const m = new lib.Machine("direct", { provider: fakeProvider("inline") });
    expect(await valueOf(m.provider)).toBe("inline");
  });

  it("refuses something that is not a provider, saying what is missing", () => {
    expect(() => lib.registerProvider({ name: "half" } as never)).toThrow(
      /lacks description, requirements, platformFacts, catalog, create/,
    );
    expect(() =>
      lib.registerProvider({ ...fakeProvider("facts"), platformFacts: { publicIp: true, firewall: "yes" } } as never),
    ).toThrow(/platformFacts\.firewall, platformFacts\.resizeInPlace must be true or false/);
  });

  it("refuses hand-set capabilities, naming what replaces them", () => {
    const handSet = { ...fakeProvider("hand-set"), capabilities: { powerControl: true, snapshots: true } };
    expect(() => lib.registerProvider(handSet as never)).toThrow(
      /declares capabilities, which Machina derives: operations \(power, snapshot, adopt, state\) from the functions the module exports, arm64 and regions from its catalog\. Remove capabilities and declare platformFacts/,
    );
  });

  it("stops before any resource when the provider's SDK is not installed", () => {
    const before = recorded.length;
    const module = fakeProvider("needs-sdk", {
      requirements: { sdkPackage: "@pulumi/not-installed-anywhere", credentials: [], tools: [] },
    });
    expect(() => new lib.Machine("nosdk", { provider: module })).toThrow(lib.MissingPrerequisiteError);
    expect(() => new lib.Machine("nosdk2", { provider: module })).toThrow(
      /npm install @pulumi\/not-installed-anywhere/,
    );
    expect(recorded.length).toBe(before);
  });

  it("loads a third-party provider from an npm package named in config", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "machina-3p-"));
    const pkg = path.join(dir, "node_modules", "@acme", "machina-provider");
    mkdirSync(pkg, { recursive: true });
    writeFileSync(path.join(pkg, "package.json"), JSON.stringify({ name: "@acme/machina-provider", main: "index.js" }));
    writeFileSync(
      path.join(pkg, "index.js"),
      `const base = require(${JSON.stringify(path.resolve("test/support/fake-provider-cjs.js"))});\nexports.default = base.make("acme");\n`,
    );
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const module = lib.resolveProvider("@acme/machina-provider");
      expect(module.name).toBe("acme");
      expect(() => lib.resolveProvider("@acme/not-there")).toThrow(/unknown provider "@acme\/not-there"/);
    } finally {
      process.chdir(cwd);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("providers declare which interrupted creates heal themselves; core lists none of its own but readiness", () => {
    const { selfHealingTypes } = require("../../dist/automation/recover");
    expect(selfHealingTypes().sort()).toEqual([
      "pulumi-nodejs:dynamic/machina:LibvirtBaseImage",
      "pulumi-nodejs:dynamic/machina:LibvirtMachine",
      "pulumi-nodejs:dynamic/machina:LibvirtSnapshot",
      "pulumi-nodejs:dynamic/machina:ReadinessCheck",
      "pulumi-nodejs:dynamic/machina:VsphereMachine",
    ]);
  });

  it("a new built-in provider is a new folder: no core file changes", () => {
    const folder = path.resolve("dist/providers/zz-folder-test");
    mkdirSync(folder, { recursive: true });
    writeFileSync(
      path.join(folder, "index.js"),
      `exports.default = require(${JSON.stringify(path.resolve("test/support/fake-provider-cjs.js"))}).make("zz-folder-test");\n`,
    );
    try {
      expect(lib.builtInProviderNames()).toContain("zz-folder-test");
      expect(lib.resolveProvider("zz-folder-test").description).toBe("an in-test cloud");
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
