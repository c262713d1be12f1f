/**
 * The contract is versioned: a provider outside Machina declares the version it was written for, and
 * the registry refuses one this Machina does not speak, naming the fix.
 */
import { describe, expect, it } from "vitest";
import { CONTRACT_VERSION, contractVersionProblem } from "../../dist/core/contract-version";
import { clearRegisteredProviders, registerProvider, resolveProvider } from "../../dist/providers/registry";
import { fakeProvider } from "../../dist/testing";

describe("contractVersionProblem", () => {
  it.each([
    ["the same version", "1.0", "1.0"],
    ["an older minor of the same major", "1.0", "1.3"],
  ])("accepts %s", (_what, declared, ours) => {
    expect(contractVersionProblem(declared, "provider x", ours)).toBeUndefined();
  });

  it.each([
    ["no version", undefined, "1.0", /provider x declares no contractVersion: .*add contractVersion: "1\.0"/],
    ["a version that is not major.minor", "1", "1.0", /declares contractVersion "1", which is not "<major>\.<minor>"/],
    ["a number", 1.0, "1.0", /declares contractVersion 1, which is not/],
    [
      "a newer minor",
      "1.4",
      "1.3",
      /written for provider contract 1\.4; this pulumi-machina speaks 1\.3\. Upgrade pulumi-machina/,
    ],
    ["a newer major", "2.0", "1.3", /written for provider contract 2\.0; .*Upgrade pulumi-machina/],
    [
      "an older major",
      "1.2",
      "2.0",
      /written for provider contract 1\.2; .*Upgrade the provider to a release written for 2\.x/,
    ],
  ])("refuses %s, naming the fix", (_what, declared, ours, message) => {
    expect(contractVersionProblem(declared, "provider x", ours)).toMatch(message);
  });

  it("is what Machina speaks today", () => {
    expect(CONTRACT_VERSION).toMatch(/^\d+\.\d+$/);
    expect(contractVersionProblem(CONTRACT_VERSION, "x")).toBeUndefined();
  });
});

describe("the registry", () => {
  it.each([
    [undefined, /declares no contractVersion/],
    ["9.0", /Upgrade pulumi-machina/],
  ])("refuses a program's provider declaring %j", (contractVersion, message) => {
    try {
      expect(() => registerProvider({ ...fakeProvider("versioned"), contractVersion })).toThrow(message);
    } finally {
      clearRegisteredProviders();
    }
  });

  it("accepts the built-in providers, which ship with the contract they were written for", () => {
    expect(resolveProvider("hetzner").contractVersion).toBe(CONTRACT_VERSION);
  });
});
