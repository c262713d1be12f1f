/**
 * A Machine's outputs as a program reads them and as the component registers them in the state: the
 * same values (the state leaves out details and ssh), whichever fields a program reads and when (some
 * are made on first read), and the same user data whether it is given plain or as an Output.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { fakeProvider, machinaUnderMocks, KEY_A, ofType, settle, valueOf } from "../../dist/testing";

const { recorded, Machine } = machinaUnderMocks({
  project: "shop",
  stack: "production",
  config: { "machina:provider": "hetzner" },
});

/** What each component registered as its outputs, by URN, as the engine would store them. */
const registered = new Map<string, Record<string, unknown>>();
const monitor = pulumi.runtime.getMonitor() as unknown as {
  registerResourceOutputs(
    req: { getUrn(): string; getOutputs(): { toJavaScript(): Record<string, unknown> } | undefined },
    done: (err: Error | null, res?: unknown) => void,
  ): void;
};
const passOn = monitor.registerResourceOutputs.bind(monitor);
monitor.registerResourceOutputs = (req, done) => {
  registered.set(req.getUrn(), req.getOutputs()?.toJavaScript() ?? {});
  passOn(req, done);
};

const FIELDS = [
  "id",
  "provider",
  "region",
  "type",
  "image",
  "publicIp",
  "privateIp",
  "sshUser",
  "ssh",
  "labels",
  "details",
  "state",
  "ready",
] as const;

async function registeredOutputs(m: InstanceType<typeof Machine>): Promise<Record<string, unknown>> {
  const urn = await valueOf(m.urn);
  for (let i = 0; i < 20 && !registered.has(urn); i++) await settle();
  return registered.get(urn)!;
}

describe("a Machine's outputs", () => {
  it("registers in the state exactly the values its fields give, but for details and ssh", async () => {
    const m = new Machine("web", {
      size: "small",
      image: "ubuntu-24.04",
      region: "nbg1",
      sshKeys: [KEY_A],
      labels: { team: "shop" },
      ports: [443],
    });
    const stored = await registeredOutputs(m);
    const read: Record<string, unknown> = {};
    for (const field of FIELDS) read[field] = await valueOf(m[field] as pulumi.Output<unknown>);
    // The state leaves out what is undefined (a Hetzner server on no private network has no privateIp),
    // and details (its resources' own outputs, in the state as theirs) and ssh (made from address and user).
    const { details: _details, ssh: _ssh, ...kept } = read;
    expect(stored).toEqual(JSON.parse(JSON.stringify(kept)));
    expect(read).toMatchObject({
      provider: "hetzner",
      region: "nbg1",
      type: "cx23",
      image: "ubuntu-24.04",
      labels: { team: "shop", "managed-by": "machina" },
      details: { location: "nbg1", firewallId: expect.any(String) },
      state: "running",
      ready: true,
    });
    expect(read.ssh).toBe(`ssh root@${read.publicIp as string}`);
  });

  it("gives a field first read long after construction the same value, and the same Output on every read", async () => {
    const m = new Machine("late", { size: "small", image: "ubuntu-24.04", region: "nbg1", sshKeys: [KEY_A] });
    await registeredOutputs(m);
    await settle();
    expect(m.details).toBe(m.details);
    expect(await valueOf(m.details)).toMatchObject({ location: "nbg1" });
    expect(await valueOf(m.labels)).toEqual({ "managed-by": "machina" });
    expect(Object.keys(m)).toEqual(expect.arrayContaining([...FIELDS]));
  });

  it.each([
    ["both addresses", "192.0.2.7", "10.0.0.7", "ssh ubuntu@192.0.2.7"],
    ["no public address", undefined, "10.0.0.7", "ssh ubuntu@10.0.0.7"],
    ["an empty public address", "", "10.0.0.7", "ssh ubuntu@10.0.0.7"],
    ["no address", undefined, undefined, undefined],
  ])("gives as ssh the first address a module reports (%s), plain or as Outputs", async (_, pub, priv, ssh) => {
    for (const asOutputs of [false, true]) {
      const module = fakeProvider(
        `addr${asOutputs ? "o" : "p"}${String(pub)}${String(priv)}`.replace(/[^a-z0-9]/g, ""),
      );
      const create = module.create.bind(module);
      const wrap = (v: string | undefined) => (asOutputs ? pulumi.output(v) : v);
      module.create = (spec, parent) => ({ ...create(spec, parent), publicIp: wrap(pub), privateIp: wrap(priv) });
      const m = new Machine(`addr-${asOutputs}-${_.replace(/ /g, "-")}`, { provider: module });
      expect(await valueOf(m.ssh)).toBe(ssh);
    }
    await settle();
  });

  it("sends the same user data whether it is given plain or as an Output, a secret one staying secret", async () => {
    const userData = "#cloud-config\nruncmd: [touch /ok]\n";
    new Machine("plain", { size: "small", image: "ubuntu-24.04", region: "nbg1", sshKeys: [KEY_A], userData });
    new Machine("deferred", {
      size: "small",
      image: "ubuntu-24.04",
      region: "nbg1",
      sshKeys: [KEY_A],
      userData: pulumi.output(userData),
    });
    const secret = new Machine("secret", {
      size: "small",
      image: "ubuntu-24.04",
      region: "nbg1",
      sshKeys: [KEY_A],
      userData: pulumi.secret(userData),
    });
    await valueOf(secret.id);
    await settle();
    const sent = (name: string) =>
      ofType(recorded, "hcloud:index/server:Server").find((r) => r.name === name)!.inputs.userData as unknown;
    expect(sent("plain")).toContain("runcmd: [touch /ok]");
    expect(sent("plain")).toContain(`ssh_authorized_keys:\n  - ${KEY_A}`);
    expect(sent("deferred")).toBe(sent("plain"));
    // The mocks see a secret input as Pulumi's secret envelope around the same text.
    expect(JSON.stringify(sent("secret"))).toContain("1b47061264138c4ac30d75fd1eb44270");
    expect(JSON.stringify(sent("secret"))).toContain("runcmd: [touch /ok]");
  });
});
