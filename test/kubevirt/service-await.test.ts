/**
 * The await on a Machine's Service (providerOptions.kubevirt.awaitService), with the real Kubernetes
 * provider: by default an up does not wait for endpoints nobody serves yet (here no pod ever runs) or
 * for a load balancer nobody provides (here no controller does); with `awaitService: true` it waits for
 * a ready endpoint and, for the default LoadBalancer Service, for its address, and finishes once both
 * exist (written here as the endpoints controller and a load-balancer controller would).
 */
import { describe, expect, it } from "vitest";
import type * as Operations from "../../dist/automation/operations";
import type { MachineArgs } from "../../dist/core/spec";
import { clusterTarget, type Cluster, withEngineCluster, waitFor } from "./cluster";
import { kubeObjects } from "./objects";

let cluster: Cluster;
let ops: typeof Operations;
let stateDir: string;

withEngineCluster("machina-kv-await-", (env) => {
  ({ cluster, ops, stateDir } = env);
});

function target(stackName: string, args: MachineArgs) {
  return clusterTarget({ cluster, stateDir }, stackName, ({ Machine, provider }) => {
    const vm = new Machine("web", args, { providers: [provider] });
    return { id: vm.id, publicIp: vm.publicIp };
  });
}

describe("awaitService", () => {
  it("default: the up finishes although the Service has no endpoints", async () => {
    const t = target("skip", { ports: [80] });
    const up = await ops.run("up", t);
    expect(up.ok, up.error).toBe(true);
    const service = await kubeObjects(cluster).service("default", "kv-skip-web");
    expect(service.metadata.annotations["pulumi.com/skipAwait"]).toBe("true");
    expect(await kubeObjects(cluster).exists("vm", "default", "kv-skip-web")).toBe(true);
    expect((await ops.run("destroy", t)).ok).toBe(true);
  }, 300_000);

  it("true: the up waits for a ready endpoint and the load balancer's address, and finishes once both exist", async () => {
    const t = target("wait", { ports: [80], providerOptions: { kubevirt: { awaitService: true } } });
    const objects = kubeObjects(cluster);
    let finished = false;
    const running = ops.run("up", t).finally(() => {
      finished = true;
    });
    const service = await waitFor("the Service created", 120, async () =>
      (await objects.exists("service", "default", "kv-wait-web"))
        ? objects.service("default", "kv-wait-web")
        : undefined,
    );
    expect(service.metadata.annotations?.["pulumi.com/skipAwait"]).toBeUndefined();
    expect(service.spec.type).toBe("LoadBalancer");
    // The Service exists and nothing serves it: the provider is still waiting.
    await new Promise((r) => setTimeout(r, 3000));
    expect(finished).toBe(false);
    await objects.createEndpoints("default", "kv-wait-web", "10.244.0.10", 80);
    // A ready endpoint is not enough for a LoadBalancer: the wait goes on until it has an address.
    await new Promise((r) => setTimeout(r, 15_000));
    expect(finished).toBe(false);
    await objects.setLoadBalancerAddress("default", "kv-wait-web", "203.0.113.10");
    const up = await running;
    expect(up.ok, up.error).toBe(true);
    expect(up.outputs.publicIp).toBe("203.0.113.10");
    expect((await ops.run("destroy", t)).ok).toBe(true);
  }, 300_000);
});
