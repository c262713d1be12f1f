/** Reads and changes cluster objects behind the engine's back, through @kubernetes/client-node. */
import type { Cluster } from "./cluster";

/** A Kubernetes object as the API server returns it (these tests read only a few fields). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KubeObject = { apiVersion?: string; kind?: string; metadata: any; spec?: any; status?: any; data?: any };

type Kind = "vm" | "secret" | "service";

export function statusCode(e: unknown): number | undefined {
  const code = (e as { code?: unknown }).code;
  return typeof code === "number" ? code : undefined;
}

export function kubeObjects(cluster: Cluster) {
  const core = cluster.config.makeApiClient(cluster.client.CoreV1Api);
  const custom = cluster.config.makeApiClient(cluster.client.CustomObjectsApi);
  const vmRef = { group: "kubevirt.io", version: "v1", plural: "virtualmachines" };

  const read = async (kind: Kind, namespace: string, name: string): Promise<KubeObject> => {
    if (kind === "vm") return (await custom.getNamespacedCustomObject({ ...vmRef, namespace, name })) as KubeObject;
    if (kind === "secret") return (await core.readNamespacedSecret({ namespace, name })) as KubeObject;
    return (await core.readNamespacedService({ namespace, name })) as KubeObject;
  };

  return {
    read,
    vm: (namespace: string, name: string) => read("vm", namespace, name),
    secret: (namespace: string, name: string) => read("secret", namespace, name),
    service: (namespace: string, name: string) => read("service", namespace, name),
    async exists(kind: Kind, namespace: string, name: string): Promise<boolean> {
      try {
        await read(kind, namespace, name);
        return true;
      } catch (e) {
        if (statusCode(e) === 404) return false;
        throw e;
      }
    },
    async delete(kind: Kind, namespace: string, name: string) {
      if (kind === "vm") await custom.deleteNamespacedCustomObject({ ...vmRef, namespace, name });
      else if (kind === "secret") await core.deleteNamespacedSecret({ namespace, name });
      else await core.deleteNamespacedService({ namespace, name });
    },
    async createNamespace(name: string) {
      await core.createNamespace({ body: { metadata: { name } } });
    },
    /** Every VirtualMachine, Secret and Service in any namespace with this label selector. */
    async labelled(labelSelector: string): Promise<KubeObject[]> {
      const vms = (await custom.listClusterCustomObject({ ...vmRef, labelSelector })) as { items: KubeObject[] };
      const secrets = await core.listSecretForAllNamespaces({ labelSelector });
      const services = await core.listServiceForAllNamespaces({ labelSelector });
      return [...vms.items, ...(secrets.items as KubeObject[]), ...(services.items as KubeObject[])];
    },
    /** Creates a custom object (any group) and returns what the API server stored. */
    async createCustom(group: string, version: string, plural: string, namespace: string, body: object) {
      return (await custom.createNamespacedCustomObject({ group, version, plural, namespace, body })) as KubeObject;
    },
    async readCustom(group: string, version: string, plural: string, namespace: string, name: string) {
      return (await custom.getNamespacedCustomObject({ group, version, plural, namespace, name })) as KubeObject;
    },
    /** Writes an object's status, as its controller would. */
    async patchStatus(group: string, version: string, plural: string, namespace: string, name: string, status: object) {
      const current = (await custom.getNamespacedCustomObject({
        group,
        version,
        plural,
        namespace,
        name,
      })) as KubeObject;
      await custom.replaceNamespacedCustomObjectStatus({
        group,
        version,
        plural,
        namespace,
        name,
        body: { ...current, status },
      });
    },
    /** Gives a LoadBalancer Service an address, as a load-balancer controller would. */
    async setLoadBalancerAddress(namespace: string, name: string, ip: string) {
      const service = await core.readNamespacedService({ namespace, name });
      service.status = { loadBalancer: { ingress: [{ ip }] } };
      await core.replaceNamespacedServiceStatus({ namespace, name, body: service });
    },
    async createEndpoints(namespace: string, name: string, ip: string, port: number) {
      await core.createNamespacedEndpoints({
        namespace,
        body: {
          metadata: { name },
          subsets: [{ addresses: [{ ip }], ports: [{ port, protocol: "TCP", name: `tcp-${port}` }] }],
        },
      });
    },
  };
}
