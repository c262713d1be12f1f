import * as pulumi from "@pulumi/pulumi";
import type { ProviderModule } from "../core/contract";
import { CONTRACT_VERSION } from "../core/contract-version";

class FakeVm extends pulumi.CustomResource {}

/**
 * A provider module defined in a program (as a user would), for registerProvider or a Machine's
 * `provider`: one resource `<name>:index:Vm` carrying what the spec resolved to, a public address
 * unless `publicIp: false`, and Machina's firewall rules as inputs. `extra` overrides any member.
 */
export function fakeProvider(name = "fakecloud", extra: Partial<ProviderModule> = {}): ProviderModule {
  return {
    contractVersion: CONTRACT_VERSION,
    name,
    description: "an in-test cloud",
    requirements: { credentials: [], tools: [] },
    platformFacts: { publicIp: true, firewall: true, resizeInPlace: false },
    catalog: {
      pricesAsOf: "2026-11-22",
      source: "test",
      currency: "USD",
      sizes: [
        { type: "f1", arch: "x86_64", cpus: 1, memoryGiB: 1, hourlyPrice: 0.01 },
        { type: "f2", arch: "x86_64", cpus: 2, memoryGiB: 4, hourlyPrice: 0.02 },
      ],
      regions: [{ id: "here", name: "Here" }],
      images: { "ubuntu-24.04": { x86_64: "img-u24" }, "debian-12": { x86_64: "img-d12" } },
      defaults: { region: "here", image: "ubuntu-24.04", sshUser: "ubuntu" },
      userDataMaxBytes: 16384,
    },
    create(spec, parent) {
      const vm = new FakeVm(
        `${name}:index:Vm`,
        spec.name,
        {
          name: spec.platformName,
          type: spec.size.type,
          image: spec.image.id,
          keys: spec.sshKeys,
          userData: spec.userData,
          labels: spec.labels,
          rules: spec.firewall,
          address: undefined,
        },
        { parent },
      );
      return {
        id: vm.id,
        publicIp: spec.publicIp ? "192.0.2.7" : undefined,
        privateIp: "10.0.0.7",
        details: { fake: true },
      };
    },
    ...extra,
  };
}
