import type * as pulumi from "@pulumi/pulumi";
import { defineOptions, matching, oneOf } from "../kit/options";

export const RUN_STRATEGIES = ["Always", "RerunOnFailure", "Manual", "Halted"] as const;
export const SERVICE_TYPES = ["ClusterIP", "NodePort", "LoadBalancer"] as const;

export interface KubevirtOptions {
  namespace?: pulumi.Input<string>;
  persistent?: boolean;
  storageClass?: pulumi.Input<string>;
  serviceType?: (typeof SERVICE_TYPES)[number];
  networkName?: string;
  runStrategy?: (typeof RUN_STRATEGIES)[number];
  awaitService?: boolean;
  virtualMachine?: Record<string, unknown>;
}

/** `providerOptions.kubevirt`. */
export const kubevirtOptions = defineOptions<KubevirtOptions>()({
  namespace: {
    type: "string",
    description: "the namespace of the VirtualMachine, its Secret and Service",
    default: "default",
    input: true,
    check: matching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, {
      allowed: "a Kubernetes namespace name",
      fix: 'write namespace: "vms"',
    }),
  },
  persistent: {
    type: "boolean",
    description: "import a registry image into a DataVolume (a persistent disk) instead of an ephemeral container disk",
  },
  storageClass: { type: "string", description: "the storage class of the DataVolume", input: true },
  serviceType: {
    type: SERVICE_TYPES.join(" | "),
    description: "the Service that exposes the ports",
    defaultText: "LoadBalancer with publicIp, else ClusterIP",
    check: oneOf(SERVICE_TYPES, {
      allowed: "ClusterIP, NodePort or LoadBalancer",
      fix: 'write serviceType: "LoadBalancer"',
    }),
  },
  networkName: {
    type: "string",
    description: "a Multus network the VM joins instead of the pod network",
    defaultText: "the pod network",
  },
  runStrategy: {
    type: RUN_STRATEGIES.join(" | "),
    description: "KubeVirt's run strategy of the VM",
    default: "Always",
    check: oneOf(RUN_STRATEGIES, { allowed: RUN_STRATEGIES.join(", "), fix: 'write runStrategy: "Always"' }),
  },
  awaitService: {
    type: "boolean",
    description:
      "wait, as the Kubernetes provider does, until the Service has a ready endpoint (a LoadBalancer: an address); off, Machina sets pulumi.com/skipAwait on it, since a VM's Service has endpoints only once its pod is ready and a cluster without a load-balancer controller never gives it an address",
    default: false,
    check: (value) =>
      typeof value === "boolean"
        ? undefined
        : {
            allowed: "true or false",
            fix: "write awaitService: true to wait for the Service's endpoints or load balancer",
          },
  },
  virtualMachine: {
    type: "object (VirtualMachine manifest)",
    description:
      "merged into the VirtualMachine manifest Machina builds: objects key by key at any depth, arrays and values replaced; checked by the API server, not by Machina",
  },
});

declare module "../../core/spec" {
  /** `providerOptions.kubevirt`, typed once this provider's entry point is imported. */
  interface ProviderOptionsMap {
    kubevirt?: KubevirtOptions;
  }
}
