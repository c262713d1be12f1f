/**
 * powerState and the uniform `state` output under the mocks: the exact platform inputs of a stopped and
 * a running machine on every provider with the power capability, the refusal (with its fix) everywhere
 * else, and each platform's status mapped to running / stopped / provisioning / unknown.
 */
import { describe, expect, it } from "vitest";
import { machinaUnderMocks, KEY_A, ofType, settle, valueOf } from "../../dist/testing";
import { machineStateFrom } from "../../dist/core/power";
import { machineShapeProblems } from "../../dist/core/validation";
import { ValidationError } from "../../dist/core/errors";
import { awsState } from "../../dist/providers/aws/power";
import { gcpState } from "../../dist/providers/gcp/power";
import { kubevirtState } from "../../dist/providers/kubevirt/power";
import { libvirtState } from "../../dist/providers/libvirt/power";
import { proxmoxState } from "../../dist/providers/proxmox/power";
import { hetznerState } from "../../dist/providers/hetzner/state";
import { dropletState } from "../../dist/providers/digitalocean/state";
import { azureState } from "../../dist/providers/azure/state";
import { diffMachine } from "../../dist/providers/libvirt/machine-operations";
import { machineStateOutput } from "../../dist/providers/kit";
import { fakeProvider } from "../../dist/testing/fake-provider";
import * as pulumi from "@pulumi/pulumi";

const { recorded, Machine } = machinaUnderMocks({
  project: "shop",
  stack: "staging",
  config: { "libvirt:network": "user", "proxmox:endpoint": "https://pve.example:8006/" },
});

const mine = (type: string, name: string) => ofType(recorded, type).filter((r) => r.name.startsWith(name));

async function build(provider: string, name: string, powerState?: "running" | "stopped", waitForReady = false) {
  const m = new Machine(name, { provider, size: "small", sshKeys: [KEY_A], powerState, waitForReady });
  const outputs = { id: await valueOf(m.id), state: await valueOf(m.state), ready: await valueOf(m.ready) };
  await settle();
  return outputs;
}

describe("powerState on providers with the power capability", () => {
  it("aws: one InstanceState of the instance, running or stopped, changed in place", async () => {
    const running = await build("aws", "aws-on", "running");
    const stopped = await build("aws", "aws-off", "stopped");
    const [on] = mine("aws:ec2transitgateway/instanceState:InstanceState", "aws-on");
    const [off] = mine("aws:ec2transitgateway/instanceState:InstanceState", "aws-off");
    expect(on.inputs).toEqual({ instanceId: running.id, region: "us-east-1", state: "running" });
    expect(off.inputs).toEqual({ instanceId: stopped.id, region: "us-east-1", state: "stopped" });
    expect(on.name).toBe("aws-on-power");
    expect([running.state, stopped.state]).toEqual(["running", "stopped"]);
  });

  it("aws: without powerState the instance is kept running by the same resource", async () => {
    await build("aws", "aws-default");
    expect(mine("aws:ec2transitgateway/instanceState:InstanceState", "aws-default").map((r) => r.inputs.state)).toEqual(
      ["running"],
    );
  });

  it("gcp: the instance's desiredStatus, RUNNING or TERMINATED", async () => {
    const running = await build("gcp", "gcp-on", "running");
    const stopped = await build("gcp", "gcp-off", "stopped");
    expect(mine("gcp:compute/instance:Instance", "gcp-on")[0].inputs).toMatchObject({
      desiredStatus: "RUNNING",
      allowStoppingForUpdate: true,
    });
    expect(mine("gcp:compute/instance:Instance", "gcp-off")[0].inputs.desiredStatus).toBe("TERMINATED");
    expect([running.state, stopped.state]).toEqual(["running", "stopped"]);
  });

  it("proxmox: the VM's started", async () => {
    const running = await build("proxmox", "pve-on", "running");
    const stopped = await build("proxmox", "pve-off", "stopped");
    expect(mine("proxmoxve:index/vmLegacy:VmLegacy", "pve-on")[0].inputs.started).toBe(true);
    expect(mine("proxmoxve:index/vmLegacy:VmLegacy", "pve-off")[0].inputs.started).toBe(false);
    expect([running.state, stopped.state]).toEqual(["running", "stopped"]);
  });

  it("kubevirt: runStrategy Halted when stopped, the runStrategy option (default Always) when running", async () => {
    const running = await build("kubevirt", "kv-on", "running");
    const stopped = await build("kubevirt", "kv-off", "stopped");
    const m = new Machine("kv-manual", {
      provider: "kubevirt",
      providerOptions: { kubevirt: { runStrategy: "Manual" } },
    });
    await valueOf(m.id);
    await settle();
    const strategy = (name: string) =>
      mine("kubernetes:kubevirt.io/v1:VirtualMachine", name)[0].inputs.spec.runStrategy;
    expect([strategy("kv-on"), strategy("kv-off"), strategy("kv-manual")]).toEqual(["Always", "Halted", "Manual"]);
    expect([running.state, stopped.state]).toEqual(["running", "stopped"]);
  });

  it("libvirt: powerState stopped on the machine's dynamic resource; running leaves it out (state written before it)", async () => {
    const running = await build("libvirt", "lv-on", "running");
    const stopped = await build("libvirt", "lv-off", "stopped");
    const inputs = (name: string) => mine("pulumi-nodejs:dynamic/machina:LibvirtMachine", name)[0].inputs;
    expect("powerState" in inputs("lv-on")).toBe(false);
    expect(inputs("lv-off").powerState).toBe("stopped");
    expect([running.state, stopped.state]).toEqual(["running", "stopped"]);
  });

  it("a stopped machine skips readiness; a running one is waited for", async () => {
    await build("libvirt", "lv-ready-on", "running", true);
    const stopped = await build("libvirt", "lv-ready-off", "stopped", true);
    expect(mine("pulumi-nodejs:dynamic/machina:ReadinessCheck", "lv-ready-on")).toHaveLength(1);
    expect(mine("pulumi-nodejs:dynamic/machina:ReadinessCheck", "lv-ready-off")).toHaveLength(0);
    expect(stopped.ready).toBe(true);
  });
});

describe("powerState where the provider cannot apply it", () => {
  it.each(["hetzner", "digitalocean", "azure", "vsphere"])(
    "%s: stopped is refused before anything is registered, naming the field and the fix",
    async (provider) => {
      const before = recorded.length;
      let error: unknown;
      try {
        new Machine(`${provider}-off`, { provider, size: "small", powerState: "stopped" });
      } catch (e) {
        error = e;
      }
      await settle();
      expect(error).toBeInstanceOf(ValidationError);
      const problem = (error as ValidationError).problems.find((p) => p.field === `${provider}-off.powerState`);
      expect(problem).toEqual({
        field: `${provider}-off.powerState`,
        value: '"stopped"',
        allowed: `"running" only: ${provider} cannot stop a machine in place (it has no power capability)`,
        fix: "remove powerState, or run the machine on a provider with the power capability (`machina providers` lists them); removing the machine instead deletes it",
      });
      expect(recorded.length).toBe(before);
    },
  );

  it("running is accepted everywhere, and the state output is mapped from the platform", async () => {
    const hetzner = new Machine("hz-on", { provider: "hetzner", size: "small", powerState: "running" });
    const droplet = new Machine("do-on", { provider: "digitalocean", size: "small" });
    const azure = new Machine("az-on", { provider: "azure", size: "small", sshKeys: [KEY_A] });
    expect(await valueOf(hetzner.state)).toBe("running");
    expect(await valueOf(droplet.state)).toBe("running");
    expect(await valueOf(azure.state)).toBe("running");
    await settle();
  });

  it("a value that is not a power state is refused with what is allowed, provider or not", () => {
    expect(machineShapeProblems("web", { powerState: "off" as never })).toEqual([
      {
        field: "web.powerState",
        value: '"off"',
        allowed: "running or stopped",
        fix: 'write powerState: "stopped" (or leave it out)',
      },
    ]);
    expect(() => new Machine("bad-power", { provider: "libvirt", powerState: "paused" as never })).toThrow(
      /web|bad-power\.powerState/,
    );
  });
});

describe("the state output, mapped defensively", () => {
  it.each([
    ["aws", awsState, ["pending", "running", "stopping", "stopped", "shutting-down", undefined]],
    ["gcp", gcpState, ["STAGING", "RUNNING", "STOPPING", "TERMINATED", "REPAIRING", undefined]],
    ["kubevirt", kubevirtState, ["Starting", "Running", "Stopping", "Stopped", "CrashLoopBackOff", undefined]],
    ["libvirt", libvirtState, ["other", "running", "paused", "shut off", "crashed", undefined]],
    ["hetzner", hetznerState, ["initializing", "running", "stopping", "off", "deleting", undefined]],
    ["digitalocean", dropletState, ["new", "active", "archive", "off", "", undefined]],
  ] as const)("%s", (_name, map, statuses) => {
    expect(statuses.map((s) => (map as (s: string | undefined) => string)(s))).toEqual(
      {
        aws: ["provisioning", "running", "stopped", "stopped", "unknown", "unknown"],
        gcp: ["provisioning", "running", "stopped", "stopped", "unknown", "unknown"],
        kubevirt: ["provisioning", "running", "stopped", "stopped", "unknown", "unknown"],
        libvirt: ["unknown", "running", "unknown", "stopped", "unknown", "unknown"],
        hetzner: ["provisioning", "running", "stopped", "stopped", "unknown", "unknown"],
        digitalocean: ["provisioning", "running", "unknown", "stopped", "unknown", "unknown"],
      }[_name],
    );
  });

  it("a module's state made by the kit is the Machine's state as it is; any other is mapped again, so a status that is no uniform state is unknown", async () => {
    const withState = (name: string, state: () => unknown) => {
      const module = fakeProvider(name);
      const create = module.create.bind(module);
      return { ...module, create: (spec, parent) => ({ ...create(spec, parent), state: state() }) } as typeof module;
    };
    const made: pulumi.Output<string>[] = [];
    const kitMade = (status: string, map: (s: string) => string) => () => {
      made.push(machineStateOutput(pulumi.output(status), map as never));
      return made[made.length - 1];
    };
    const trusted = new Machine("kit-state", {
      provider: withState(
        "kitcloud",
        kitMade("up", () => "running"),
      ),
    });
    const wrongMap = new Machine("kit-wrong", {
      provider: withState(
        "wrongcloud",
        kitMade("up", () => "paused"),
      ),
    });
    const raw = new Machine("raw-state", { provider: withState("rawcloud", () => pulumi.output("paused")) });
    const plain = new Machine("plain-state", { provider: withState("plaincloud", () => "stopped") });
    expect(trusted.state).toBe(made[0]);
    expect(await valueOf(trusted.state)).toBe("running");
    expect(await valueOf(wrongMap.state)).toBe("unknown");
    expect(await valueOf(raw.state)).toBe("unknown");
    expect(await valueOf(plain.state)).toBe("stopped");
    await settle();
  });

  it("proxmox and azure read booleans and instance views; anything else is unknown", () => {
    expect([proxmoxState(true), proxmoxState(false), proxmoxState(undefined)]).toEqual([
      "running",
      "stopped",
      "unknown",
    ]);
    expect(
      azureState(
        { statuses: [{ code: "ProvisioningState/succeeded" }, { code: "PowerState/deallocated" }] },
        "Succeeded",
      ),
    ).toBe("stopped");
    expect(azureState({ statuses: [{ code: "PowerState/starting" }] }, "Updating")).toBe("provisioning");
    expect(azureState(undefined, "Creating")).toBe("provisioning");
    expect(azureState({ statuses: [] }, "Succeeded")).toBe("unknown");
    expect(machineStateFrom({ toString: () => "running" }, { running: "running" })).toBe("unknown");
    expect(machineStateFrom(42, { "42": "running" })).toBe("unknown");
  });
});

describe("libvirt's dynamic provider and powerState", () => {
  it("absent and running are the same state (no diff on state written before powerState); a stop is an update, never a replace", () => {
    type Outs = Parameters<typeof diffMachine>[0];
    const olds = { name: "d", cpus: 1, memoryMiB: 512, labels: {}, metadata: {} } as unknown as Outs;
    expect(diffMachine(olds, { ...olds })).toEqual({ changes: false, replaces: [], deleteBeforeReplace: true });
    expect(diffMachine(olds, { ...olds, powerState: "stopped" })).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: true,
    });
    expect(diffMachine({ ...olds, powerState: "stopped" }, { ...olds }).changes).toBe(true);
  });
});
