/**
 * `machina validate`'s KubeVirt probe against a real API server, over HTTPS with a kubeconfig's client
 * certificate: a bare cluster (the fix is named), KubeVirt's CRDs without a deployed KubeVirt, then a
 * KubeVirt resource (its version and feature gates reported, validate says ok).
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { machina, makeProject } from "../engine/support";
import { type Cluster, installCrds, kubevirtCrds, startCluster } from "./cluster";
import { kubeObjects } from "./objects";

let cluster: Cluster;
let probeKubevirt: typeof import("../../dist/providers/kubevirt/probe").probeKubevirt;
let project: string;
const saved = process.env.KUBECONFIG;

const ENVIRONMENT = `config:
  machina:provider: kubevirt
  machina:machines:
    - name: web
      size: small
      image: debian-12
      ports: [80]
`;

beforeAll(async () => {
  cluster = await startCluster({ crds: false });
  process.env.KUBECONFIG = cluster.kubeconfigPath;
  ({ probeKubevirt } = await import("../../dist/providers/kubevirt/probe.js"));
  project = makeProject({ kv: ENVIRONMENT });
}, 120_000);

afterAll(async () => {
  if (saved === undefined) delete process.env.KUBECONFIG;
  else process.env.KUBECONFIG = saved;
  rmSync(project ?? "/nonexistent", { recursive: true, force: true });
  await cluster?.stop();
});

describe("the KubeVirt probe on a real API server", () => {
  it("a cluster without KubeVirt: both missing CRDs, each with its fix; the Kubernetes version", async () => {
    const probe = await probeKubevirt();
    expect(probe.problems).toEqual([
      "the cluster has no KubeVirt (CRD virtualmachines.kubevirt.io is missing): install the KubeVirt operator and its KubeVirt resource",
      "the cluster has no CDI (CRD datavolumes.cdi.kubevirt.io is missing): install CDI, needed for URL images and persistent disks",
    ]);
    expect(probe.facts).toEqual([`cluster ${cluster.server}: Kubernetes v1.33.3`]);

    const cli = machina(["validate", "-e", "kv", "--project-dir", project], { ...process.env });
    expect(cli.code).not.toBe(0);
    expect(cli.out).toContain("virtualmachines.kubevirt.io is missing");
    expect(cli.out).toContain("platform: cluster https://127.0.0.1:");
  });

  it("the CRDs without a KubeVirt resource: the operator has not deployed KubeVirt", async () => {
    await installCrds(cluster, kubevirtCrds());
    const probe = await probeKubevirt();
    expect(probe.problems).toEqual([
      "the cluster has KubeVirt's CRDs but no KubeVirt resource: create one (the operator's kubevirt-cr) so KubeVirt is deployed",
    ]);
  }, 60_000);

  it("a deployed KubeVirt: ok, with its version and feature gates", async () => {
    const objects = kubeObjects(cluster);
    await objects.createNamespace("kubevirt");
    await objects.createCustom("kubevirt.io", "v1", "kubevirts", "kubevirt", {
      apiVersion: "kubevirt.io/v1",
      kind: "KubeVirt",
      metadata: { name: "kubevirt" },
      spec: { configuration: { developerConfiguration: { featureGates: ["Snapshot", "HotplugVolumes"] } } },
    });
    // What virt-operator writes once it has deployed KubeVirt.
    await objects.patchStatus("kubevirt.io", "v1", "kubevirts", "kubevirt", "kubevirt", {
      phase: "Deployed",
      observedKubeVirtVersion: "v1.6.0",
    });
    const probe = await probeKubevirt();
    expect(probe.problems).toEqual([]);
    expect(probe.facts).toEqual([
      `cluster ${cluster.server}: Kubernetes v1.33.3`,
      "KubeVirt v1.6.0 in kubevirt/kubevirt, phase Deployed, feature gates: Snapshot, HotplugVolumes",
    ]);

    const cli = machina(["validate", "-e", "kv", "--project-dir", project], { ...process.env });
    expect(cli.code, cli.out + cli.err).toBe(0);
    expect(cli.out).toContain("platform: KubeVirt v1.6.0 in kubevirt/kubevirt, phase Deployed");
    expect(cli.out.trim().split("\n").pop()).toBe("ok");
    const json = machina(["--json", "validate", "-e", "kv", "--project-dir", project], { ...process.env });
    expect(json.json.problems).toEqual([]);
    expect(json.json.platform).toEqual(probe.facts);
  }, 60_000);
});
