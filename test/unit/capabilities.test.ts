/**
 * Capabilities take one form: operations from what a module exports, arm64 and regions from its
 * catalog, platform facts as declared. Nothing is hand-set, so nothing can claim what is not there.
 */
import { describe, expect, it } from "vitest";
import { CAPABILITY_NAMES, capabilitiesOf, capabilityList } from "../../dist/core/capabilities";
import type { ProviderModule } from "../../dist/core/contract";
import { builtInProviderNames, resolveProvider } from "../../dist/providers/registry";
import { fakeProvider } from "../../dist/testing";

const builtIns = builtInProviderNames().map((name) => [name, resolveProvider(name)] as const);

describe("capabilitiesOf", () => {
  it.each(builtIns)("%s has an operation capability exactly when it exports the operation", (_name, module) => {
    const capabilities = capabilitiesOf(module);
    for (const op of ["power", "snapshot", "adopt", "state"] as const)
      expect(capabilities[op], op).toBe(typeof module[op] === "function");
  });

  it("power: the providers that apply powerState in place have it, the others refuse it", () => {
    const withPower = builtIns.filter(([, m]) => capabilitiesOf(m).power).map(([name]) => name);
    expect(withPower).toEqual(["aws", "gcp", "kubevirt", "libvirt", "proxmox"]);
    expect(builtIns.filter(([, m]) => capabilitiesOf(m).snapshot).map(([name]) => name)).toEqual([]);
  });

  it("adopt: the providers whose modules export it (the clouds follow)", () => {
    expect(builtIns.filter(([, m]) => capabilitiesOf(m).adopt).map(([name]) => name)).toEqual(["kubevirt", "libvirt"]);
  });

  it("arm64 and regions come from the catalogs", () => {
    const on = (capability: "arm64" | "regions") =>
      builtIns.filter(([, m]) => capabilitiesOf(m)[capability]).map(([name]) => name);
    expect(on("arm64")).toEqual(["aws", "azure", "gcp", "hetzner"]);
    expect(on("regions")).toEqual(["aws", "azure", "digitalocean", "gcp", "hetzner"]);
  });

  it.each([
    ["power", "power"],
    ["snapshot", "snapshot"],
    ["adopt", "adopt"],
    ["state", "state"],
  ] as const)("a module that exports %s has that capability", (op, capability) => {
    const module: ProviderModule = { ...fakeProvider("ops"), [op]: () => undefined };
    expect(capabilitiesOf(module)[capability]).toBe(true);
    expect(capabilitiesOf(fakeProvider("ops"))[capability]).toBe(false);
  });

  it.each([
    [[{ type: "a", arch: "x86_64", cpus: 1, memoryGiB: 1, hourlyPrice: 1 }], [{ id: "r", name: "R" }], false, false],
    [
      [
        { type: "a", arch: "x86_64", cpus: 1, memoryGiB: 1, hourlyPrice: 1 },
        { type: "b", arch: "arm64", cpus: 1, memoryGiB: 1, hourlyPrice: 1 },
      ],
      [
        { id: "r", name: "R" },
        { id: "s", name: "S" },
      ],
      true,
      true,
    ],
  ] as const)("a catalog of sizes %j and regions %j gives arm64 %s, regions %s", (sizes, regions, arm64, many) => {
    const base = fakeProvider("cat");
    const module = {
      ...base,
      catalog: { ...base.catalog, sizes: [...sizes], regions: [...regions] },
    } as ProviderModule;
    expect(capabilitiesOf(module)).toMatchObject({ arm64, regions: many });
  });

  it("platform facts are as declared", () => {
    const module = {
      ...fakeProvider("facts"),
      platformFacts: { publicIp: false, firewall: true, resizeInPlace: true },
    };
    expect(capabilitiesOf(module)).toMatchObject({ publicIp: false, firewall: true, resizeInPlace: true });
  });

  it("lists what a module has, in the printed order", () => {
    const module: ProviderModule = { ...fakeProvider("list"), state: () => undefined };
    expect(capabilityList(capabilitiesOf(module))).toEqual(["publicIp", "firewall", "state"]);
    expect(Object.keys(capabilitiesOf(module)).sort()).toEqual([...CAPABILITY_NAMES].sort());
  });
});
