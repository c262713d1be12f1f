/**
 * Isolation on the real engine and real libvirt: stacks whose names once mapped to one platform name
 * each keep their own machine, and readiness on a service port probes that port's forward.
 */
import { mkdtempSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as Operations from "../../dist/automation/operations";
import type { MachineArgs } from "../../dist/index";
import { busyboxInlineStack, engineOnPathForThisFile, listDomains, virsh } from "./support";

let ops: typeof Operations;
let stateDir: string;
engineOnPathForThisFile();

beforeAll(async () => {
  stateDir = mkdtempSync(path.join(tmpdir(), "machina-isolation-state-"));
  ops = await import("../../dist/automation/operations.js");
}, 900_000);

afterAll(() => {
  rmSync(stateDir, { recursive: true, force: true });
});

const uuidOf = (domain: string) => virsh("domuuid", domain);
const ownerStackOf = (domain: string) => /<\w+:stack>([^<]*)</.exec(virsh("dumpxml", domain))?.[1];

const busyboxStack = (stackName: string, machine: Partial<MachineArgs> = {}) =>
  busyboxInlineStack({ projectName: "rel", stackName, stateDir }, machine);

describe("stacks whose names differ only in characters a platform drops", () => {
  it("rel-col and rel_col each get a machine of their own; destroying one leaves the other", async () => {
    const dash = await busyboxStack("rel-col");
    const underscore = await busyboxStack("rel_col");
    try {
      const a = await ops.run("up", dash);
      expect(a.ok, a.error).toBe(true);
      const b = await ops.run("up", underscore);
      expect(b.ok, b.error).toBe(true);
      const [domainA, domainB] = [a.outputs.domain as string, b.outputs.domain as string];
      expect(domainA).toBe("rel-rel-col-vm");
      expect(domainB).toMatch(/^rel-rel-col-vm-[0-9a-f]{8}$/);
      expect(ownerStackOf(domainA)).toBe("rel-col");
      expect(ownerStackOf(domainB)).toBe("rel_col");
      const uuidB = uuidOf(domainB);

      const destroyed = await ops.run("destroy", dash);
      expect(destroyed.ok, destroyed.error).toBe(true);
      expect(listDomains()).not.toContain(domainA);
      expect(uuidOf(domainB)).toBe(uuidB);
      // A second run of the same program in this process: nothing of the first run is reused.
      const idle = await ops.run("up", underscore);
      expect(idle.ok, idle.error).toBe(true);
      expect(idle.changed).toBe(false);
    } finally {
      await ops.run("destroy", dash);
      await ops.run("destroy", underscore);
    }
    expect(listDomains().filter((d) => d.startsWith("rel-rel-col-vm"))).toEqual([]);
  }, 900_000);
});

describe("readiness on a service port", () => {
  it("probes the port's forward, not the same port on the host, and only once the guest answers", async () => {
    // An unrelated host process answers on the port number; the guest (busybox) serves only SSH.
    let decoyConnections = 0;
    const decoy = net.createServer((socket) => {
      decoyConnections++;
      socket.end("decoy\n");
    });
    await new Promise<void>((resolve) => decoy.listen(0, "127.0.0.1", resolve));
    const port = (decoy.address() as net.AddressInfo).port;
    const target = await busyboxStack("ready-port", { ports: [port], waitForReady: { port, timeoutSeconds: 20 } });
    try {
      const up = await ops.run("up", target);
      // The check went to the port's forward: the decoy on the same host port was never asked.
      expect(decoyConnections).toBe(0);
      // Nothing in the guest listens on the port. The forward holds connections open while the guest
      // boots, which must not count as an answer: once SSH answers, the guest refuses the port.
      expect(up.ok).toBe(false);
      expect(up.error).toMatch(new RegExp(`did not answer on 127\\.0\\.0\\.1:(?!${port}\\b)\\d+`));
    } finally {
      decoy.close();
      await ops.run("destroy", target);
    }
    expect(listDomains().filter((d) => d.startsWith("rel-ready-port-vm"))).toEqual([]);
  }, 900_000);
});
