/**
 * `adopt` in core and the kit: its shape, the refusal (with the fix) by a provider without the adopt
 * capability, the module's own problems reported under `adopt`, and the options adoptionOptions gives
 * the resource the module's plan names (import and retainOnDelete), as the mocks record them.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { machinaUnderMocks, KEY_A, settle, valueOf } from "../../dist/testing";
import { fakeProvider } from "../../dist/testing/fake-provider";
import { checkAdoptShape } from "../../dist/core/resolve/adopt";
import { machineShapeProblems } from "../../dist/core/validation";
import { ValidationError } from "../../dist/core/errors";
import { adoptionOptions } from "../../dist/providers/kit";
import type { AdoptOperation, ProviderModule } from "../../dist/providers/kit";
import { libvirtAdopt } from "../../dist/providers/libvirt/adopt";
import { domainFacts, resizedDomainXml } from "../../dist/providers/libvirt/adopted-domain";
import { diffMachine } from "../../dist/providers/libvirt/machine-operations";
import { kubevirtAdopt } from "../../dist/providers/kubevirt/adopt";

const { recorded, Machine } = machinaUnderMocks({ project: "shop", stack: "staging" });

class AdoptableVm extends pulumi.CustomResource {}
const VM_TYPE = "adoptable:index:Vm";
const adopt: AdoptOperation = (id) =>
  /^vm-\d+$/.test(id)
    ? { type: VM_TYPE, importId: `zone-a/${id}` }
    : [
        {
          field: "adopt",
          value: JSON.stringify(id),
          allowed: "an id vm-<number>",
          fix: "use the id the console shows",
        },
      ];
const adoptable: ProviderModule = fakeProvider("adoptable", {
  adopt,
  create(spec, parent) {
    const vm = new AdoptableVm(
      VM_TYPE,
      spec.name,
      { type: spec.size.type },
      { parent, ...adoptionOptions(spec, adopt, VM_TYPE) },
    );
    const disk = new AdoptableVm(
      "adoptable:index:Disk",
      `${spec.name}-disk`,
      {},
      { parent, ...adoptionOptions(spec, adopt, "adoptable:index:Disk") },
    );
    return { id: vm.id, publicIp: undefined, privateIp: disk.id.apply(() => "10.0.0.9"), details: {} };
  },
});

function problemsOf(build: () => unknown) {
  try {
    build();
  } catch (e) {
    if (e instanceof ValidationError) return e.problems;
    throw e;
  }
  throw new Error("not refused");
}

describe("adopt: the shape", () => {
  it("a platform id alone means retainOnDelete true; the long form can opt out", () => {
    expect(checkAdoptShape("vm-7")).toEqual({ value: { id: "vm-7", retainOnDelete: true }, problems: [] });
    expect(checkAdoptShape({ id: "vm-7", retainOnDelete: false }).value).toEqual({ id: "vm-7", retainOnDelete: false });
    expect(checkAdoptShape(undefined)).toEqual({ value: undefined, problems: [] });
  });

  it("refuses an empty id, a wrong type, unknown keys and a non-boolean retainOnDelete, naming each field", () => {
    const fields = (value: unknown) => machineShapeProblems("web", { adopt: value as string }).map((p) => p.field);
    expect(fields("")).toEqual(["web.adopt"]);
    expect(fields(7)).toEqual(["web.adopt"]);
    expect(fields({ id: "" })).toEqual(["web.adopt.id"]);
    expect(fields({ id: "vm-1", keep: true })).toEqual(["web.adopt.keep"]);
    expect(fields({ id: "vm-1", retainOnDelete: "no" })).toEqual(["web.adopt.retainOnDelete"]);
  });
});

describe("adopt on a provider", () => {
  it("a provider without the adopt capability refuses it before anything is registered, with the fix", async () => {
    const before = recorded.length;
    const problems = problemsOf(() => new Machine("plain", { provider: fakeProvider("plaincloud"), adopt: "vm-1" }));
    await settle();
    expect(recorded.length).toBe(before);
    expect(problems).toEqual([
      expect.objectContaining({ field: "plain.adopt", value: '"vm-1"', fix: expect.stringMatching(/^remove adopt/) }),
    ]);
    expect(problems[0].allowed).toMatch(/plaincloud cannot take over an existing machine/);
  });

  it("the module's problems with the id are reported under adopt", () => {
    const problems = problemsOf(() => new Machine("odd", { provider: adoptable, adopt: "web-server" }));
    expect(problems).toEqual([
      { field: "odd.adopt", value: '"web-server"', allowed: "an id vm-<number>", fix: "use the id the console shows" },
    ]);
  });

  it("the resource the plan names is imported with the plan's id and retained; the other one is made new", async () => {
    const m = new Machine("taken", { provider: adoptable, sshKeys: [KEY_A], adopt: "vm-42" });
    await valueOf(m.privateIp);
    await settle();
    const vm = recorded.find((r) => r.name === "taken" && r.type === VM_TYPE);
    const disk = recorded.find((r) => r.name === "taken-disk");
    expect(vm).toMatchObject({ importId: "zone-a/vm-42", retainOnDelete: true });
    expect(disk).toMatchObject({ retainOnDelete: false });
    expect(disk?.importId).toBeUndefined();
  });

  it("retainOnDelete: false is the user's explicit choice, and a Machine without adopt imports nothing", async () => {
    const gone = new Machine("taken-del", { provider: adoptable, adopt: { id: "vm-43", retainOnDelete: false } });
    const fresh = new Machine("fresh", { provider: adoptable });
    await valueOf(gone.id);
    await valueOf(fresh.id);
    await settle();
    expect(recorded.find((r) => r.name === "taken-del" && r.type === VM_TYPE)).toMatchObject({
      importId: "zone-a/vm-43",
      retainOnDelete: false,
    });
    const made = recorded.find((r) => r.name === "fresh" && r.type === VM_TYPE);
    expect(made?.importId).toBeUndefined();
    expect(made?.retainOnDelete).toBe(false);
  });
});

describe("adopt on libvirt (the pure parts; test/engine/adopt.test.ts adopts a real domain)", () => {
  const xml = [
    "<domain type='kvm' id='4'>",
    "  <name>legacy&amp;co</name>",
    "  <uuid>0b6c3c0e-5d8b-4c3a-9d7e-2f4a1b6c8d90</uuid>",
    "  <memory unit='KiB'>524288</memory>",
    "  <currentMemory unit='KiB'>262144</currentMemory>",
    "  <vcpu placement='static' current='1'>2</vcpu>",
    "  <devices>",
    "    <disk type='file' device='cdrom'><source file='/iso/boot.iso'/></disk>",
    "    <disk type='file' device='disk'>",
    "      <driver name='qemu' type='qcow2'/>",
    "      <source file='/srv/vms/legacy.qcow2'/>",
    "    </disk>",
    "    <interface type='network'><source network='lab'/></interface>",
    "  </devices>",
    "</domain>",
  ].join("\n");

  it("a domain name or UUID is the import id, carried by the machine's adopt input", async () => {
    expect(libvirtAdopt("legacy")).toEqual({
      type: "pulumi-nodejs:dynamic/machina:LibvirtMachine",
      importId: "legacy",
      input: "adopt",
    });
    expect(libvirtAdopt("a/b")).toEqual([expect.objectContaining({ field: "adopt", value: '"a/b"' })]);
  });

  it("reads the domain's own name, first disk, network and accelerator from its XML", async () => {
    expect(domainFacts(xml)).toEqual({
      name: "legacy&co",
      diskPath: "/srv/vms/legacy.qcow2",
      network: "lab",
      acceleratorUsed: "kvm",
      machinaOwner: false,
    });
  });

  it("a resize edits only the memory and vCPUs of the domain's own definition", async () => {
    const out = resizedDomainXml(xml, 1, 1024);
    expect(out).toContain("<memory unit='KiB'>1048576</memory>");
    expect(out).toContain("<currentMemory unit='KiB'>1048576</currentMemory>");
    expect(out).toContain("<vcpu placement='static'>1</vcpu>");
    const untouched = (text: string) =>
      text
        .split("\n")
        .filter((l) => !/<(memory|currentMemory|vcpu)\b/.test(l))
        .join("\n");
    expect(untouched(out)).toBe(untouched(xml));
  });

  it("only vCPUs, memory, power, labels and settings update an adopted domain; another id replaces it", async () => {
    const inputs = {
      uri: "qemu:///system",
      adopt: "legacy",
      cpus: 1,
      memoryMiB: 512,
      shutdownTimeoutSeconds: 60,
      metadata: { machine: "box" },
      labels: {},
    };
    const outs = {
      ...inputs,
      uuid: "u",
      name: "legacy",
      state: "running",
      acceleratorUsed: "kvm" as const,
      network: "none",
      forwardedPorts: {},
      consoleLog: "",
    };
    expect(diffMachine(outs, inputs).changes).toBe(false);
    expect(diffMachine(outs, { ...inputs, memoryMiB: 1024 })).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    expect(diffMachine(outs, { ...inputs, adopt: "other" }).replaces).toEqual(["adopt"]);
  });
});

describe("adopt on kubevirt (test/kubevirt/adopt.test.ts adopts on a real API server)", () => {
  it("namespace/name, or name in the namespace option; a namespace other than the option's is refused", async () => {
    const spec = (namespace?: string) => ({ options: namespace ? { namespace } : {} }) as never;
    expect(kubevirtAdopt("vms/web", spec())).toEqual({
      type: "kubernetes:kubevirt.io/v1:VirtualMachine",
      importId: "vms/web",
    });
    expect(kubevirtAdopt("web", spec("vms"))).toMatchObject({ importId: "vms/web" });
    expect(kubevirtAdopt("web", spec())).toMatchObject({ importId: "default/web" });
    expect(kubevirtAdopt("other/web", spec("vms"))).toEqual([expect.objectContaining({ field: "adopt" })]);
    expect(kubevirtAdopt("Web_1", spec())).toEqual([expect.objectContaining({ field: "adopt" })]);
  });

  it("the VirtualMachine keeps its name and gets no user-data Secret, cloud-init disk or Machina finding label", async () => {
    const m = new Machine("kv-taken", {
      provider: "kubevirt",
      sshKeys: [KEY_A],
      userData: "#cloud-config\n{}\n",
      adopt: "vms/legacy",
    });
    await valueOf(m.id);
    await settle();
    const vm = recorded.find((r) => r.name === "kv-taken" && r.type === "kubernetes:kubevirt.io/v1:VirtualMachine");
    expect(vm).toMatchObject({ importId: "vms/legacy", retainOnDelete: true });
    const manifest = vm!.inputs as {
      metadata: { name: string; namespace: string; labels: Record<string, string> };
      spec: { template: { spec: { volumes: { name: string }[] } } };
    };
    expect([manifest.metadata.namespace, manifest.metadata.name]).toEqual(["vms", "legacy"]);
    expect(manifest.metadata.labels, "no label of Machina's own: a VM made by hand has none").toBeUndefined();
    expect(manifest.spec.template.spec.volumes.map((v) => v.name)).toEqual(["rootdisk"]);
    expect(recorded.filter((r) => r.name.startsWith("kv-taken") && r.type === "kubernetes:core/v1:Secret")).toEqual([]);
  });
});
