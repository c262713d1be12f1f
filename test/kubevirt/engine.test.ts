/**
 * Machina's KubeVirt provider through the real Pulumi engine and the real pulumi-resource-kubernetes
 * plugin, against a real kube-apiserver that validates every object with KubeVirt's own schemas. An
 * inline program (as an npm user's pipeline runs it) with an explicit kubernetes.Provider made from a
 * kubeconfig, as a user with several clusters writes it. No VM runs: nothing here schedules pods.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import type * as Operations from "../../dist/automation/operations";
import type { MachineArgs } from "../../dist/core/spec";
import { KEY_A } from "../../dist/testing";
import { recordTiming } from "../support/timings";
import { clusterTarget, type Cluster, withEngineCluster, waitFor } from "./cluster";
import { kubeObjects, type KubeObject } from "./objects";

let cluster: Cluster;
let ops: typeof Operations;
let stateDir: string;

let spec: MachineArgs;
let extraNamespace: string | undefined;

const target = () =>
  clusterTarget({ cluster, stateDir }, "ci", ({ Machine, provider }) => {
    const vm = new Machine("vm", spec, { providers: [provider] });
    return { id: vm.id, privateIp: vm.privateIp, publicIp: vm.publicIp, details: vm.details, ns: extraNamespace };
  });

let objects: ReturnType<typeof kubeObjects>;

withEngineCluster("machina-kv-state-", async (env) => {
  ({ cluster, ops, stateDir } = env);
  objects = kubeObjects(cluster);
});

const USER_DATA_MARK = "kv-marker-6c1f";
const vmName = "kv-ci-vm";

describe("KubeVirt through the engine and the Kubernetes provider plugin", () => {
  let firstUid: string | undefined;

  it("up: a Secret with the cloud-init, a VirtualMachine and a Service, accepted by the API server", async () => {
    spec = {
      size: "small",
      image: "debian-12",
      sshKeys: [KEY_A],
      userData: `#cloud-config\nruncmd: [echo ${USER_DATA_MARK}]\n`,
      labels: { team: "lab" },
      ports: [80, 443],
    };
    const t = Date.now();
    const up = await ops.run("up", target());
    recordTiming("kubevirt: up (Secret, VirtualMachine, Service)", Date.now() - t);
    expect(up.ok, up.error).toBe(true);

    const vm = await objects.vm("default", vmName);
    firstUid = vm.metadata.uid;
    expect(up.outputs.id).toBe(firstUid);
    expect(vm.spec.runStrategy).toBe("Always");
    expect(vm.metadata.labels).toMatchObject({ team: "lab", "machina.dev/machine": vmName });
    const secret = await objects.secret("default", `${vmName}-cloudinit`);
    const userdata = Buffer.from(secret.data!.userdata, "base64").toString();
    expect(userdata).toContain(KEY_A);
    expect(userdata).toContain(USER_DATA_MARK);
    const service = await objects.service("default", vmName);
    // 22 too: sshKeys open it.
    expect(service.spec.ports.map((p: { port: number }) => p.port)).toEqual([22, 80, 443]);
    expect(service.metadata.annotations?.["pulumi.com/skipAwait"]).toBe("true");
    // The address is the one the API server allocated from its service range.
    expect(up.outputs.privateIp).toBe(service.spec.clusterIP);
    expect(String(up.outputs.privateIp)).toMatch(/^10\.96\.0\.\d+$/);

    const state = readFileSync(path.join(stateDir, ".pulumi", "stacks", "kv", "ci.json"), "utf8");
    expect(state).not.toContain(USER_DATA_MARK);
    expect(state).not.toContain(cluster.kubeconfig.match(/client-key-data: (\S+)/)![1]);
    expect(state).toContain("ciphertext");
  }, 300_000);

  it("an idle up changes nothing", async () => {
    const again = await ops.run("up", target());
    expect(again).toMatchObject({ ok: true, changed: false });
  }, 300_000);

  it("cpu, memory and labels change in place: the same VirtualMachine object", async () => {
    spec = { ...spec, size: { cpus: 4, memoryGiB: 8 }, labels: { team: "ops", tier: "web" } };
    const up = await ops.run("up", target());
    expect(up.ok, up.error).toBe(true);
    expect(up.changes.replace ?? 0).toBe(0);
    expect(up.changes.update).toBeGreaterThan(0);
    const vm = await objects.vm("default", vmName);
    expect(vm.metadata.uid).toBe(firstUid);
    expect(vm.spec.template.spec.domain.cpu.cores).toBe(4);
    expect(vm.spec.template.spec.domain.memory.guest).toBe("8192Mi");
    expect(vm.metadata.labels).toMatchObject({ team: "ops", tier: "web" });
  }, 300_000);

  it("a new namespace replaces the machine: the old objects are deleted, new ones made there", async () => {
    extraNamespace = "vms";
    await objects.createNamespace("vms");
    spec = { ...spec, providerOptions: { kubevirt: { namespace: "vms" } } };
    const up = await ops.run("up", target());
    expect(up.ok, up.error).toBe(true);
    expect(up.changes.replace).toBeGreaterThan(0);
    const vm = await objects.vm("vms", vmName);
    expect(vm.metadata.uid).not.toBe(firstUid);
    expect(up.outputs.id).toBe(vm.metadata.uid);
    expect(await objects.exists("vm", "default", vmName)).toBe(false);
    expect(await objects.exists("secret", "default", `${vmName}-cloudinit`)).toBe(false);
    expect(await objects.exists("service", "default", vmName)).toBe(false);
  }, 300_000);

  it("refresh sees a VirtualMachine deleted outside the stack; the next up makes it again", async () => {
    await objects.delete("vm", "vms", vmName);
    await waitFor("the VirtualMachine gone", 60, async () =>
      (await objects.exists("vm", "vms", vmName)) ? undefined : true,
    );
    const refresh = await ops.run("refresh", target());
    expect(refresh.ok, refresh.error).toBe(true);
    expect(refresh.changed).toBe(true);
    const up = await ops.run("up", target());
    expect(up.ok, up.error).toBe(true);
    expect(up.changes.create).toBeGreaterThan(0);
    expect(await objects.exists("vm", "vms", vmName)).toBe(true);
  }, 300_000);

  it("destroy leaves nothing of the machine in the cluster", async () => {
    const t = Date.now();
    const destroy = await ops.run("destroy", target());
    recordTiming("kubevirt: destroy", Date.now() - t);
    expect(destroy.ok, destroy.error).toBe(true);
    const left: KubeObject[] = await objects.labelled(`machina.dev/machine=${vmName}`);
    expect(left).toEqual([]);
    expect((await ops.status(target())).resources).toBe(0);
  }, 300_000);
});
