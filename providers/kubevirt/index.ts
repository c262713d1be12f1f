import { execFile } from "node:child_process";
import { CUSTOM_SHAPE } from "../../core/sizes";
import { optionChecks } from "../kit/option-checks";
import type { ProviderModule } from "../../core/contract";
import catalog from "./catalog.json";
import { kubevirtUserData } from "./user-data";

const KNOWN_OPTIONS = [
  "namespace",
  "persistent",
  "storageClass",
  "serviceType",
  "networkName",
  "runStrategy",
  "virtualMachine",
];
const RUN_STRATEGIES = ["Always", "RerunOnFailure", "Manual", "Halted"];

/** Asks the cluster of the current kubeconfig whether the KubeVirt (and CDI) CRDs exist. */
export function probeKubevirt(timeoutMs = 15_000): Promise<string[]> {
  return new Promise((resolve) => {
    execFile(
      "kubectl",
      ["get", "crd", "virtualmachines.kubevirt.io", "datavolumes.cdi.kubevirt.io", "-o", "name"],
      { timeout: timeoutMs },
      (err, stdout, stderr) => {
        if (err && (err as NodeJS.ErrnoException).code === "ENOENT") return resolve([]); // no kubectl: nothing to ask
        if (/Unable to connect|connection refused|no configuration|dial tcp/i.test(stderr)) return resolve([]); // no cluster reachable
        const problems: string[] = [];
        if (!/virtualmachines\.kubevirt\.io/.test(stdout))
          problems.push(
            "the cluster has no KubeVirt (CRD virtualmachines.kubevirt.io is missing): install the KubeVirt operator",
          );
        if (!/datavolumes\.cdi\.kubevirt\.io/.test(stdout))
          problems.push(
            "the cluster has no CDI (CRD datavolumes.cdi.kubevirt.io is missing): needed for URL images and persistent disks",
          );
        resolve(problems);
      },
    );
  });
}

/** KubeVirt VirtualMachines through @pulumi/kubernetes; Harvester is KubeVirt-based and works through it. */
const kubevirt: ProviderModule = {
  name: "kubevirt",
  description: "KubeVirt VirtualMachines on Kubernetes (and Harvester) through @pulumi/kubernetes",
  requirements: {
    sdkPackage: "@pulumi/kubernetes",
    credentials: [
      {
        name: "Kubernetes cluster access",
        configKeys: ["kubernetes:kubeconfig"],
        envVars: ["KUBECONFIG"],
        files: ["~/.kube/config"],
        howTo:
          "A kubeconfig whose context may create VirtualMachines, DataVolumes, Secrets and Services in the namespace.",
      },
    ],
    tools: [],
  },
  platformFacts: { publicIp: true, firewall: true, resizeInPlace: true },
  catalog: catalog as ProviderModule["catalog"],
  probe: () => probeKubevirt(),
  validate(spec) {
    const o = spec.options;
    const { problems, add } = optionChecks("kubevirt", o, KNOWN_OPTIONS);
    if (
      o.namespace !== undefined &&
      !(typeof o.namespace === "string" && /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(o.namespace))
    ) {
      add("providerOptions.kubevirt.namespace", o.namespace, "a Kubernetes namespace name", 'write namespace: "vms"');
    }
    if (o.serviceType !== undefined && !["ClusterIP", "NodePort", "LoadBalancer"].includes(o.serviceType as string)) {
      add(
        "providerOptions.kubevirt.serviceType",
        o.serviceType,
        "ClusterIP, NodePort or LoadBalancer",
        'write serviceType: "LoadBalancer"',
      );
    }
    if (o.runStrategy !== undefined && !RUN_STRATEGIES.includes(o.runStrategy as string)) {
      add(
        "providerOptions.kubevirt.runStrategy",
        o.runStrategy,
        RUN_STRATEGIES.join(", "),
        'write runStrategy: "Always"',
      );
    }
    if (!spec.size.fromCatalog && !CUSTOM_SHAPE.test(spec.size.type)) {
      add(
        "size.type",
        spec.size.type,
        "a catalog type or <cpus>cpu-<memory>gb",
        'write { type: "3cpu-6gb" } or a size class',
      );
    }
    if (/^https?:\/\//.test(spec.image.id) && spec.diskGiB === undefined) {
      add(
        "diskGiB",
        undefined,
        "a disk size for an image imported from a URL (it becomes a DataVolume)",
        "set diskGiB, e.g. 20",
      );
    }
    for (const rule of spec.firewall) {
      if (rule.toPort - rule.port >= 16)
        add(
          "ports",
          `${rule.port}-${rule.toPort}`,
          "single ports or ranges of at most 16 (each becomes a Service port)",
          "list the ports you need",
        );
    }
    return problems;
  },
  platformUserData: (spec, userData) => kubevirtUserData(spec, userData),
  create(spec, parent) {
    const { createKubevirtVm } = require("./resources") as typeof import("./resources");
    return createKubevirtVm(spec, parent);
  },
};

export default kubevirt;
