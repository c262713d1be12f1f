/**
 * The vsphere provider through the real Pulumi engine and the `machina` CLI, against VMware's vCenter
 * simulator (vcsim) on 127.0.0.1: up (clone, reconfigure, guestinfo, tags, power on), an idle up,
 * update in place, drift found by refresh, a VM deleted through the API, a refused password, an up
 * killed during the clone and recovered, validate's probe, destroy with nothing left (VMs, and the
 * tags and categories Machina made). The inventory is checked through the vSphere and tagging APIs.
 * vcsim runs no guest: there is no address and no readiness here (both are proven under mocks).
 */
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KEY_A } from "../../dist/testing";
import { recordTiming } from "../support/timings";
import { enginePath, machina, machinaDetached, makeProject } from "../engine/support";
import type { Vcsim } from "./vcsim";
import { allTagNames, inventoryVms, makeTemplates, operatorTag, startVcsim, tagInventory } from "./vcsim";

const soap = require("../../dist/providers/vsphere/soap") as typeof import("../../dist/providers/vsphere/soap");
const vimModule = require("../../dist/providers/vsphere/vim") as typeof import("../../dist/providers/vsphere/vim");
const ops =
  require("../../dist/providers/vsphere/machine-operations") as typeof import("../../dist/providers/vsphere/machine-operations");
const { TagClient } =
  require("../../dist/providers/vsphere/tags") as typeof import("../../dist/providers/vsphere/tags");

const ENVIRONMENT = "vsphere";
const VM_NAME = "machina-e2e-vsphere-web";
/**
 * vcsim holds each reconfigure this long, so an `up` can be killed mid-create. (Not the clone: vcsim
 * 0.52 drops the clone spec's config, so a VM killed during its clone would carry no owner marker
 * there, while vCenter writes it with the clone.)
 */
const RECONFIGURE_DELAY_MS = 4_000;

let vcsim: Vcsim;
let project: string;
let env: NodeJS.ProcessEnv;
let before: Record<string, string>;
let tagsBefore: string[];
/** The network Machina moves the VM's card to (the template's card is on the distributed port group DC0_DVPG0). */
const NETWORK = "VM Network";

function environmentFile(size: string, labels: Record<string, string>): string {
  return `config:
  machina:provider: vsphere
  vsphere:vsphereServer: ${vcsim.server}
  vsphere:user: ${vcsim.user}
  vsphere:allowUnverifiedSsl: "true"
  vsphere:waitForGuestNetSeconds: "0"
  vsphere:taskTimeoutSeconds: "120"
  vsphere:network: ${NETWORK}
  machina:machines:
    - name: web
      size: ${size}
      image: debian-12
      diskGiB: 20
      sshKeys:
        - ${KEY_A}
      userData: |
        #cloud-config
        runcmd: [touch /machina-vsphere-ok]
      labels:
${Object.entries(labels)
  .map(([k, v]) => `        ${k}: ${v}`)
  .join("\n")}
`;
}

const writeEnvironment = (size: string, labels: Record<string, string>) =>
  writeFileSync(path.join(project, "stacks", `Pulumi.${ENVIRONMENT}.yaml`), environmentFile(size, labels));

/** The CLI with the password given for this run only (`-c`, a secret), as a pipeline would. */
const cli = (operation: string, password = vcsim.password, ...extra: string[]) =>
  machina(
    ["--json", operation, "-e", ENVIRONMENT, "--project-dir", project, "-c", `vsphere:password=${password}`, ...extra],
    env,
  );

async function vmFacts(moid: string) {
  const vm = soap.moRef("VirtualMachine", moid);
  const p = await vcsim.vim.properties(vm, [
    "name",
    "config.hardware.numCPU",
    "config.hardware.memoryMB",
    "config.hardware.device",
    "config.extraConfig",
    "runtime.powerState",
    "config.annotation",
  ]);
  const extra = vimModule.optionValues(p["config.extraConfig"]);
  return {
    name: soap.textOf(p.name),
    cpus: Number(soap.textOf(p["config.hardware.numCPU"])),
    memoryMiB: Number(soap.textOf(p["config.hardware.memoryMB"])),
    powerState: soap.textOf(p["runtime.powerState"]),
    diskKB: ops.firstDisk(p["config.hardware.device"])?.capacityInKB,
    network: soap.textOf(
      (ops.firstNic(p["config.hardware.device"])?.backing as Record<string, unknown> | undefined)?.deviceName,
    ),
    extra,
  };
}

async function runTask(method: string, moid: string, args?: Record<string, never>) {
  const task = soap.moRefOf(await vcsim.vim.call(method, soap.moRef("VirtualMachine", moid), args))!;
  await vcsim.vim.waitForTask(soap.moRef(task.type, task.value), method, { timeoutMs: 60_000 });
}

const labelsOf = (moid: string) =>
  new TagClient({
    server: vcsim.server,
    user: vcsim.user,
    password: vcsim.password,
    allowUnverifiedSsl: true,
  }).labelsOf(moid);

beforeAll(async () => {
  const t = Date.now();
  vcsim = await startVcsim({ taskDelay: `ReconfigVm:${RECONFIGURE_DELAY_MS}` });
  recordTiming("vsphere: vcsim start", Date.now() - t);
  await makeTemplates(vcsim.vim, ["debian-12"]);
  before = await inventoryVms(vcsim.vim);
  tagsBefore = await tagInventory(vcsim);
  project = makeProject();
  writeEnvironment("small", { app: "shop" });
  env = { ...process.env, PATH: enginePath() };
  for (const k of [
    "PULUMI_BACKEND_URL",
    "PULUMI_CONFIG_PASSPHRASE",
    "VSPHERE_SERVER",
    "VSPHERE_USER",
    "VSPHERE_PASSWORD",
  ])
    delete env[k];
}, 900_000);

afterAll(async () => {
  if (project) {
    if ((await inventoryVms(vcsim.vim).catch((): Record<string, string> => ({})))[VM_NAME]) cli("destroy");
    rmSync(project, { recursive: true, force: true });
  }
  await vcsim?.stop();
}, 300_000);

describe("vsphere through the engine against vcsim", () => {
  let firstId: string;

  it("validate probes the server: login, version, datacenter, the templates the machines use", () => {
    // Server and user come from the stack file, the password from the environment (a stack secret is encrypted).
    const probeEnv = { ...env, VSPHERE_PASSWORD: vcsim.password };
    const validate = (environment: string, e = probeEnv) =>
      machina(["--json", "validate", "-e", environment, "--project-dir", project], e);
    const ok = validate(ENVIRONMENT);
    expect(ok.code, ok.out + ok.err).toBe(0);
    expect(ok.json.problems).toEqual([]);
    const refused = validate(ENVIRONMENT, { ...probeEnv, VSPHERE_PASSWORD: "wrong" });
    expect(refused.code).toBe(1);
    expect(refused.json.problems.join("\n")).toMatch(/refused the login of user "machina-test".*InvalidLogin/);
    const stacks = path.join(project, "stacks");
    writeFileSync(
      path.join(stacks, "Pulumi.strict.yaml"),
      environmentFile("small", { app: "shop" }).replace(/^ {2}vsphere:allowUnverifiedSsl: .*\n/m, ""),
    );
    expect(validate("strict").json.problems.join("\n")).toMatch(
      /certificate of 127\.0\.0\.1:\d+ is not trusted .*set vsphere:allowUnverifiedSsl/,
    );
    writeFileSync(
      path.join(stacks, "Pulumi.missing.yaml"),
      environmentFile("small", { app: "shop" }).replace("image: debian-12", "image: { id: templates/nope }"),
    );
    expect(validate("missing").json.problems.join("\n")).toMatch(
      /no template "templates\/nope" in datacenter DC0 \(looked for \/DC0\/vm\/templates\/nope\)/,
    );
    writeFileSync(
      path.join(stacks, "Pulumi.nonet.yaml"),
      environmentFile("small", { app: "shop" }).replace(`vsphere:network: ${NETWORK}`, "vsphere:network: prod-vlan"),
    );
    expect(validate("nonet").json.problems.join("\n")).toMatch(
      /the network "prod-vlan" \(providerOptions\.vsphere\.network or vsphere:network\) does not exist in datacenter DC0; the networks there: .*"VM Network"/,
    );
  }, 300_000);

  it("up clones the template, reconfigures it, writes guestinfo, tags it and powers it on", async () => {
    const t = Date.now();
    const r = cli("up");
    expect(r.code, r.out + r.err).toBe(0);
    recordTiming("vsphere: machina up (clone, reconfigure, tags, power on)", Date.now() - t);
    const web = r.json.outputs.machineOutputs.web;
    expect(web).toMatchObject({ provider: "vsphere", region: "default", type: "1cpu-2gb", sshUser: "machina" });
    firstId = web.id;
    expect(web.details).toMatchObject({
      server: vcsim.server,
      moid: firstId,
      powerState: "poweredOn",
      placement: { datacenter: "DC0", path: `/DC0/vm/${VM_NAME}`, resourcePool: "/DC0/host/DC0_C0/Resources" },
    });
    expect((await inventoryVms(vcsim.vim))[VM_NAME]).toBe(firstId);
    const facts = await vmFacts(firstId);
    expect(facts).toMatchObject({
      cpus: 1,
      memoryMiB: 2048,
      powerState: "poweredOn",
      diskKB: 20 * 1024 * 1024,
      network: NETWORK,
    });
    const userData = Buffer.from(facts.extra["guestinfo.userdata"], "base64").toString("utf8");
    expect(userData).toContain("runcmd: [touch /machina-vsphere-ok]");
    expect(userData).toContain(KEY_A);
    expect(facts.extra["guestinfo.userdata.encoding"]).toBe("base64");
    expect(JSON.parse(Buffer.from(facts.extra["guestinfo.metadata"], "base64").toString("utf8"))).toEqual({
      "instance-id": VM_NAME,
      "local-hostname": "web",
    });
    expect(JSON.parse(facts.extra["machina.owner"])).toEqual({
      project: "machina-e2e",
      stack: ENVIRONMENT,
      machine: "web",
    });
    expect(await labelsOf(firstId)).toEqual({ app: "shop", "managed-by": "machina", environment: ENVIRONMENT });
  }, 600_000);

  it("a second up changes nothing", () => {
    const r = cli("up");
    expect(r.code, r.err).toBe(0);
    expect(r.json.changed).toBe(false);
  }, 300_000);

  it("a new size and labels change the VM in place; an operator's own tag stays", async () => {
    await operatorTag(vcsim, firstId, "backup-policy", "nightly");
    writeEnvironment("medium", { app: "shop2" });
    const r = cli("up");
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.json.changes.update).toBeGreaterThanOrEqual(1);
    expect(r.json.changes.create ?? 0).toBe(0);
    expect(r.json.changes.delete ?? 0).toBe(0);
    expect(r.json.outputs.machineOutputs.web.id).toBe(firstId);
    expect(await vmFacts(firstId)).toMatchObject({ cpus: 2, memoryMiB: 4096, powerState: "poweredOn" });
    expect(await labelsOf(firstId)).toEqual({ app: "shop2", "managed-by": "machina", environment: ENVIRONMENT });
    expect(await allTagNames(vcsim, firstId)).toEqual(["machina", "nightly", "shop2", ENVIRONMENT].sort());
    // The tag of the old value is Machina's and nothing carries it any more: it is gone.
    const tags = await tagInventory(vcsim);
    expect(tags).toContain("app/shop2");
    expect(tags).not.toContain("app/shop");
  }, 300_000);

  it("refresh finds vCPUs changed and the VM powered off behind the stack's back; up puts them back", async () => {
    await runTask("PowerOffVM_Task", firstId);
    await runTask("ReconfigVM_Task", firstId, { spec: { numCPUs: 3 } } as never);
    const refresh = cli("refresh");
    expect(refresh.code, refresh.err).toBe(0);
    expect(refresh.json.changes.update).toBeGreaterThanOrEqual(1);
    const preview = machina(
      [
        "preview",
        "--expect-no-changes",
        "-e",
        ENVIRONMENT,
        "--project-dir",
        project,
        "-c",
        `vsphere:password=${vcsim.password}`,
      ],
      env,
    );
    expect(preview.code).toBe(3);
    const up = cli("up");
    expect(up.code, up.err).toBe(0);
    expect(await vmFacts(firstId)).toMatchObject({ cpus: 2, powerState: "poweredOn" });
  }, 300_000);

  it("a refused password fails an update as a credentials problem; the right one then applies it", async () => {
    // (refresh and destroy configure the provider with the config recorded, encrypted, by the last up:
    // a wrong password only meets the server on an up that changes something.)
    writeEnvironment("medium", { app: "shop3" });
    const r = cli("up", "not-the-password");
    expect(r.code).toBe(1);
    expect(r.json.failure).toMatchObject({ class: "credentials", retryable: false });
    expect(r.json.error).toMatch(/refused the login of user "machina-test".*InvalidLogin/);
    expect((await inventoryVms(vcsim.vim))[VM_NAME]).toBe(firstId);
    const again = cli("up");
    expect(again.code, again.err).toBe(0);
    expect(await labelsOf(firstId)).toEqual({ app: "shop3", "managed-by": "machina", environment: ENVIRONMENT });
  }, 300_000);

  it("after the VM is destroyed through the API, refresh notices and up recreates it", async () => {
    // Through the API, as an operator would: power off, then destroy.
    await runTask("PowerOffVM_Task", firstId);
    await runTask("Destroy_Task", firstId);
    expect((await inventoryVms(vcsim.vim))[VM_NAME]).toBeUndefined();
    const refresh = cli("refresh");
    expect(refresh.code, refresh.err).toBe(0);
    expect(refresh.json.changes.delete).toBe(1);
    expect(refresh.json.goneMachines).toEqual(["web"]);
    const up = cli("up");
    expect(up.code, up.err).toBe(0);
    expect(up.json.changes.create).toBe(1);
    const id = up.json.outputs.machineOutputs.web.id;
    expect(id).not.toBe(firstId);
    expect((await inventoryVms(vcsim.vim))[VM_NAME]).toBe(id);
  }, 300_000);

  it("an up killed during the create leaves a marked VM that the next up removes and makes again", async () => {
    cli("destroy");
    expect((await inventoryVms(vcsim.vim))[VM_NAME]).toBeUndefined();
    const child = machinaDetached(
      ["up", "-e", ENVIRONMENT, "--project-dir", project, "-c", `vsphere:password=${vcsim.password}`],
      env,
    );
    await new Promise<void>((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error(`no VM create started: ${out}`)), 300_000);
      child.stdout!.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        if (!/create pulumi-nodejs:dynamic\/machina:VsphereMachine web \.\.\./.test(out)) return;
        clearTimeout(timer);
        // Once the clone exists the reconfigure starts (held RECONFIGURE_DELAY_MS by vcsim): kill the whole tree then.
        const poll = async () => {
          for (let i = 0; i < 200; i++) {
            if ((await inventoryVms(vcsim.vim))[VM_NAME]) break;
            await new Promise((r) => setTimeout(r, 100));
          }
          await new Promise((r) => setTimeout(r, RECONFIGURE_DELAY_MS / 4));
          process.kill(-child.pid!, "SIGKILL");
          resolve();
        };
        void poll();
      });
    });
    await new Promise((r) => child.once("exit", r));
    // The reconfigure finishes on the server without anyone to record the VM (bounded wait).
    const leftover = (await inventoryVms(vcsim.vim))[VM_NAME];
    expect(leftover, "the interrupted create left a VM").toBeDefined();
    let marker: string | undefined;
    for (let i = 0; i < 40 && !marker; i++) {
      marker = (await vmFacts(leftover)).extra["machina.owner"];
      if (!marker) await new Promise((r) => setTimeout(r, 250));
    }
    expect(JSON.parse(marker!)).toMatchObject({ machine: "web" });

    const again = cli("up");
    expect(again.code, again.out + again.err).toBe(0);
    expect(again.json.recovered.clearedPendingCreates.length).toBeGreaterThan(0);
    expect(again.json.recovered.remainingPending).toEqual([]);
    const vms = await inventoryVms(vcsim.vim);
    expect(vms[VM_NAME]).toBeDefined();
    expect(vms[VM_NAME]).not.toBe(leftover);
    expect(again.json.outputs.machineOutputs.web.id).toBe(vms[VM_NAME]);
  }, 600_000);

  it("destroy leaves nothing: the inventory is what it was before the tier, and the state holds no password", async () => {
    const r = cli("destroy");
    expect(r.code, r.err).toBe(0);
    expect(r.json.changes.delete).toBeGreaterThanOrEqual(1);
    expect(await inventoryVms(vcsim.vim)).toEqual(before);
    // Machina's tags and categories are gone; the operator's own category and tag stay.
    expect(await tagInventory(vcsim)).toEqual([...tagsBefore, "backup-policy", "backup-policy/nightly"].sort());
    // Every state file, history and backup included, written while the VM existed.
    const files = execFileSync("find", [path.join(project, ".pulumi-state"), "-type", "f"], { encoding: "utf8" })
      .trim()
      .split("\n")
      .filter(Boolean);
    expect(files.some((f) => f.includes(`${ENVIRONMENT}.json`))).toBe(true);
    for (const f of files) expect(readFileSync(f, "utf8"), f).not.toContain(vcsim.password);
  }, 300_000);
});
