/**
 * What Machina's validation accepts, the API server accepts too: a table of KubeVirt specs goes through
 * the engine and the Kubernetes provider plugin to a kube-apiserver that checks each object against
 * KubeVirt's own OpenAPI schemas (and its own rules for Secrets, Services and metadata). Specs Machina
 * refuses never reach it, with errors naming the field. A VirtualMachine the schema refuses (through the
 * escape hatch, which Machina does not check) fails with an error naming the field.
 */
import { describe, expect, it } from "vitest";
import type * as Operations from "../../dist/automation/operations";
import type { MachineArgs } from "../../dist/core/spec";
import { KEY_A } from "../../dist/testing";
import { recordTiming } from "../support/timings";
import { type Cluster, withEngineCluster } from "./cluster";
import { kubeObjects } from "./objects";

let cluster: Cluster;
let ops: typeof Operations;
let stateDir: string;

withEngineCluster("machina-kv-schema-", async (env) => {
  ({ cluster, ops, stateDir } = env);
  const objects = kubeObjects(cluster);
  await objects.createNamespace("vms");
  // Harvester's VM network, which networkName names.
  await objects.createCustom("k8s.cni.cncf.io", "v1", "network-attachment-definitions", "default", {
    apiVersion: "k8s.cni.cncf.io/v1",
    kind: "NetworkAttachmentDefinition",
    metadata: { name: "vlan10" },
    spec: { config: JSON.stringify({ cniVersion: "0.3.1", type: "bridge", bridge: "mgmt-br", vlan: 10 }) },
  });
});

/** Every row Machina accepts: each becomes a Machine of one stack. */
const ACCEPTED: Record<string, MachineArgs> = {
  "size-class": { size: "nano" },
  "size-minimum": { size: { cpus: 3, memoryGiB: 6 } },
  "size-custom-fraction": { size: { type: "3cpu-1.5gb" } },
  "image-alias": { image: "ubuntu-24.04" },
  "image-id": { image: { id: "registry.example/team/fedora@sha256:" + "a".repeat(64) } },
  "image-url-datavolume": {
    image: { id: "https://images.example/disk.qcow2" },
    diskGiB: 10,
    providerOptions: { kubevirt: { storageClass: "fast" } },
  },
  "persistent-registry-disk": {
    image: "debian-12",
    diskGiB: 12,
    providerOptions: { kubevirt: { persistent: true } },
  },
  "labels-at-limits": {
    labels: { "example.com/team": "a-b_c.d", empty: "", ["k".repeat(63)]: "v".repeat(63), Upper_Key: "X" },
  },
  "ports-and-ranges": { ports: [22, { port: 8000, toPort: 8015 }, { port: 53, protocol: "udp" }, 65535] },
  "tcp-and-udp-same-port": {
    ports: [
      { port: 53, protocol: "tcp" },
      { port: 53, protocol: "udp" },
    ],
  },
  "run-halted": { providerOptions: { kubevirt: { runStrategy: "Halted" } } },
  "run-manual": { providerOptions: { kubevirt: { runStrategy: "Manual" } } },
  "run-rerun": { providerOptions: { kubevirt: { runStrategy: "RerunOnFailure" } } },
  "node-port": { ports: [80], providerOptions: { kubevirt: { serviceType: "NodePort" } } },
  "public-load-balancer": { ports: [443], publicIp: true },
  "other-namespace": { ports: [80], providerOptions: { kubevirt: { namespace: "vms" } } },
  "harvester-network": { providerOptions: { kubevirt: { networkName: "default/vlan10" } } },
  "keys-and-user-data": { sshKeys: [KEY_A], userData: "#!/bin/sh\necho hello\n" },
  "await-service-off": { ports: [80], providerOptions: { kubevirt: { awaitService: false } } },
};

/** Rows Machina refuses, and the field its error names. */
const REJECTED: Record<string, { args: MachineArgs; field: string }> = {
  "size-type": { args: { size: { type: "huge" } }, field: "size" },
  "run-strategy": {
    args: { providerOptions: { kubevirt: { runStrategy: "Sometimes" } as never } },
    field: "runStrategy",
  },
  namespace: { args: { providerOptions: { kubevirt: { namespace: "Bad_NS" } } }, field: "namespace" },
  "port-range": { args: { ports: [{ port: 8000, toPort: 8100 }] }, field: "ports" },
  "url-without-disk": { args: { image: { id: "https://images.example/disk.qcow2" } }, field: "diskGiB" },
  "label-key": { args: { labels: { "-bad": "x" } }, field: "labels" },
  "label-value": { args: { labels: { k: "v".repeat(64) } }, field: "labels" },
  "service-type": {
    args: { ports: [80], providerOptions: { kubevirt: { serviceType: "External" } as never } },
    field: "serviceType",
  },
};

const target = (program: () => Promise<Record<string, unknown>>) => ({
  projectName: "kv",
  stackName: "schema",
  stateDir,
  config: { "machina:provider": "kubevirt" },
  program,
});

async function clusterProvider() {
  const k8s = await import("@pulumi/kubernetes");
  const pulumi = await import("@pulumi/pulumi");
  return new k8s.Provider("cluster-a", { kubeconfig: pulumi.secret(cluster.kubeconfig) });
}

describe("Machina's KubeVirt validation against the API server's", () => {
  it("every spec Machina accepts, the API server accepts (one stack, one Machine per row)", async () => {
    const { Machine, machineProblems } = await import("../../dist/components/machine.js");
    const program = async () => {
      const provider = await clusterProvider();
      const refused: Record<string, string[]> = {};
      for (const [name, { args }] of Object.entries(REJECTED))
        refused[name] = machineProblems(name, args).map((p) => `${p.field}: ${p.value} (${p.allowed})`);
      const ids: Record<string, unknown> = {};
      for (const [name, args] of Object.entries(ACCEPTED))
        ids[name] = new Machine(name, args, { providers: [provider] }).id;
      return { refused, ids };
    };
    const t = Date.now();
    const up = await ops.run("up", target(program));
    recordTiming(`kubevirt: up of ${Object.keys(ACCEPTED).length} machines (schema table)`, Date.now() - t);
    expect(up.ok, up.error).toBe(true);

    const refused = up.outputs.refused as Record<string, string[]>;
    for (const [name, { field }] of Object.entries(REJECTED)) {
      expect(refused[name], name).not.toEqual([]);
      expect(refused[name].join("\n"), name).toContain(field);
    }
    const objects = kubeObjects(cluster);
    const ids = up.outputs.ids as Record<string, string>;
    for (const name of Object.keys(ACCEPTED)) {
      const namespace = name === "other-namespace" ? "vms" : "default";
      const vm = await objects.vm(namespace, `kv-schema-${name}`);
      expect(ids[name], name).toBe(vm.metadata.uid);
    }
    const dv = (await objects.vm("default", "kv-schema-image-url-datavolume")).spec.dataVolumeTemplates[0];
    expect(dv.spec.source.http.url).toBe("https://images.example/disk.qcow2");
    const harvester = await objects.vm("default", "kv-schema-harvester-network");
    expect(harvester.spec.template.spec.networks).toEqual([
      { name: "default", multus: { networkName: "default/vlan10" } },
    ]);

    const destroy = await ops.run("destroy", target(program));
    expect(destroy.ok, destroy.error).toBe(true);
    expect(await objects.labelled("machina.dev/machine")).toEqual([]);
  }, 600_000);

  it("a VirtualMachine the schema refuses fails the up with an error naming the field", async () => {
    const { Machine } = await import("../../dist/index.js");
    const program = async () => {
      const provider = await clusterProvider();
      const vm = new Machine(
        "bad",
        {
          providerOptions: {
            kubevirt: { virtualMachine: { spec: { template: { spec: { domain: { cpu: { cores: "many" } } } } } } },
          },
        },
        { providers: [provider] },
      );
      return { id: vm.id };
    };
    const up = await ops.run("up", target(program));
    expect(up.ok).toBe(false);
    expect(up.error).toContain("spec.template.spec.domain.cpu.cores");
    // The provider's server-side apply reports the schema's type for the field.
    expect(up.error).toMatch(/cpu\.cores: expected numeric \(int or float\), got string/);
    expect(await kubeObjects(cluster).exists("vm", "default", "kv-schema-bad")).toBe(false);
    const destroy = await ops.run("destroy", target(program));
    expect(destroy.ok, destroy.error).toBe(true);
  }, 600_000);
});
