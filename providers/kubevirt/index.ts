import type { ProviderModule } from "../../core/contract";
import { CONTRACT_VERSION } from "../../core/contract-version";
import type { FieldProblem } from "../../core/errors";
import catalog from "./catalog.json";
import { kubevirtOptions } from "./options";
import { probeKubevirt } from "./probe";
import { kubevirtUserData } from "./user-data";
import { kubevirtLiveState, kubevirtPower } from "./power";
import { kubevirtAdopt } from "./adopt";

/** KubeVirt VirtualMachines through @pulumi/kubernetes; Harvester is KubeVirt-based and works through it. */
const kubevirt: ProviderModule = {
  contractVersion: CONTRACT_VERSION,
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
  state: kubevirtLiveState,
  catalog: catalog as ProviderModule["catalog"],
  probe: () => probeKubevirt(),
  options: kubevirtOptions.schema,
  rules: { customShapes: true, maxPortRange: { ports: 16, reason: "each becomes a Service port" } },
  validate(spec) {
    const problems: FieldProblem[] = [];
    if (
      spec.image.kind === "snapshot" &&
      typeof spec.image.snapshot === "string" &&
      !spec.image.snapshot.includes("/")
    ) {
      problems.push({
        field: "image.snapshot",
        value: JSON.stringify(spec.image.snapshot),
        allowed: "a KubeVirt Snapshot's id: <namespace>/<VolumeSnapshot name>",
        fix: "use image: snap.image, or { snapshot: <the id machina snapshots shows> }",
      });
    }
    if (/^https?:\/\//.test(spec.image.id) && spec.diskGiB === undefined) {
      problems.push({
        field: "diskGiB",
        value: "undefined",
        allowed: "a disk size for an image imported from a URL (it becomes a DataVolume)",
        fix: "set diskGiB, e.g. 20",
      });
    }
    return problems;
  },
  power: (state) => kubevirtPower(state),
  snapshot(request, parent) {
    const { createKubevirtSnapshot } = require("./snapshot") as typeof import("./snapshot");
    return createKubevirtSnapshot(request, parent);
  },
  adopt: kubevirtAdopt,
  platformUserData: (spec, userData) => kubevirtUserData(spec, userData),
  create(spec, parent) {
    const { createKubevirtVm } = require("./resources") as typeof import("./resources");
    return createKubevirtVm(spec, parent);
  },
};

export { probeKubevirt };
export default kubevirt;
export type { KubevirtOptions } from "./options";
