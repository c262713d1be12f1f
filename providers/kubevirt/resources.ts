import { CustomResource } from "@pulumi/kubernetes/apiextensions/customResource";
import { Secret } from "@pulumi/kubernetes/core/v1/secret";
import { Service } from "@pulumi/kubernetes/core/v1/service";
import * as pulumi from "@pulumi/pulumi";
import { withKeys } from "../kit/settled";
import { singlePorts } from "../kit/firewall";
import { derivedName } from "../../core/naming";
import { MANAGED_LABELS } from "../../core/resolve/labels";
import { cpusAndMemory } from "../../core/sizes";
import type { MachineResult, ResolvedMachineSpec } from "../../core/contract";
import { kubevirtOptions } from "./options";
import { kubevirtPower, kubevirtState, VIRTUAL_MACHINE_TYPE } from "./power";
import { kubevirtUserData } from "./user-data";
import { adoptionOptions } from "../kit/adoption";
import { adoptedVm, kubevirtAdopt } from "./adopt";
import { machineStateOutput } from "../kit/machine-state";

/** The options as read, defaults filled in. */
export type KubevirtSettings = ReturnType<typeof kubevirtOptions.read>;

export const MACHINE_LABEL = "machina.dev/machine";

/**
 * The Kubernetes provider waits for a Service until it has endpoints (ClusterIP, NodePort) or a load
 * balancer address (LoadBalancer), up to 10 minutes, then fails. A VM's Service has endpoints only once
 * its virt-launcher pod is ready (never while `runStrategy` is Halted or Manual), and a cluster without
 * a load-balancer controller never gives it an address: by default Machina does not wait (readiness is
 * what `waitForReady` is for); `awaitService: true` restores the provider's wait.
 */
export function serviceAnnotations(o: Pick<KubevirtSettings, "awaitService">): Record<string, string> | undefined {
  return o.awaitService ? undefined : { "pulumi.com/skipAwait": "true" };
}

/** The VM volume of the root disk (a snapshot's VolumeSnapshot is named after it). */
export const ROOT_VOLUME = "rootdisk";

/** `<namespace>/<name>` of a Snapshot's id as a DataVolume's snapshot source. */
export function snapshotSource(id: string): { namespace: string; name: string } {
  const at = id.indexOf("/");
  return at > 0 ? { namespace: id.slice(0, at), name: id.slice(at + 1) } : { namespace: "default", name: id };
}

/**
 * The disk of the VM: a container disk (ephemeral), or a DataVolume imported from a URL or a registry,
 * or restored from a Snapshot's VolumeSnapshot.
 */
export function rootVolume(spec: Pick<ResolvedMachineSpec, "image" | "diskGiB" | "platformName">, o: KubevirtSettings) {
  const url = /^https?:\/\//.test(spec.image.id);
  const restore = spec.image.kind === "snapshot";
  if (!url && !restore && !o.persistent)
    return { volume: { name: ROOT_VOLUME, containerDisk: { image: spec.image.id } }, dataVolumeTemplate: undefined };
  const source = restore
    ? { snapshot: pulumi.output(spec.image.snapshot!).apply(snapshotSource) }
    : url
      ? { http: { url: spec.image.id } }
      : { registry: { url: `docker://${spec.image.id}` } };
  return {
    volume: { name: ROOT_VOLUME, dataVolume: { name: derivedName("", spec.platformName, "-root") } },
    dataVolumeTemplate: {
      metadata: { name: derivedName("", spec.platformName, "-root") },
      spec: {
        source,
        storage: {
          resources: { requests: { storage: `${spec.diskGiB ?? 20}Gi` } },
          ...(o.storageClass ? { storageClassName: o.storageClass } : {}),
        },
      },
    },
  };
}

/** The labels the user gave, without those Machina adds to what it makes; none at all when there are none (as on a VM without labels). */
function userLabels(labels: Record<string, pulumi.Input<string>>): Record<string, pulumi.Input<string>> | undefined {
  const own = Object.entries(labels).filter(([key]) => !(key in MANAGED_LABELS));
  return own.length > 0 ? Object.fromEntries(own) : undefined;
}

/** The VirtualMachine manifest (kubevirt.io/v1). */
export function virtualMachineManifest(
  spec: ResolvedMachineSpec,
  o: KubevirtSettings,
  secretName: pulumi.Input<string> | undefined,
) {
  const { cpus: cores, memoryMiB } = cpusAndMemory(spec.size);
  const { volume, dataVolumeTemplate } = rootVolume(spec, o);
  const podNetwork = !o.networkName;
  // An adopted VM keeps its name, carries no label of Machina's own (managed-by, its finding label): Pulumi
  // imports only an object equal to the spec, and a VM made by hand has none of them. It gets no user data
  // (cloud-init runs at first boot): without a Secret there is no cloud-init disk.
  const adopted = spec.adopt ? adoptedVm(spec.adopt.id, spec) : undefined;
  const own: Record<string, string> = adopted ? {} : { [MACHINE_LABEL]: spec.platformName };
  return {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachine",
    metadata: {
      name: adopted?.name ?? spec.platformName,
      namespace: adopted?.namespace ?? o.namespace,
      labels: adopted ? userLabels(spec.labels) : { ...spec.labels, ...own },
    },
    spec: {
      runStrategy: kubevirtPower(spec.powerState ?? "running", o.runStrategy).inputs["spec.runStrategy"],
      ...(dataVolumeTemplate ? { dataVolumeTemplates: [dataVolumeTemplate] } : {}),
      template: {
        ...(adopted ? {} : { metadata: { labels: own } }),
        spec: {
          domain: {
            cpu: { cores },
            memory: { guest: `${memoryMiB}Mi` },
            devices: {
              disks: [
                { name: ROOT_VOLUME, disk: { bus: "virtio" } },
                ...(secretName ? [{ name: "cloudinit", disk: { bus: "virtio" } }] : []),
              ],
              interfaces: [podNetwork ? { name: "default", masquerade: {} } : { name: "default", bridge: {} }],
            },
          },
          networks: [
            podNetwork ? { name: "default", pod: {} } : { name: "default", multus: { networkName: o.networkName } },
          ],
          volumes: [
            volume,
            ...(secretName ? [{ name: "cloudinit", cloudInitNoCloud: { secretRef: { name: secretName } } }] : []),
          ],
        },
      },
    },
  };
}

/**
 * `providerOptions.kubevirt.virtualMachine` merged into the manifest Machina builds: objects merge key
 * by key at any depth, anything else (arrays, strings, numbers) replaces what is there. So
 * `{ spec: { template: { spec: { domain: { firmware: { bootloader: { efi: {} } } } } } } }` adds EFI
 * boot and keeps Machina's disks, networks and volumes.
 */
export function mergeManifest<T>(base: T, extra: unknown): T {
  const isPlain = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && [Object.prototype, null].includes(Object.getPrototypeOf(v));
  if (!isPlain(base) || !isPlain(extra)) return (extra === undefined ? base : extra) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(extra)) out[k] = k in out ? mergeManifest(out[k], v) : v;
  return out as T;
}

/** Reads a Service's addresses without trusting any status field to be there. */
export function serviceAddresses(
  service:
    | { spec?: { clusterIP?: string }; status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } } }
    | undefined,
) {
  const ingress = service?.status?.loadBalancer?.ingress?.[0];
  const clusterIP = service?.spec?.clusterIP;
  return {
    publicIp: ingress?.ip ?? ingress?.hostname,
    privateIp: clusterIP && clusterIP !== "None" ? clusterIP : undefined,
  };
}

export function createKubevirtVm(spec: ResolvedMachineSpec, parent: pulumi.Resource): MachineResult {
  const o = kubevirtOptions.read(spec);
  const adopted = spec.adopt ? adoptedVm(spec.adopt.id, spec) : undefined;
  const namespace = adopted?.namespace ?? o.namespace;
  const vmName = adopted?.name ?? spec.platformName;
  // User data lives in a Secret, never in the VM object; an adopted VM booted long ago and gets none.
  const secret = adopted
    ? undefined
    : new Secret(
        `${spec.name}-cloudinit`,
        {
          metadata: {
            name: derivedName("", spec.platformName, "-cloudinit"),
            namespace,
            labels: { [MACHINE_LABEL]: spec.platformName },
          },
          stringData: { userdata: withKeys(spec, kubevirtUserData) },
        },
        { parent },
      );
  const manifest = virtualMachineManifest(spec, o, secret?.metadata.name);
  // `status` named (and left undefined) makes it an output of the custom resource: the state is read from it.
  const vm = new CustomResource(
    spec.name,
    { ...mergeManifest(manifest, o.virtualMachine), status: undefined },
    { parent, ...adoptionOptions(spec, kubevirtAdopt, VIRTUAL_MACHINE_TYPE) },
  );

  const ports = singlePorts(spec.firewall).map(({ protocol, port }) => ({
    name: `${protocol}-${port}`,
    protocol: protocol.toUpperCase(),
    port,
    targetPort: port,
  }));
  const service =
    ports.length > 0
      ? new Service(
          `${spec.name}-svc`,
          {
            metadata: {
              name: spec.platformName,
              namespace,
              labels: { [MACHINE_LABEL]: spec.platformName },
              annotations: serviceAnnotations(o),
            },
            spec: {
              type: o.serviceType ?? (spec.publicIp ? "LoadBalancer" : "ClusterIP"),
              // KubeVirt labels an adopted VM's pods with its name; Machina's own label is on those it made.
              selector: adopted ? { "vm.kubevirt.io/name": vmName } : { [MACHINE_LABEL]: spec.platformName },
              ports,
            },
          },
          { parent, dependsOn: [vm] },
        )
      : undefined;
  const addresses = service
    ? pulumi.all([service.spec, service.status]).apply(([s, st]) => serviceAddresses({ spec: s, status: st }))
    : undefined;

  const printableStatus = (
    vm as unknown as { status: pulumi.Output<{ printableStatus?: string } | undefined> }
  ).status.apply((s) => s?.printableStatus);
  return {
    id: pulumi.all([vm.metadata, namespace]).apply(([m, ns]) => m?.uid ?? `${ns}/${vmName}`),
    state: machineStateOutput(printableStatus, kubevirtState),
    publicIp: addresses?.apply((a) => a.publicIp),
    privateIp: addresses?.apply((a) => a.privateIp),
    details: {
      namespace,
      name: vmName,
      service: service?.metadata.name,
      secret: secret?.metadata.name,
      ...(adopted ? { adopted: true } : {}),
      printableStatus,
    },
  };
}
