/**
 * The provider contract suite (testing/contract-suite.ts, the rules in docs/provider-contract.md) on
 * every built-in provider and on one defined in the program, the way a provider package runs it
 * against its own module. Built-in providers join by being a folder under providers/.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { builtInProviderNames } from "../../dist/providers/registry";
import { fakeProvider, providerContractSuite } from "../../dist/testing";

providerContractSuite(
  { describe, it, beforeAll, expect },
  {
    providers: [
      ...builtInProviderNames(),
      fakeProvider("registered-fake"),
      fakeProvider("written-for-1-0", { contractVersion: "1.0" }),
    ],
    // KubeVirt snapshots DataVolumes only: a container disk is ephemeral.
    snapshotSources: { kubevirt: { providerOptions: { kubevirt: { persistent: true } } } },
    // An id of the shape each platform gives its machines, in the suite's project (contract) and default region.
    adoptIds: {
      aws: "i-0123456789abcdef0",
      azure:
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/machina/providers/Microsoft.Compute/virtualMachines/machina-adopted",
      digitalocean: "12345678",
      gcp: "projects/contract/zones/us-central1-a/instances/machina-adopted",
      hetzner: "12345678",
      kubevirt: "machina-adopted",
      libvirt: "machina-adopted",
      proxmox: "pve/100",
    },
  },
);
