import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { XMLParser } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { connectionFrom } from "../../dist/providers/vsphere/connection";
import {
  diffMachine,
  extraConfigFor,
  firstDisk,
  reconfigureSpec,
  vmState,
} from "../../dist/providers/vsphere/machine-operations";
import type { VsphereMachineOutputs } from "../../dist/providers/vsphere/machine-operations";
import {
  moRef,
  parseResponse,
  requestEnvelope,
  SoapFault,
  untrustedCertificate,
  xsiType,
} from "../../dist/providers/vsphere/soap";
import type { MoRef, SoapClient } from "../../dist/providers/vsphere/soap";
import type { TaskProgress } from "../../dist/providers/vsphere/vim";
import { TagClient } from "../../dist/providers/vsphere/tags";
import { isTransient, optionValues, Vim } from "../../dist/providers/vsphere/vim";
import { machinaUnderMocks, KEY_A, ofType, settle, valueOf } from "../../dist/testing";

const PASSWORD = "s3cret-vsphere-pw-91c2";
const { recorded, Machine } = machinaUnderMocks({
  project: "shop",
  stack: "production",
  config: {
    "machina:provider": "vsphere",
    "vsphere:vsphereServer": "vcenter.example.test",
    "vsphere:user": "administrator@vsphere.local",
    "vsphere:password": PASSWORD,
    "vsphere:folder": "machina",
  },
});

const MACHINE = "pulumi-nodejs:dynamic/machina:VsphereMachine";

// A failed Output rejects every Output derived from it; the engine reports it once, the mocks do not.
process.on("unhandledRejection", (reason) => {
  if (!(reason instanceof Error && reason.name === "ValidationError")) throw reason;
});
const decode = (b64: string) => Buffer.from(b64, "base64").toString("utf8");

describe("vsphere module under mocks", () => {
  it("registers one VM with exact inputs, no credential among them, and the address VMware Tools reports", async () => {
    const m = new Machine("web", {
      size: { cpus: 2, memoryGiB: 4 },
      image: "debian-12",
      diskGiB: 40,
      sshKeys: [KEY_A],
      userData: "#cloud-config\nruncmd: [touch /ok]\n",
      labels: { app: "shop" },
      providerOptions: { vsphere: { datacenter: "DC1", waitForGuestNetSeconds: 60 } },
    });
    const id = await valueOf(m.id);
    await settle();
    const vm = ofType(recorded, MACHINE).find((r) => r.name === "web")!;
    const { userData, metadata, ...rest } = vm.inputs;
    expect(rest).toEqual({
      server: "vcenter.example.test",
      name: "shop-production-web",
      hostname: "web",
      owner: { project: "shop", stack: "production", machine: "web" },
      template: "templates/debian-12",
      datacenter: "DC1",
      folder: "machina",
      cpus: 2,
      memoryMiB: 4096,
      diskGiB: 40,
      labels: { app: "shop", "managed-by": "machina" },
      powerOn: true,
      waitForGuestNetSeconds: 60,
      taskTimeoutSeconds: 1800,
      moid: undefined,
      instanceUuid: undefined,
      powerState: undefined,
      ipAddress: undefined,
      placement: undefined,
    });
    expect(JSON.parse(metadata)).toEqual({ "instance-id": "shop-production-web", "local-hostname": "web" });
    // Machina's user with the key, and the user's part, in one multipart cloud-init document.
    expect(userData).toContain(KEY_A);
    expect(userData).toContain("runcmd: [touch /ok]");
    expect(userData).toContain("name: machina");
    // The connection reaches the provider through configure or the environment, never as an input.
    expect(JSON.stringify(vm.inputs)).not.toContain(PASSWORD);
    expect(JSON.stringify(vm.inputs)).not.toContain("administrator@vsphere.local");
    expect(vm.provider).not.toContain(PASSWORD);
    expect(id).toMatch(/^vm-\d+$/);
    expect(await valueOf(m.privateIp)).toMatch(/^10\.20\.0\.\d+$/);
    expect(await valueOf(m.ssh)).toMatch(/^ssh machina@10\.20\.0\.\d+$/);
    expect(await valueOf(m.type)).toBe("2cpu-4gb");
    expect(await valueOf(m.details)).toMatchObject({
      server: "vcenter.example.test",
      moid: id,
      template: "templates/debian-12",
    });
  });

  it("takes where the VM goes from other resources' Outputs, checked when they resolve", async () => {
    const { output } = await import("@pulumi/pulumi");
    const m = new Machine("placed", {
      size: "small",
      providerOptions: { vsphere: { datastore: output("ds-fast"), network: output("VM Network 2") } },
    });
    await valueOf(m.id);
    await settle();
    expect(ofType(recorded, MACHINE).find((r) => r.name === "placed")!.inputs).toMatchObject({
      datastore: "ds-fast",
      network: "VM Network 2",
      folder: "machina",
    });
    const bad = new Machine("misplaced", { size: "small", providerOptions: { vsphere: { folder: output("") } } });
    const failure = await new Promise<Error>((resolve) =>
      (bad.id as unknown as { promise(): Promise<unknown> }).promise().then(
        () => resolve(new Error("resolved")),
        (e: Error) => resolve(e),
      ),
    );
    expect(failure.message).toMatch(
      /misplaced\.providerOptions\.vsphere\.folder = "": allowed a non-empty name or path/,
    );
    await settle();
    expect(ofType(recorded, MACHINE).find((r) => r.name === "misplaced")).toBeUndefined();
  });

  it("stores as its provider one line that requires the stable entry point", async () => {
    new Machine("api", { size: "small" });
    await settle();
    const provider = ofType(recorded, MACHINE).find((r) => r.name === "api")!.provider!;
    expect(provider).toBe('exports.handler = () => require("pulumi-machina/internal/dynamic/v1").vsphereMachine;\n');
  });

  it("refuses bad input before anything is registered, naming the field", async () => {
    const before = recorded.length;
    expect(() => new Machine("bad1", { ports: [80] })).toThrow(
      /ports = "80\/tcp".*Machina manages no firewall on vSphere/s,
    );
    expect(() => new Machine("bad2", { providerOptions: { vsphere: { waitForGuestNetSeconds: -1 } } })).toThrow(
      /providerOptions\.vsphere\.waitForGuestNetSeconds = -1: allowed an integer from 0 to 3600/,
    );
    expect(() => new Machine("bad3", { providerOptions: { vsphere: { pool: "x" } } })).toThrow(
      /providerOptions\.vsphere\.pool = "x": allowed datacenter, cluster, resourcePool/,
    );
    expect(() => new Machine("bad4", { size: { type: "huge" } })).toThrow(/size\.type = "huge"/);
    expect(() => new Machine("bad5", { arch: "arm64" })).toThrow(/arm64/);
    expect(() => new Machine("bad6", { providerOptions: { vsphere: { folder: "" } } })).toThrow(
      /providerOptions\.vsphere\.folder = "": allowed a non-empty name or path/,
    );
    expect(() => new Machine("bad7", { diskGiB: 62 * 1024 + 1 })).toThrow(
      /diskGiB = 63489: allowed at most 63488 GiB \(vSphere's 62 TiB disk limit\)/,
    );
    await settle();
    expect(recorded.length).toBe(before);
  });
});

describe("vsphere connection", () => {
  it("reads the official provider's config keys first, then its environment variables", () => {
    const config = (k: string) => ({ "vsphere:vsphereServer": "vc1", "vsphere:user": "me" })[k];
    expect(
      connectionFrom(config, { VSPHERE_SERVER: "vc2", VSPHERE_PASSWORD: "pw", VSPHERE_ALLOW_UNVERIFIED_SSL: "true" }),
    ).toEqual({ server: "vc1", user: "me", password: "pw", allowUnverifiedSsl: true });
    expect(() => connectionFrom(() => undefined, { VSPHERE_SERVER: "vc" })).toThrow(
      "set vsphere:user (or VSPHERE_USER), vsphere:password (or VSPHERE_PASSWORD)",
    );
    expect(
      connectionFrom(() => undefined, { VSPHERE_SERVER: "a", VSPHERE_USER: "b", VSPHERE_PASSWORD: "c" })
        .allowUnverifiedSsl,
    ).toBe(false);
  });
});

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  parseTagValue: false,
  preserveOrder: true,
});
/** Element names of a parsed (order-preserving) node's children. */
const childNames = (node: Record<string, unknown>[]) =>
  node.map((n) => Object.keys(n).find((k) => k !== ":@")!).filter((k) => k !== "#text");

describe("vsphere SOAP mapping", () => {
  it("writes a clone request with references, xsi:types, escaped text and elements in the schema's order", () => {
    const envelope = requestEnvelope("CloneVM_Task", moRef("VirtualMachine", "vm-7"), {
      folder: moRef("Folder", "group-4"),
      name: 'a<b>&"c"',
      spec: {
        location: { pool: moRef("ResourcePool", "resgroup-9") },
        template: false,
        config: {
          numCPUs: 2,
          memoryMB: 2048,
          deviceChange: [{ operation: "edit", device: { $type: "VirtualDisk", key: 204, capacityInKB: 1024 } }],
          extraConfig: extraConfigFor({
            owner: { project: "p", stack: "s", machine: "m" },
            metadata: "{}",
            userData: "#cloud-config\n",
          }),
        },
        powerOn: false,
      },
    });
    const doc = xml.parse(envelope) as Record<string, unknown>[];
    const envelopeNode = doc.find((n) => "soapenv:Envelope" in n)! as Record<string, Record<string, unknown>[]>;
    const body = envelopeNode["soapenv:Envelope"].find((n) => "soapenv:Body" in n)! as Record<
      string,
      Record<string, unknown>[]
    >;
    const call = body["soapenv:Body"][0] as Record<string, Record<string, unknown>[]> & {
      ":@": Record<string, string>;
    };
    expect(call[":@"]).toEqual({ "@_xmlns": "urn:vim25" });
    expect(childNames(call.CloneVM_Task)).toEqual(["_this", "folder", "name", "spec"]);
    const spec = call.CloneVM_Task.find((n) => "spec" in n)!.spec as Record<string, unknown>[];
    expect(childNames(spec)).toEqual(["location", "template", "config", "powerOn"]);
    const config = spec.find((n) => "config" in n)!.config as Record<string, unknown>[];
    expect(childNames(config)).toEqual([
      "numCPUs",
      "memoryMB",
      "deviceChange",
      "extraConfig",
      "extraConfig",
      "extraConfig",
      "extraConfig",
      "extraConfig",
    ]);
    // Round trip through the parser the provider uses: references, types and text survive.
    expect(envelope).toContain('<_this type="VirtualMachine">vm-7</_this>');
    expect(envelope).toContain('<folder type="Folder">group-4</folder>');
    expect(envelope).toContain('<device xsi:type="VirtualDisk">');
    expect(envelope).toContain('<value xsi:type="xsd:string">base64</value>');
    expect(envelope).toContain("<name>a&lt;b&gt;&amp;&quot;c&quot;</name>");
    expect(envelope).not.toContain('a<b>&"c"');
  });

  it("sends user data and meta data base64 in guestinfo, with Machina's owner marker", () => {
    const entries = extraConfigFor({
      owner: { project: "p", stack: "s", machine: "m" },
      metadata: '{"instance-id":"x"}',
      userData: "#cloud-config\nhostname: web\n",
    });
    const byKey = Object.fromEntries(entries.map((e) => [e.key, (e.value as { $text: string }).$text]));
    expect(Object.keys(byKey)).toEqual([
      "machina.owner",
      "guestinfo.metadata",
      "guestinfo.metadata.encoding",
      "guestinfo.userdata",
      "guestinfo.userdata.encoding",
    ]);
    expect(JSON.parse(byKey["machina.owner"])).toEqual({ project: "p", stack: "s", machine: "m" });
    expect(decode(byKey["guestinfo.userdata"])).toBe("#cloud-config\nhostname: web\n");
    expect(decode(byKey["guestinfo.metadata"])).toBe('{"instance-id":"x"}');
    expect(byKey["guestinfo.userdata.encoding"]).toBe("base64");
  });

  it("reads vcsim's answers: both type attributes, its schema-instance prefix, numeric character references", () => {
    const answer = `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>
<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><objects><obj type="VirtualMachine">vm-42</obj>
<propSet><name>parent</name><val xmlns:_XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" _XMLSchema-instance:type="ManagedObjectReference" type="Folder">group-4</val></propSet>
<propSet><name>config.extraConfig</name><val xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="ArrayOfOptionValue"><OptionValue XMLSchema-instance:type="OptionValue"><key>machina.owner</key><value XMLSchema-instance:type="xsd:string">{&#34;project&#34;:&#34;p&#34;}</value></OptionValue></val></propSet>
</objects></returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>`;
    const result = parseResponse("RetrievePropertiesEx", answer) as Record<string, Record<string, unknown>>;
    const props = Object.fromEntries(
      (result.objects.propSet as Record<string, unknown>[]).map((p) => [p.name as string, p.val]),
    );
    expect(props.parent).toMatchObject({ "@_type": "Folder", "#text": "group-4" });
    expect(xsiType(props.parent)).toBe("ManagedObjectReference");
    expect(optionValues(props["config.extraConfig"] as never)).toEqual({ "machina.owner": '{"project":"p"}' });
  });

  it("turns a fault into a typed error naming the vim25 fault", () => {
    const fault = `<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>Cannot complete login due to an incorrect user name or password.</faultstring><detail><InvalidLoginFault xmlns="urn:vim25" xsi:type="InvalidLogin"></InvalidLoginFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>`;
    let error: unknown;
    try {
      parseResponse("Login", fault);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SoapFault);
    expect((error as SoapFault).faultType).toBe("InvalidLogin");
    expect((error as SoapFault).message).toBe(
      "vSphere Login failed: InvalidLogin: Cannot complete login due to an incorrect user name or password.",
    );
    expect(isTransient(error)).toBe(false);
    expect(isTransient(new SoapFault("PowerOnVM_Task", "TaskInProgress", "", undefined))).toBe(true);
    expect(isTransient(new Error("read ECONNRESET"))).toBe(true);
  });

  it("says how to trust a server whose certificate is refused, and leaves other errors alone", () => {
    const refused = Object.assign(new Error("self-signed certificate"), { code: "DEPTH_ZERO_SELF_SIGNED_CERT" });
    expect(untrustedCertificate(refused, "vc.example:443")?.message).toBe(
      "the certificate of vc.example:443 is not trusted (self-signed certificate): trust its CA (NODE_EXTRA_CA_CERTS=<ca.pem>), or, for a self-signed certificate, set vsphere:allowUnverifiedSsl (or VSPHERE_ALLOW_UNVERIFIED_SSL) to true",
    );
    expect(untrustedCertificate(Object.assign(new Error("refused"), { code: "ECONNREFUSED" }), "vc")).toBeUndefined();
  });

  it("grows the first disk to diskGiB (KB and bytes) and never shrinks it", () => {
    const devices = {
      VirtualDevice: [
        { key: "200", "@_xsi:type": "VirtualIDEController" },
        {
          key: "204",
          controllerKey: "202",
          unitNumber: "0",
          capacityInKB: String(10 * 1024 * 1024),
          backing: {
            fileName: "[ds] vm/vm.vmdk",
            diskMode: "persistent",
            datastore: { "@_type": "Datastore", "#text": "datastore-1" },
            "@_xsi:type": "VirtualDiskFlatVer2BackingInfo",
          },
          "@_xsi:type": "VirtualDisk",
        },
      ],
    };
    const disk = firstDisk(devices as never)!;
    expect(disk.key).toBe("204");
    const owner = { project: "p", stack: "s", machine: "m" };
    const grown = reconfigureSpec({ cpus: 2, memoryMiB: 1024, diskGiB: 20, metadata: "{}", owner }, disk);
    expect(grown.deviceChange).toEqual([
      {
        operation: "edit",
        device: {
          $type: "VirtualDisk",
          key: "204",
          backing: {
            $type: "VirtualDiskFlatVer2BackingInfo",
            fileName: "[ds] vm/vm.vmdk",
            datastore: expect.objectContaining({ type: "Datastore", value: "datastore-1" }),
            diskMode: "persistent",
          },
          controllerKey: "202",
          unitNumber: "0",
          capacityInKB: 20 * 1024 * 1024,
          capacityInBytes: 20 * 1024 ** 3,
        },
      },
    ]);
    expect(
      reconfigureSpec({ cpus: 2, memoryMiB: 1024, diskGiB: 5, metadata: "{}", owner }, disk).deviceChange,
    ).toBeUndefined();
    expect(reconfigureSpec({ cpus: 2, memoryMiB: 1024, metadata: "{}", owner }, disk).deviceChange).toBeUndefined();
  });

  it("says what replaces a VM and what changes in place", () => {
    const olds = {
      server: "vc",
      name: "n",
      hostname: "h",
      owner: { project: "p", stack: "s", machine: "m" },
      template: "templates/debian-12",
      cpus: 1,
      memoryMiB: 1024,
      userData: "a",
      metadata: "{}",
      labels: { a: "1" },
      powerOn: true,
      waitForGuestNetSeconds: 0,
      taskTimeoutSeconds: 60,
    } as unknown as VsphereMachineOutputs;
    expect(diffMachine(olds, { ...olds, cpus: 2, labels: { a: "2" } })).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: true,
    });
    expect(
      diffMachine(olds, { ...olds, template: "templates/debian-13", userData: "b", diskGiB: 30 }).replaces,
    ).toEqual(["template", "diskGiB", "userData"]);
    expect(diffMachine(olds, { ...olds }).changes).toBe(false);
  });
});

/** A SOAP client that answers from a script, recording each call. */
function scriptedClient(answer: (method: string, self: MoRef, args: Record<string, unknown>) => unknown) {
  const calls: string[] = [];
  let session = false;
  const client = {
    get hasSession() {
      return session;
    },
    dropSession() {
      session = false;
    },
    close() {},
    async call(method: string, self: MoRef, args: Record<string, unknown> = {}) {
      calls.push(method);
      if (method === "Login") session = true;
      return answer(method, self, args);
    },
  };
  return { client: client as unknown as SoapClient, calls };
}

const SERVICE_CONTENT = {
  rootFolder: { "@_type": "Folder", "#text": "group-d1" },
  propertyCollector: { "@_type": "PropertyCollector", "#text": "propertyCollector" },
  sessionManager: { "@_type": "SessionManager", "#text": "SessionManager" },
  searchIndex: { "@_type": "SearchIndex", "#text": "SearchIndex" },
  about: { apiVersion: "6.5", fullName: "VMware vCenter Server 6.5.0" },
};
const CONNECTION = { server: "vc", user: "u", password: "p", allowUnverifiedSsl: true };
const FAST = { attempts: 3, startingDelayMs: 1, maxDelayMs: 2 };
const prop = (name: string, val: unknown) => ({ name, val });

describe("vsphere session and tasks", () => {
  it("logs in again once when the server forgot the session, and retries transient faults", async () => {
    let forgot = false;
    let busy = 1;
    const { client, calls } = scriptedClient((method) => {
      if (method === "RetrieveServiceContent") return SERVICE_CONTENT;
      if (method === "FindByInventoryPath") {
        if (!forgot) {
          forgot = true;
          throw new SoapFault(method, "NotAuthenticated", "session expired", undefined);
        }
        if (busy-- > 0) throw new SoapFault(method, "TaskInProgress", "busy", undefined);
        return { "@_type": "VirtualMachine", "#text": "vm-9" };
      }
      return undefined;
    });
    const vim = new Vim(CONNECTION, client, FAST);
    expect(await vim.findByInventoryPath("/DC0/vm/templates/debian-12")).toEqual({
      type: "VirtualMachine",
      value: "vm-9",
    });
    expect(calls).toEqual([
      "RetrieveServiceContent",
      "Login",
      "FindByInventoryPath",
      "Login",
      "FindByInventoryPath",
      "FindByInventoryPath",
    ]);
  });

  it("finds the datacenter on a fresh session (the service content comes with the login)", async () => {
    const { resolvePlacement } = await import("../../dist/providers/vsphere/placement.js");
    const { client } = scriptedClient((method, _self, args) => {
      if (method === "RetrieveServiceContent") return SERVICE_CONTENT;
      if (method !== "RetrievePropertiesEx") return undefined;
      const obj = (args.specSet as { objectSet: { obj: MoRef } }).objectSet.obj;
      const answers: Record<string, unknown[]> = {
        "group-d1": [
          prop("childEntity", { ManagedObjectReference: { "@_type": "Datacenter", "#text": "datacenter-2" } }),
        ],
        "datacenter-2": [
          prop("name", "DC0"),
          prop("vmFolder", { "@_type": "Folder", "#text": "group-v3" }),
          prop("hostFolder", { "@_type": "Folder", "#text": "group-h4" }),
        ],
        "group-h4": [
          prop("childEntity", {
            ManagedObjectReference: [
              { "@_type": "ComputeResource", "#text": "domain-s1" },
              { "@_type": "ClusterComputeResource", "#text": "domain-c7" },
            ],
          }),
        ],
        "domain-c7": [prop("resourcePool", { "@_type": "ResourcePool", "#text": "resgroup-8" })],
      };
      return { objects: { propSet: answers[obj.value] ?? [] } };
    });
    const placement = await resolvePlacement(new Vim(CONNECTION, client, FAST), {});
    expect(placement).toEqual({
      datacenter: { ref: expect.objectContaining({ type: "Datacenter", value: "datacenter-2" }), name: "DC0" },
      folder: expect.objectContaining({ type: "Folder", value: "group-v3" }),
      pool: expect.objectContaining({ type: "ResourcePool", value: "resgroup-8" }),
      datastore: undefined,
    });
  });

  it("machines created at once share one login", async () => {
    const { client, calls } = scriptedClient((method) => {
      if (method === "RetrieveServiceContent") return SERVICE_CONTENT;
      if (method === "FindByInventoryPath") return { "@_type": "VirtualMachine", "#text": "vm-9" };
      return undefined;
    });
    const vim = new Vim(CONNECTION, client, FAST);
    await Promise.all([vim.findByInventoryPath("/a"), vim.findByInventoryPath("/b"), vim.findByInventoryPath("/c")]);
    expect(calls.filter((c) => c === "Login")).toHaveLength(1);
    expect(calls.filter((c) => c === "RetrieveServiceContent")).toHaveLength(1);
  });

  it("names the keys to fix when the login is refused, and does not retry it", async () => {
    const { client, calls } = scriptedClient((method) => {
      if (method === "RetrieveServiceContent") return SERVICE_CONTENT;
      if (method === "Login") throw new SoapFault(method, "InvalidLogin", "incorrect user name or password", undefined);
      return undefined;
    });
    await expect(new Vim(CONNECTION, client, FAST).login()).rejects.toThrow(
      /refused the login of user "u" at vc \(InvalidLogin\): check vsphere:user and vsphere:password/,
    );
    expect(calls.filter((c) => c === "Login")).toHaveLength(1);
  });

  it("bounds a task wait and reports progress while it runs", async () => {
    const seen: TaskProgress[] = [];
    const { client } = scriptedClient((method) => {
      if (method === "RetrieveServiceContent") return SERVICE_CONTENT;
      if (method === "RetrievePropertiesEx")
        return { objects: { propSet: [prop("info.state", "running"), prop("info.progress", "40")] } };
      return undefined;
    });
    const vim = new Vim(CONNECTION, client, FAST);
    await expect(
      vim.waitForTask(moRef("Task", "task-1"), "clone web", { timeoutMs: 300, onProgress: (p) => seen.push(p) }),
    ).rejects.toThrow(/task task-1 \(clone web\) did not finish within 0 s \(state running, 40%\)/);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[0]).toMatchObject({ task: "task-1", label: "clone web", state: "running", progress: 40 });
  });

  it("throws a failed task's fault", async () => {
    const { client } = scriptedClient((method) => {
      if (method === "RetrieveServiceContent") return SERVICE_CONTENT;
      return {
        objects: {
          propSet: [
            prop("info.state", "error"),
            prop("info.error", {
              fault: { "@_xsi:type": "InsufficientResourcesFault" },
              localizedMessage: "not enough memory",
            }),
          ],
        },
      };
    });
    const error = await new Vim(CONNECTION, client, FAST)
      .waitForTask(moRef("Task", "task-2"), "power on web", { timeoutMs: 1_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SoapFault);
    expect((error as SoapFault).faultType).toBe("InsufficientResourcesFault");
    expect((error as SoapFault).message).toContain("not enough memory");
  });

  it("maps a VM's properties, the guest address VMware Tools reports included; a missing VM is gone", async () => {
    const { client } = scriptedClient((method, _self, args) => {
      if (method === "RetrieveServiceContent") return SERVICE_CONTENT;
      if (method !== "RetrievePropertiesEx") return undefined;
      const obj = (args.specSet as { objectSet: { obj: MoRef } }).objectSet.obj;
      if (obj.value === "vm-404") throw new SoapFault(method, "ManagedObjectNotFound", "gone", undefined);
      return {
        objects: {
          propSet: [
            prop("name", "shop-production-web"),
            prop("config.instanceUuid", "5012-ab"),
            prop("config.hardware.numCPU", "2"),
            prop("config.hardware.memoryMB", "4096"),
            prop("config.extraConfig", {
              OptionValue: { key: "machina.owner", value: '{"project":"shop","stack":"production","machine":"web"}' },
            }),
            prop("runtime.powerState", "poweredOn"),
            prop("guest.ipAddress", "10.1.2.3"),
          ],
        },
      };
    });
    const vim = new Vim(CONNECTION, client, FAST);
    expect(await vmState(vim, moRef("VirtualMachine", "vm-42"))).toEqual({
      name: "shop-production-web",
      instanceUuid: "5012-ab",
      cpus: 2,
      memoryMiB: 4096,
      owner: { project: "shop", stack: "production", machine: "web" },
      powerState: "poweredOn",
      ipAddress: "10.1.2.3",
    });
    expect(await vmState(vim, moRef("VirtualMachine", "vm-404"))).toBeUndefined();
  });
});

describe("vsphere task progress", () => {
  it("logs a task when it starts, at most every interval while it runs, and when it ends", async () => {
    const { throttledProgressLog } = await import("../../dist/providers/vsphere/machine-operations.js");
    const lines: string[] = [];
    const log = throttledProgressLog((l) => lines.push(l), 10_000);
    const at = (elapsedMs: number, state: string, progress?: number) =>
      log({ task: "task-7", label: "clone web", state, progress, elapsedMs });
    at(0, "running", 0);
    at(4_000, "running", 20);
    at(11_000, "running", 60);
    at(12_000, "running", 70);
    at(13_500, "success");
    expect(lines).toEqual([
      "vsphere: clone web (task-7): running 0% after 0 s",
      "vsphere: clone web (task-7): running 60% after 11 s",
      "vsphere: clone web (task-7): success after 14 s",
    ]);
  });
});

/** An HTTPS server on 127.0.0.1 with a throwaway self-signed certificate, answering with `handler`. */
async function localHttps(handler: http.RequestListener) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "machina-vsphere-tls-"));
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"].concat([
      "-subj",
      "/CN=127.0.0.1",
      "-keyout",
      "key.pem",
      "-out",
      "cert.pem",
    ]),
    { cwd: dir, stdio: ["ignore", "ignore", "pipe"] },
  );
  const server = https.createServer(
    { key: readFileSync(path.join(dir, "key.pem")), cert: readFileSync(path.join(dir, "cert.pem")) },
    handler,
  );
  rmSync(dir, { recursive: true, force: true });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("vsphere tagging session", () => {
  it("logs in again once when a call is refused with 401, then fails plainly instead of looping", async () => {
    const seen: string[] = [];
    let sessions = 0;
    const server = await localHttps((request, response) => {
      seen.push(`${request.method} ${request.url}`);
      response.setHeader("Content-Type", "application/json");
      if (request.method === "POST" && request.url === "/rest/com/vmware/cis/session") {
        sessions++;
        response.end(JSON.stringify({ value: `session-${sessions}` }));
      } else {
        // Every session the server just gave is refused, forever.
        response.statusCode = 401;
        response.end(JSON.stringify({ type: "com.vmware.vapi.std.errors.unauthenticated" }));
      }
    });
    try {
      const client = new TagClient(
        { server: server.address, user: "u", password: "p", allowUnverifiedSsl: true },
        { attempts: 3, startingDelayMs: 1, maxDelayMs: 2 },
      );
      await expect(client.labelsOf("vm-1")).rejects.toThrow(
        /HTTP 401 right after a fresh login: the server accepts the login of user "u" but not the session it gave/,
      );
      expect(sessions).toBe(2);
      expect(seen).toEqual([
        "POST /rest/com/vmware/cis/session",
        "POST /rest/com/vmware/cis/tagging/tag-association?~action=list-attached-tags",
        "POST /rest/com/vmware/cis/session",
        "POST /rest/com/vmware/cis/tagging/tag-association?~action=list-attached-tags",
      ]);
    } finally {
      await server.close();
    }
  });
});

interface FakeTagging {
  categories: Record<string, { name: string; description: string }>;
  tags: Record<string, { name: string; description: string; category_id: string }>;
  attached: Record<string, { id: string; type: string }[]>;
}

/** The part of vCenter's tagging REST API the client uses, in memory, on a local HTTPS server. */
async function fakeTagging(state: FakeTagging) {
  let next = 1;
  const server = await localHttps((request, response) => {
    let text = "";
    request.on("data", (c: Buffer) => (text += c.toString()));
    request.on("end", () => {
      const body = text ? (JSON.parse(text) as Record<string, Record<string, unknown>>) : {};
      const url = new URL(request.url!, "https://x");
      const route = `${request.method} ${url.pathname.replace("/rest/com/vmware/cis", "")}`;
      const action = url.searchParams.get("~action");
      const id = decodeURIComponent(/id:([^/?]+)$/.exec(url.pathname)?.[1] ?? "");
      const ok = (value?: unknown) => response.end(JSON.stringify(value === undefined ? {} : { value }));
      if (route === "POST /session") return ok("s1");
      if (route === "GET /tagging/category") return ok(Object.keys(state.categories));
      if (route === "GET /tagging/tag") return ok(Object.keys(state.tags));
      if (route.startsWith("GET /tagging/category/id:")) return ok(state.categories[id]);
      if (route.startsWith("GET /tagging/tag/id:")) return ok(state.tags[id]);
      if (route === "POST /tagging/category") {
        state.categories[`c${next}`] = body.create_spec as FakeTagging["categories"][string];
        return ok(`c${next++}`);
      }
      if (route === "POST /tagging/tag") {
        state.tags[`t${next}`] = body.create_spec as FakeTagging["tags"][string];
        return ok(`t${next++}`);
      }
      if (action === "list-attached-tags")
        return ok(
          Object.keys(state.attached).filter((t) =>
            state.attached[t].some((o) => o.id === (body.object_id as { id: string }).id),
          ),
        );
      if (action === "list-attached-objects-on-tags")
        return ok(
          (body.tag_ids as unknown as string[]).map((t) => ({ tag_id: t, object_ids: state.attached[t] ?? [] })),
        );
      if (action === "list-tags-for-category")
        return ok(Object.keys(state.tags).filter((t) => state.tags[t].category_id === id));
      if (action === "attach") {
        state.attached[id] = [...(state.attached[id] ?? []), body.object_id as unknown as { id: string; type: string }];
        return ok();
      }
      if (action === "detach") {
        state.attached[id] = (state.attached[id] ?? []).filter((o) => o.id !== (body.object_id as { id: string }).id);
        return ok();
      }
      if (route.startsWith("DELETE /tagging/tag/id:")) {
        delete state.tags[id];
        delete state.attached[id];
        return ok();
      }
      if (route.startsWith("DELETE /tagging/category/id:")) {
        delete state.categories[id];
        return ok();
      }
      response.statusCode = 404;
      response.end("{}");
    });
  });
  const client = new TagClient(
    { server: server.address, user: "u", password: "p", allowUnverifiedSsl: true },
    { attempts: 2, startingDelayMs: 1, maxDelayMs: 2 },
  );
  return { client, close: server.close };
}

describe("vsphere tags Machina made go when nothing carries them", () => {
  it("deletes Machina's unused tags and emptied categories, never an operator's, nor a tag a live VM carries", async () => {
    const state: FakeTagging = {
      // An operator's category and tag (a label with that key puts a tag of Machina's in it).
      categories: { op: { name: "backup-policy", description: "the operator's" } },
      tags: { opt: { name: "nightly", description: "", category_id: "op" } },
      attached: {},
    };
    const fake = await fakeTagging(state);
    try {
      const { client } = fake;
      await client.setLabels("vm-1", { app: "shop", "managed-by": "machina", "backup-policy": "weekly" });
      await client.setLabels("vm-2", { app: "shop", "managed-by": "machina" });
      const names = () => ({
        categories: Object.values(state.categories)
          .map((c) => c.name)
          .sort(),
        tags: Object.values(state.tags)
          .map((t) => t.name)
          .sort(),
      });
      expect(names()).toEqual({
        categories: ["app", "backup-policy", "managed-by"],
        tags: ["machina", "nightly", "shop", "weekly"],
      });
      // A label changed in place: the old tag goes once the other VM no longer carries it either.
      const live = new Set(["vm-1", "vm-2"]);
      const exists = async (o: { id: string }) => live.has(o.id);
      await client.setLabels("vm-1", { app: "shop2", "managed-by": "machina" }, ["backup-policy"], exists);
      expect(names().tags).toEqual(["machina", "nightly", "shop", "shop2"]);
      // vm-2 destroyed (the simulator keeps its tag associations; exists says it is gone).
      live.delete("vm-2");
      await client.removeUnused({ app: "shop", "managed-by": "machina" }, exists);
      expect(names()).toEqual({
        categories: ["app", "backup-policy", "managed-by"],
        tags: ["machina", "nightly", "shop2"],
      });
      live.delete("vm-1");
      await client.removeUnused({ app: "shop2", "managed-by": "machina" }, exists);
      // Only the operator's category and tag are left, as they were.
      expect(state.categories).toEqual({ op: { name: "backup-policy", description: "the operator's" } });
      expect(state.tags).toEqual({ opt: { name: "nightly", description: "", category_id: "op" } });
      // Gone already is fine.
      await client.removeUnused({ app: "shop2" }, exists);
    } finally {
      await fake.close();
    }
  });
});

describe("vsphere network option", () => {
  it("moves the first network card to the network asked for, keeping the card as it was", async () => {
    const { firstNic, nicEdit } = await import("../../dist/providers/vsphere/machine-operations.js");
    const nic = firstNic({
      VirtualDevice: [
        { key: "200", "@_xsi:type": "VirtualIDEController" },
        {
          key: "4000",
          backing: { port: { switchUuid: "old", portgroupKey: "dvportgroup-1" } },
          connectable: { startConnected: "true", allowGuestControl: "true", connected: "false" },
          controllerKey: "100",
          unitNumber: "7",
          addressType: "generated",
          macAddress: "00:50:56:aa:bb:cc",
          "@_xsi:type": "VirtualVmxnet3",
        },
      ],
    } as never)!;
    const backing = { $type: "VirtualEthernetCardNetworkBackingInfo", deviceName: "VM Network" };
    expect(nicEdit(nic, backing)).toEqual({
      operation: "edit",
      device: {
        $type: "VirtualVmxnet3",
        key: "4000",
        backing,
        connectable: { startConnected: true, allowGuestControl: true, connected: false },
        controllerKey: "100",
        unitNumber: "7",
        addressType: "generated",
        macAddress: "00:50:56:aa:bb:cc",
      },
    });
    const spec = reconfigureSpec(
      { cpus: 1, memoryMiB: 512, metadata: "{}", owner: { project: "p", stack: "s", machine: "m" } },
      undefined,
      nicEdit(nic, backing),
    );
    expect(spec.deviceChange).toEqual([nicEdit(nic, backing)]);
    expect(firstNic({ VirtualDevice: [{ key: "1", "@_xsi:type": "VirtualDisk" }] } as never)).toBeUndefined();
  });

  it("attaches a distributed port group by its switch and key; a missing network names the option and what exists", async () => {
    const { resolvePlacement, networkBacking } = await import("../../dist/providers/vsphere/placement.js");
    const { client } = scriptedClient((method, _self, args) => {
      if (method === "RetrieveServiceContent") return SERVICE_CONTENT;
      if (method === "FindByInventoryPath")
        return (args.inventoryPath as string) === "DC0/network/DC0_DVPG0"
          ? { "@_type": "DistributedVirtualPortgroup", "#text": "dvportgroup-11" }
          : undefined;
      if (method !== "RetrievePropertiesEx") return undefined;
      const obj = (args.specSet as { objectSet: { obj: MoRef } }).objectSet.obj;
      const answers: Record<string, unknown[]> = {
        "group-d1": [
          prop("childEntity", { ManagedObjectReference: { "@_type": "Datacenter", "#text": "datacenter-2" } }),
        ],
        "datacenter-2": [
          prop("name", "DC0"),
          prop("vmFolder", { "@_type": "Folder", "#text": "group-v3" }),
          prop("hostFolder", { "@_type": "Folder", "#text": "group-h4" }),
          prop("networkFolder", { "@_type": "Folder", "#text": "group-n5" }),
        ],
        "group-h4": [
          prop("childEntity", { ManagedObjectReference: { "@_type": "ComputeResource", "#text": "domain-s1" } }),
        ],
        "domain-s1": [prop("resourcePool", { "@_type": "ResourcePool", "#text": "resgroup-8" })],
        "group-n5": [
          prop("childEntity", {
            ManagedObjectReference: [
              { "@_type": "Network", "#text": "network-7" },
              { "@_type": "VmwareDistributedVirtualSwitch", "#text": "dvs-9" },
              { "@_type": "DistributedVirtualPortgroup", "#text": "dvportgroup-11" },
            ],
          }),
        ],
        "network-7": [prop("name", "VM Network")],
        "dvs-9": [prop("name", "DC0_DVS"), prop("uuid", "50 2a 9b")],
        "dvportgroup-11": [
          prop("name", "DC0_DVPG0"),
          prop("key", "dvportgroup-11"),
          prop("config.distributedVirtualSwitch", { "@_type": "VmwareDistributedVirtualSwitch", "#text": "dvs-9" }),
        ],
      };
      return { objects: { propSet: answers[obj.value] ?? [] } };
    });
    const vim = new Vim(CONNECTION, client, FAST);
    const placement = await resolvePlacement(vim, { network: "DC0_DVPG0" });
    expect(placement.network).toEqual({
      ref: expect.objectContaining({ type: "DistributedVirtualPortgroup", value: "dvportgroup-11" }),
      name: "DC0_DVPG0",
      backing: {
        $type: "VirtualEthernetCardDistributedVirtualPortBackingInfo",
        port: { switchUuid: "50 2a 9b", portgroupKey: "dvportgroup-11" },
      },
    });
    expect(await networkBacking(vim, moRef("Network", "network-7"), "VM Network")).toEqual({
      $type: "VirtualEthernetCardNetworkBackingInfo",
      deviceName: "VM Network",
      network: expect.objectContaining({ type: "Network", value: "network-7" }),
    });
    await expect(resolvePlacement(vim, { network: "prod-vlan" })).rejects.toThrow(
      'the network "prod-vlan" (providerOptions.vsphere.network or vsphere:network) does not exist in datacenter DC0; the networks there: "DC0_DVPG0", "VM Network". Set network to one of them, or unset it to keep the template\'s',
    );
  });
});
