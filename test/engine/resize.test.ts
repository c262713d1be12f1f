/**
 * A resize through the real engine on libvirt: the machine restarts with its new size, and `up`
 * returns only once it answers again (its readiness check probes again after a new size).
 */
import { mkdtempSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as Operations from "../../dist/automation/operations";
import { busyboxInlineStack, engineOnPathForThisFile, listDomains, virsh } from "./support";

let ops: typeof Operations;
let stateDir: string;
engineOnPathForThisFile();

beforeAll(async () => {
  stateDir = mkdtempSync(path.join(tmpdir(), "machina-resize-state-"));
  ops = await import("../../dist/automation/operations.js");
}, 900_000);

afterAll(() => {
  rmSync(stateDir, { recursive: true, force: true });
});

const busyboxStack = (size: "nano" | "micro") =>
  busyboxInlineStack({ projectName: "resize", stackName: "dev", stateDir }, { size });

/** What the server on the port says first, within `ms` (empty when it says nothing: a guest still booting). */
function firstLine(port: number, ms: number): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    const socket = net.connect(port, "127.0.0.1");
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(text.split("\n")[0].trim());
    };
    const timer = setTimeout(done, ms);
    socket.on("data", (chunk) => {
      text += chunk.toString("utf8");
      if (text.includes("\n")) done();
    });
    socket.on("error", done);
    socket.on("close", done);
  });
}

describe("a resize", () => {
  it("restarts the machine with its new size, and up returns once it answers again", async () => {
    const small = await busyboxStack("nano");
    try {
      const first = await ops.run("up", small);
      expect(first.ok, first.error).toBe(true);
      const domain = first.outputs.domain as string;
      const uuid = virsh("domuuid", domain);
      const sshPort = Number(/-p (\d+)/.exec(first.outputs.ssh as string)?.[1]);
      expect(sshPort).toBeGreaterThan(0);

      const resized = await ops.run("up", await busyboxStack("micro"));
      expect(resized.ok, resized.error).toBe(true);
      // At once, with no wait of its own: the guest answers because up waited for it.
      expect(await firstLine(sshPort, 2000)).toMatch(/^SSH-2\.0-/);
      expect(virsh("domuuid", domain)).toBe(uuid);
      expect(/^Max memory:\s*(\d+) KiB$/m.exec(virsh("dominfo", domain))?.[1]).toBe("1048576");
    } finally {
      await ops.run("destroy", small);
    }
    expect(listDomains().filter((d) => d.startsWith("resize-dev-vm"))).toEqual([]);
  }, 900_000);
});
