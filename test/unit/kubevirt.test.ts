import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { probeKubevirt } from "../../dist/providers/kubevirt/index";
import { mergeManifest, serviceAddresses } from "../../dist/providers/kubevirt/resources";
import { machinaUnderMocks, KEY_A, ofType, settle, valueOf } from "../../dist/testing";

const { recorded, Machine } = machinaUnderMocks({
  project: "lab",
  stack: "staging",
  config: { "machina:provider": "kubevirt" },
});

const VM = "kubernetes:kubevirt.io/v1:VirtualMachine";
const one = (type: string, name: string) => ofType(recorded, type).find((r) => r.name === name)!;

describe("kubevirt module", () => {
  it("registers a Secret with the cloud-init, a VirtualMachine manifest and a Service for the ports", async () => {
    const m = new Machine("web", {
      size: "medium",
      image: "ubuntu-24.04",
      sshKeys: [KEY_A],
      userData: "#cloud-config\npackages: [nginx]\n",
      labels: { team: "lab" },
      ports: [80],
      providerOptions: { kubevirt: { namespace: "vms" } },
    });
    await valueOf(m.id);
    await settle();

    const secret = one("kubernetes:core/v1:Secret", "web-cloudinit");
    expect(secret.inputs.metadata).toEqual({
      name: "lab-staging-web-cloudinit",
      namespace: "vms",
      labels: { "machina.dev/machine": "lab-staging-web" },
    });
    // The Kubernetes SDK marks stringData secret: it reaches the engine wrapped as a secret value.
    expect(secret.inputs.stringData["4dabf18193072939515e22adb298388d"]).toBe("1b47061264138c4ac30d75fd1eb44270");
    expect(secret.inputs.stringData.value.userdata).toContain(KEY_A);
    expect(secret.inputs.stringData.value.userdata).toContain("packages: [nginx]");

    const vm = one(VM, "web").inputs;
    expect(vm).toEqual({
      apiVersion: "kubevirt.io/v1",
      kind: "VirtualMachine",
      metadata: {
        name: "lab-staging-web",
        namespace: "vms",
        labels: { team: "lab", "managed-by": "machina", "machina.dev/machine": "lab-staging-web" },
      },
      spec: {
        runStrategy: "Always",
        template: {
          metadata: { labels: { "machina.dev/machine": "lab-staging-web" } },
          spec: {
            domain: {
              cpu: { cores: 2 },
              memory: { guest: "4096Mi" },
              devices: {
                disks: [
                  { name: "rootdisk", disk: { bus: "virtio" } },
                  { name: "cloudinit", disk: { bus: "virtio" } },
                ],
                interfaces: [{ name: "default", masquerade: {} }],
              },
            },
            networks: [{ name: "default", pod: {} }],
            volumes: [
              { name: "rootdisk", containerDisk: { image: "quay.io/containerdisks/ubuntu:24.04" } },
              { name: "cloudinit", cloudInitNoCloud: { secretRef: { name: "lab-staging-web-cloudinit" } } },
            ],
          },
        },
      },
    });
    // User data never appears in the VirtualMachine object.
    expect(JSON.stringify(vm)).not.toContain("nginx");

    const svc = one("kubernetes:core/v1:Service", "web-svc");
    expect(svc.inputs.spec).toEqual({
      type: "LoadBalancer",
      selector: { "machina.dev/machine": "lab-staging-web" },
      ports: [
        { name: "tcp-22", protocol: "TCP", port: 22, targetPort: 22 },
        { name: "tcp-80", protocol: "TCP", port: 80, targetPort: 80 },
      ],
    });
    // By default the Kubernetes provider does not wait for endpoints or a load balancer.
    expect(svc.inputs.metadata.annotations).toEqual({ "pulumi.com/skipAwait": "true" });
    expect(await valueOf(m.publicIp)).toMatch(/^198\.18\.0\.\d+$/);
    expect(await valueOf(m.privateIp)).toMatch(/^10\.96\.0\.\d+$/);
    expect(await valueOf(m.id)).toMatch(/^uid-/);
  });

  it("imports a URL image into a DataVolume, and a persistent alias from the registry, on a Multus network", async () => {
    const url = new Machine("url", {
      image: { id: "https://images.example/custom.qcow2" },
      diskGiB: 30,
      providerOptions: { kubevirt: { storageClass: "fast", runStrategy: "Manual" } },
    });
    const reg = new Machine("reg", {
      image: "debian-12",
      diskGiB: 15,
      providerOptions: { kubevirt: { persistent: true, networkName: "vlan10" } },
    });
    await Promise.all([valueOf(url.id), valueOf(reg.id)]);
    await settle();
    const u = one(VM, "url").inputs.spec;
    expect(u.runStrategy).toBe("Manual");
    expect(u.dataVolumeTemplates).toEqual([
      {
        metadata: { name: "lab-staging-url-root" },
        spec: {
          source: { http: { url: "https://images.example/custom.qcow2" } },
          storage: { resources: { requests: { storage: "30Gi" } }, storageClassName: "fast" },
        },
      },
    ]);
    expect(u.template.spec.volumes[0]).toEqual({ name: "rootdisk", dataVolume: { name: "lab-staging-url-root" } });
    const r = one(VM, "reg").inputs.spec;
    expect(r.dataVolumeTemplates[0].spec.source).toEqual({
      registry: { url: "docker://quay.io/containerdisks/debian:12" },
    });
    expect(r.template.spec.networks).toEqual([{ name: "default", multus: { networkName: "vlan10" } }]);
    expect(r.template.spec.domain.devices.interfaces).toEqual([{ name: "default", bridge: {} }]);
    // No ports, no Service: the outputs stay empty instead of failing.
    expect(ofType(recorded, "kubernetes:core/v1:Service").some((s) => s.name === "url-svc")).toBe(false);
    expect(await valueOf(url.publicIp)).toBeUndefined();
  });

  it("awaitService: true leaves the provider's wait on; a value that is not a boolean is refused", async () => {
    const m = new Machine("waits", { ports: [80], providerOptions: { kubevirt: { awaitService: true } } });
    await valueOf(m.id);
    await settle();
    expect(one("kubernetes:core/v1:Service", "waits-svc").inputs.metadata.annotations).toBeUndefined();
    expect(() => new Machine("bad-await", { providerOptions: { kubevirt: { awaitService: "yes" } as never } })).toThrow(
      /providerOptions\.kubevirt\.awaitService.*"yes"/s,
    );
  });

  it("merges providerOptions.kubevirt.virtualMachine into the manifest at any depth, arrays replaced", () => {
    const base = {
      spec: { runStrategy: "Always", template: { spec: { domain: { cpu: { cores: 2 } }, volumes: [1, 2] } } },
    };
    expect(
      mergeManifest(base, {
        spec: { template: { spec: { domain: { firmware: { bootloader: { efi: {} } } }, volumes: [3] } } },
      }),
    ).toEqual({
      spec: {
        runStrategy: "Always",
        template: { spec: { domain: { cpu: { cores: 2 }, firmware: { bootloader: { efi: {} } } }, volumes: [3] } },
      },
    });
    expect(mergeManifest(base, undefined)).toBe(base);
  });

  it("reads addresses defensively from whatever status there is", () => {
    expect(serviceAddresses(undefined)).toEqual({ publicIp: undefined, privateIp: undefined });
    expect(serviceAddresses({})).toEqual({ publicIp: undefined, privateIp: undefined });
    expect(serviceAddresses({ spec: { clusterIP: "None" }, status: { loadBalancer: {} } })).toEqual({
      publicIp: undefined,
      privateIp: undefined,
    });
    expect(
      serviceAddresses({
        spec: { clusterIP: "10.0.0.5" },
        status: { loadBalancer: { ingress: [{ hostname: "lb.example" }] } },
      }),
    ).toEqual({ publicIp: "lb.example", privateIp: "10.0.0.5" });
  });

  it("reports a cluster it cannot reach, or no kubeconfig, as not checked rather than as a problem", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "kubeconfig-"));
    const saved = { KUBECONFIG: process.env.KUBECONFIG, HOME: process.env.HOME };
    try {
      process.env.HOME = dir;
      process.env.KUBECONFIG = path.join(dir, "absent");
      const none = await probeKubevirt();
      expect(none.problems).toEqual([]);
      expect(none.facts.join("\n")).toMatch(/^cluster not checked: /);

      // A port nothing listens on: the probe says so instead of failing validate.
      const config = path.join(dir, "config");
      writeFileSync(
        config,
        [
          "apiVersion: v1",
          "kind: Config",
          "clusters: [{ name: c, cluster: { server: 'https://127.0.0.1:9', insecure-skip-tls-verify: true } }]",
          "users: [{ name: u, user: { token: t } }]",
          "contexts: [{ name: x, context: { cluster: c, user: u } }]",
          "current-context: x",
          "",
        ].join("\n"),
      );
      process.env.KUBECONFIG = config;
      const unreachable = await probeKubevirt(5000);
      expect(unreachable.problems).toEqual([]);
      expect(unreachable.facts).toEqual([
        expect.stringMatching(/^cluster not checked: https:\/\/127\.0\.0\.1:9 did not answer/),
      ]);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses what it cannot build, before anything is created", () => {
    const before = recorded.length;
    expect(() => new Machine("k1", { image: { id: "https://x/y.img" } })).toThrow(
      /k1.diskGiB = undefined: allowed a disk size for an image imported from a URL/,
    );
    expect(() => new Machine("k2", { providerOptions: { kubevirt: { serviceType: "Ingress" } as never } })).toThrow(
      /k2.providerOptions.kubevirt.serviceType/,
    );
    expect(() => new Machine("k3", { labels: { "team name": "x" } })).toThrow(/k3.labels\["team name"\]/);
    expect(recorded.length).toBe(before);
  });
});
