/**
 * The readiness check's dynamic provider against a real server on 127.0.0.1: a new size (every
 * provider restarts a machine to resize it) probes the machine again, anything else it may change
 * does not, and a check recorded before sizes were an input is not probed for learning its size.
 */
import * as net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readiness } from "../../dist/internal/dynamic/v1";

let server: net.Server;
let port: number;
let connections = 0;

beforeAll(async () => {
  server = net.createServer((socket) => {
    connections++;
    socket.end("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u7\r\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const inputs = (over: Record<string, unknown> = {}) => ({
  host: "127.0.0.1",
  port,
  expect: "ssh" as const,
  timeoutSeconds: 10,
  machineId: "vm-1",
  size: "1cpu-1gb",
  ...over,
});

describe("the readiness check", () => {
  it("probes the machine again after a new size, and not after a new timeout", async () => {
    const { outs } = await readiness.create(inputs());
    expect(outs).toMatchObject({ size: "1cpu-1gb", banner: "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u7" });

    const resized = inputs({ size: "2cpu-2gb" });
    expect(await readiness.diff("vm-1:22", outs, resized)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: true,
    });
    const before = connections;
    const { outs: probed } = await readiness.update("vm-1:22", outs, resized);
    expect(connections).toBeGreaterThan(before);
    expect(probed).toMatchObject({ size: "2cpu-2gb", attempts: 1, banner: "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u7" });

    const slower = inputs({ size: "2cpu-2gb", timeoutSeconds: 20 });
    const still = connections;
    const { outs: kept } = await readiness.update("vm-1:22", probed, slower);
    expect(connections).toBe(still);
    expect(kept).toEqual({ ...probed, timeoutSeconds: 20 });
  });

  it("fails the update when the resized machine does not answer", async () => {
    const { outs } = await readiness.create(inputs());
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const gone = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    // The same check, its machine now answering nowhere: only a probe can tell.
    const olds = { ...outs, port: gone };
    await expect(
      readiness.update("vm-1:22", olds, inputs({ port: gone, size: "2cpu-2gb", timeoutSeconds: 1 })),
    ).rejects.toThrow(/did not answer/);
  });

  it("records the size of a check written before sizes were an input, without probing", async () => {
    const { outs } = await readiness.create(inputs());
    const { size: _unrecorded, ...earlier } = outs;
    expect(await readiness.diff("vm-1:22", earlier, inputs())).toMatchObject({ changes: true, replaces: [] });
    const before = connections;
    const { outs: recorded } = await readiness.update("vm-1:22", earlier, inputs());
    expect(connections).toBe(before);
    expect(recorded).toEqual(outs);
    expect(await readiness.diff("vm-1:22", recorded, inputs())).toMatchObject({ changes: false });
  });
});
