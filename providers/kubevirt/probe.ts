import type * as KubernetesClient from "@kubernetes/client-node" with { "resolution-mode": "import" };
import type { PlatformProbe } from "../../core/contract";

export const VM_CRD = "virtualmachines.kubevirt.io";
export const DATAVOLUME_CRD = "datavolumes.cdi.kubevirt.io";

interface KubeVirtResource {
  metadata?: { name?: string; namespace?: string };
  spec?: { configuration?: { developerConfiguration?: { featureGates?: string[] } } };
  status?: { observedKubeVirtVersion?: string; phase?: string };
}

function statusCode(e: unknown): number | undefined {
  const code = (e as { code?: unknown }).code;
  return typeof code === "number" ? code : undefined;
}

/**
 * Asks the cluster of the kubeconfig (KUBECONFIG, else ~/.kube/config; the client handles certificates,
 * tokens and exec plugins as kubectl does) whether it can host KubeVirt machines: the VirtualMachine
 * and DataVolume CRDs, and a deployed KubeVirt (its version and feature gates are reported). A cluster
 * that does not answer is reported as not checked, not as a problem: validate also runs offline.
 * @kubernetes/client-node is an optional peer dependency, loaded only here.
 */
export async function probeKubevirt(timeoutMs = 15_000): Promise<PlatformProbe> {
  let client: typeof KubernetesClient;
  try {
    client = await import("@kubernetes/client-node");
  } catch {
    return { problems: [], facts: ["cluster not checked: install @kubernetes/client-node to let validate ask it"] };
  }
  const config = new client.KubeConfig();
  try {
    config.loadFromDefault();
  } catch (e) {
    return { problems: [], facts: [`cluster not checked: the kubeconfig does not load (${(e as Error).message})`] };
  }
  const cluster = config.getCurrentCluster();
  if (!cluster) return { problems: [], facts: ["cluster not checked: no kubeconfig with a current cluster"] };
  const withTimeout = <T>(p: Promise<T>): Promise<T> =>
    Promise.race([
      p,
      new Promise<T>((_, reject) =>
        setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs).unref(),
      ),
    ]);

  let version: string;
  try {
    version = (await withTimeout(config.makeApiClient(client.VersionApi).getCode())).gitVersion;
  } catch (e) {
    return { problems: [], facts: [`cluster not checked: ${cluster.server} did not answer (${(e as Error).message})`] };
  }
  const facts = [`cluster ${cluster.server}: Kubernetes ${version}`];
  const problems: string[] = [];
  const ext = config.makeApiClient(client.ApiextensionsV1Api);
  const hasCrd = async (name: string): Promise<boolean | undefined> => {
    try {
      await withTimeout(ext.readCustomResourceDefinition({ name }));
      return true;
    } catch (e) {
      if (statusCode(e) === 404) return false;
      facts.push(`could not read CRD ${name}: ${(e as Error).message.split("\n")[0]}`);
      return undefined;
    }
  };
  const [vm, dv] = [await hasCrd(VM_CRD), await hasCrd(DATAVOLUME_CRD)];
  if (vm === false)
    problems.push(
      `the cluster has no KubeVirt (CRD ${VM_CRD} is missing): install the KubeVirt operator and its KubeVirt resource`,
    );
  if (dv === false)
    problems.push(
      `the cluster has no CDI (CRD ${DATAVOLUME_CRD} is missing): install CDI, needed for URL images and persistent disks`,
    );
  if (vm) {
    try {
      const list = (await withTimeout(
        config
          .makeApiClient(client.CustomObjectsApi)
          .listClusterCustomObject({ group: "kubevirt.io", version: "v1", plural: "kubevirts" }),
      )) as { items?: KubeVirtResource[] };
      const deployed = list.items ?? [];
      if (deployed.length === 0)
        problems.push(
          "the cluster has KubeVirt's CRDs but no KubeVirt resource: create one (the operator's kubevirt-cr) so KubeVirt is deployed",
        );
      for (const kv of deployed) {
        const gates = kv.spec?.configuration?.developerConfiguration?.featureGates ?? [];
        facts.push(
          `KubeVirt ${kv.status?.observedKubeVirtVersion ?? "(version not reported yet)"} in ${kv.metadata?.namespace}/${kv.metadata?.name}` +
            `, phase ${kv.status?.phase ?? "unknown"}, feature gates: ${gates.length > 0 ? gates.join(", ") : "none"}`,
        );
      }
    } catch (e) {
      facts.push(`could not list KubeVirt resources: ${(e as Error).message.split("\n")[0]}`);
    }
  }
  return { problems, facts };
}
