/**
 * Bounded retries of Machina's own dynamic providers: a fake `virsh` on PATH fails as libvirt does,
 * transiently or for good, and counts its calls.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { withRetry } from "../../dist/providers/kit/retry";
import { waitForService } from "../../dist/components/service-probe";
import { domainInfo, virsh, VirshError } from "../../dist/providers/libvirt/virsh";

let bin: string;
const savedPath = process.env.PATH;
const FAST = { startingDelayMs: 10, maxDelayMs: 40 };

/** A virsh that fails its first `failures` calls with `stderr`, then prints `stdout`; it counts calls. */
function fakeVirsh(failures: number, stderr: string, stdout = "ok"): string {
  const counter = path.join(bin, "calls");
  writeFileSync(counter, "0");
  writeFileSync(
    path.join(bin, "virsh"),
    `#!/bin/sh
n=$(($(cat ${counter}) + 1)); echo $n > ${counter}
if [ $n -le ${failures} ]; then printf '%s\\n' ${JSON.stringify(stderr)} >&2; exit 1; fi
printf '%s' ${JSON.stringify(stdout)}
`,
  );
  chmodSync(path.join(bin, "virsh"), 0o755);
  return counter;
}
const calls = (counter: string) => Number(readFileSync(counter, "utf8").trim());

beforeAll(() => {
  bin = mkdtempSync(path.join(tmpdir(), "machina-fake-virsh-"));
  process.env.PATH = `${bin}:${savedPath}`;
});
afterAll(() => {
  process.env.PATH = savedPath;
  rmSync(bin, { recursive: true, force: true });
});

describe("virsh retries", () => {
  it("retries a transient failure (daemon restarting, state change lock) and succeeds", async () => {
    const counter = fakeVirsh(
      2,
      "error: failed to connect to the hypervisor\nerror: Failed to connect socket to '/var/run/libvirt/libvirt-sock': Connection refused",
    );
    await expect(virsh("qemu:///system", ["list", "--all"], 10_000, FAST)).resolves.toBe("ok");
    expect(calls(counter)).toBe(3);
    const lock = fakeVirsh(
      1,
      "error: Timed out during operation: cannot acquire state change lock (held by monitor=remoteDispatchDomainCreateWithFlags)",
    );
    await expect(virsh("qemu:///system", ["start", "x"], 10_000, FAST)).resolves.toBe("ok");
    expect(calls(lock)).toBe(2);
  });

  it("gives up after the bounded number of attempts with the last error", async () => {
    const counter = fakeVirsh(99, "error: internal error: qemu unexpectedly closed the monitor");
    const e = await virsh("qemu:///system", ["start", "x"], 10_000, { ...FAST, attempts: 3 }).catch((err) => err);
    expect(e).toBeInstanceOf(VirshError);
    expect(e.message).toMatch(/qemu unexpectedly closed the monitor/);
    expect(calls(counter)).toBe(3);
  });

  it("does not retry a permanent failure: not found, invalid XML, permission denied", async () => {
    for (const stderr of [
      "error: failed to get domain 'x'\nerror: Domain not found: no domain with matching name 'x'",
      "error: XML error: Invalid value for attribute 'type' in element 'disk'",
      "error: internal error: process exited while connecting to monitor: Could not open '/srv/x': Permission denied",
    ]) {
      const counter = fakeVirsh(99, stderr);
      await expect(virsh("qemu:///system", ["define", "x.xml"], 10_000, FAST)).rejects.toBeInstanceOf(VirshError);
      expect(calls(counter), stderr).toBe(1);
    }
    // domainInfo turns "not found" into undefined after exactly one call.
    const counter = fakeVirsh(
      99,
      "error: failed to get domain 'x'\nerror: Domain not found: no domain with matching name 'x'",
    );
    await expect(domainInfo("qemu:///system", "x")).resolves.toBeUndefined();
    expect(calls(counter)).toBe(1);
  });

  it("does not retry its own timeout (the command may have done its work)", async () => {
    writeFileSync(path.join(bin, "calls"), "0");
    writeFileSync(
      path.join(bin, "virsh"),
      `#!/bin/sh\nn=$(($(cat ${path.join(bin, "calls")}) + 1)); echo $n > ${path.join(bin, "calls")}\nexec sleep 5\n`,
    );
    const e = await virsh("qemu:///system", ["start", "x"], 300, FAST).catch((err) => err);
    expect(e).toBeInstanceOf(VirshError);
    expect(e.message).toMatch(/timed out after 0 s/);
    expect(calls(path.join(bin, "calls"))).toBe(1);
  });
});

describe("withRetry", () => {
  it("honours a Retry-After within the bound", async () => {
    let n = 0;
    const started = Date.now();
    const result = await withRetry(
      async () => {
        n += 1;
        if (n === 1) throw new Error("429 Too Many Requests, Retry-After: 1");
        return "done";
      },
      { startingDelayMs: 10, maxDelayMs: 2000 },
    );
    expect(result).toBe("done");
    expect(n).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it("never retries what the classifier calls permanent", async () => {
    let n = 0;
    await expect(
      withRetry(async () => {
        n += 1;
        throw new Error("unable to authenticate (unauthorized)");
      }, FAST),
    ).rejects.toThrow(/unauthorized/);
    expect(n).toBe(1);
  });
});

describe("readiness waits with bounded backoff", () => {
  let server: net.Server | undefined;
  afterEach(() => server?.close());

  it("keeps trying until the service answers", async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, "127.0.0.1", () => {
        const p = (probe.address() as net.AddressInfo).port;
        probe.close(() => resolve(p));
      });
    });
    // Nothing listens for the first 700 ms, then an SSH server answers.
    setTimeout(() => {
      server = net.createServer((s) => s.end("SSH-2.0-OpenSSH_9.2\r\n")).listen(port, "127.0.0.1");
    }, 700);
    const r = await waitForService(
      { host: "127.0.0.1", port, expect: "ssh" },
      { timeoutSeconds: 10, intervalMs: 100, maxIntervalMs: 400 },
    );
    expect(r.banner).toBe("SSH-2.0-OpenSSH_9.2");
    expect(r.attempts).toBeGreaterThan(1);
    expect(r.attempts).toBeLessThan(10);
  });

  it("stops at the deadline and says what it saw", async () => {
    const started = Date.now();
    await expect(
      waitForService({ host: "127.0.0.1", port: 1, expect: "tcp" }, { timeoutSeconds: 1, intervalMs: 100 }),
    ).rejects.toThrow(/did not answer on 127\.0\.0\.1:1 within 1 s \(\d+ attempts, last: .*ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
