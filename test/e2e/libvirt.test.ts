/**
 * The libvirt provider's operations on a real libvirt daemon and real QEMU guests: the code the
 * dynamic providers run. Guests are reached only through ports forwarded to 127.0.0.1.
 * Needs: scripts/libvirt-daemon.sh start and scripts/build-image.sh (scripts/test.sh does both).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitForService } from "../../dist/components/service-probe";
import { chooseAccelerator } from "../../dist/providers/libvirt/accelerator";
import { resolveBaseImage } from "../../dist/providers/libvirt/images";
import * as ops from "../../dist/providers/libvirt/machine-operations";
import { domainInfo, stopDomain, virsh } from "../../dist/providers/libvirt/virsh";
import { recordTiming } from "../support/timings";
import { machineInputs } from "./machine-inputs";

const URI = "qemu:///system";
const RUN = `e2e${process.pid}`;
const stateDir = mkdtempSync(path.join(tmpdir(), "machina-e2e-state-"));
const keyDir = mkdtempSync(path.join(tmpdir(), "machina-e2e-key-"));
const created: ops.MachineOutputs[] = [];

function inputs(name: string, over: Partial<ops.MachineInputs> = {}): ops.MachineInputs {
  return machineInputs({ run: RUN, stack: "e2e", stateDir }, name, { labels: { suite: "e2e" }, ...over });
}

async function create(i: ops.MachineInputs) {
  const result = await ops.createMachine(i);
  created.push(result.outs);
  return result;
}

const ssh = (outs: ops.MachineOutputs, command: string) =>
  spawnSync(
    "ssh",
    [
      "-i",
      path.join(keyDir, "id"),
      "-p",
      String(outs.sshPort),
      "-o",
      "StrictHostKeyChecking=no",
      "-o",
      "UserKnownHostsFile=/dev/null",
      "-o",
      "BatchMode=yes",
      "-o",
      "ConnectTimeout=10",
      "-o",
      "LogLevel=ERROR",
      `${outs.sshUser}@127.0.0.1`,
      command,
    ],
    { encoding: "utf8", timeout: 60_000 },
  );

/** Polls a command over SSH until it prints what is wanted (cloud-init may still be running). */
async function sshUntil(
  outs: ops.MachineOutputs,
  command: string,
  want: RegExp,
  timeoutSeconds: number,
): Promise<string> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let last = "";
  while (Date.now() < deadline) {
    const r = ssh(outs, command);
    last = `${r.stdout}${r.stderr}`;
    if (r.status === 0 && want.test(r.stdout)) return r.stdout;
    await new Promise((res) => setTimeout(res, 3000));
  }
  throw new Error(`over SSH, ${command} did not print ${want} within ${timeoutSeconds} s; last: ${last}`);
}

const domainNames = async () =>
  (await virsh(URI, ["list", "--all", "--name"]))
    .split("\n")
    .map((s) => s.trim())
    .filter(Boolean);

let busybox: Awaited<ReturnType<typeof resolveBaseImage>>;
let debian: Awaited<ReturnType<typeof resolveBaseImage>>;

beforeAll(async () => {
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "e2e@machina", "-f", path.join(keyDir, "id")]);
  busybox = await resolveBaseImage("offline:busybox");
  debian = await resolveBaseImage("offline:debian-12");
});

afterAll(async () => {
  for (const outs of created) await ops.destroyMachine(outs).catch(() => undefined);
  rmSync(stateDir, { recursive: true, force: true });
  rmSync(keyDir, { recursive: true, force: true });
});

describe("a Debian cloud-init guest", () => {
  let outs: ops.MachineOutputs;
  let id: string;

  it("boots, applies the SSH key and user data, answers on forwarded ports", async () => {
    const publicKey = readFileSync(path.join(keyDir, "id.pub"), "utf8").trim();
    const userData = [
      "#cloud-config",
      "write_files:",
      "  - path: /srv/www/marker.txt",
      "    content: machina-e2e-marker",
      "runcmd:",
      "  - [sh, -c, 'cd /srv/www && nohup python3 -m http.server 8080 >/dev/null 2>&1 &']",
      "",
    ].join("\n");
    const started = Date.now();
    ({ id, outs } = await create(
      inputs("debian", {
        image: debian,
        memoryMiB: 1024,
        diskGiB: 4,
        sshKeys: [publicKey],
        userData,
        ports: [{ protocol: "tcp", port: 8080 }],
        shutdownTimeoutSeconds: 60,
      }),
    ));
    const createdMs = Date.now() - started;
    expect(outs.sshHost).toBe("127.0.0.1");
    expect(outs.forwardedPorts["tcp/22"]).toBe(outs.sshPort);

    const ready = await waitForService(
      { host: "127.0.0.1", port: outs.sshPort!, expect: "ssh" },
      { timeoutSeconds: 300 },
    );
    expect(ready.banner).toMatch(/^SSH-2.0-OpenSSH/);
    recordTiming("libvirt debian create (define+start)", createdMs);
    recordTiming("libvirt debian create-to-ready (SSH banner)", Date.now() - started);

    expect(await sshUntil(outs, "cat /srv/www/marker.txt", /machina-e2e-marker/, 180)).toBe("machina-e2e-marker");
    expect(ssh(outs, "id -un; hostname; sudo -n true && echo sudo-ok").stdout.split("\n")).toEqual([
      "machina",
      "debian",
      "sudo-ok",
      "",
    ]);
    recordTiming("libvirt debian create-to-user-data", Date.now() - started);
    // The machine's own identity, not one baked into the image: systemd's machine id (and D-Bus's,
    // the same file) made from the domain's UUID on first boot.
    const uuidHex = id.replace(/-/g, "");
    expect(ssh(outs, "cat /etc/machine-id /var/lib/dbus/machine-id").stdout).toBe(`${uuidHex}\n${uuidHex}\n`);

    // The guest comes up clean: a pipeline's `cloud-init status --wait` succeeds, and sudo resolves
    // the host name (no "unable to resolve host" on stderr).
    const status = ssh(outs, "timeout 300 cloud-init status --wait --long");
    expect({ code: status.status, out: status.stdout }).toMatchObject({
      code: 0,
      out: expect.stringMatching(/^status: done$/m),
    });
    expect(status.stdout).not.toMatch(/^errors:\s*\n\s*-/m);
    recordTiming("libvirt debian create-to-cloud-init-done", Date.now() - started);
    const sudo = ssh(outs, "sudo -n true");
    expect({ code: sudo.status, stderr: sudo.stderr }).toEqual({ code: 0, stderr: "" });
    const hosts = ssh(outs, "getent hosts $(hostname)");
    expect({ code: hosts.status, out: hosts.stdout }).toMatchObject({
      code: 0,
      out: expect.stringMatching(/^\S+(\s+\S+)*\s+debian(\s|$)/m),
    });

    // The served port is reachable through its own 127.0.0.1 forward.
    const served = await new Promise<string>((resolve, reject) => {
      const deadline = Date.now() + 60_000;
      const attempt = () =>
        http
          .get(
            { host: "127.0.0.1", port: outs.forwardedPorts["tcp/8080"], path: "/marker.txt", timeout: 5000 },
            (res) => {
              let body = "";
              res.on("data", (c) => (body += c)).on("end", () => resolve(body));
            },
          )
          .on("error", (e) => (Date.now() < deadline ? setTimeout(attempt, 2000) : reject(e)));
      attempt();
    });
    expect(served).toBe("machina-e2e-marker");
  }, 420_000);

  it("uses the accelerator the probe proved, and says so", async () => {
    const xml = await virsh(URI, ["dumpxml", outs.name]);
    expect(xml).toContain(`<domain type='${outs.acceleratorUsed}'`);
    expect(outs.acceleratorUsed).toBe(await chooseAccelerator("auto"));
  }, 60_000);

  it("resizes vCPUs and memory in place, with a restart", async () => {
    const news = { ...inputs("debian"), ...pick(outs), cpus: 2, memoryMiB: 1536 };
    expect(ops.diffMachine(outs, news)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: true });
    const started = Date.now();
    const { outs: updated } = await ops.updateMachine(id, outs, news);
    expect(updated).toMatchObject({ cpus: 2, memoryMiB: 1536, uuid: id, sshPort: outs.sshPort });
    expect(await domainInfo(URI, outs.name)).toMatchObject({ cpus: 2, memoryMiB: 1536, state: "running" });
    await waitForService({ host: "127.0.0.1", port: outs.sshPort!, expect: "ssh" }, { timeoutSeconds: 300 });
    expect((await sshUntil(updated, "nproc", /^2$/m, 120)).trim()).toBe("2");
    recordTiming("libvirt debian resize (restart to SSH)", Date.now() - started);
    outs = updated;
  }, 480_000);

  it("stops gracefully on the power button (ACPI), well within the shutdown timeout", async () => {
    await waitForService({ host: "127.0.0.1", port: outs.sshPort!, expect: "ssh" }, { timeoutSeconds: 300 });
    // Booted to the end (logind, which handles the power button, is up) before the button is pressed.
    await sshUntil(
      outs,
      "cloud-init status --wait >/dev/null; systemctl is-system-running --wait || true",
      /running|degraded/,
      300,
    );
    const timeoutSeconds = 120;
    const started = Date.now();
    await stopDomain(URI, outs.name, timeoutSeconds);
    const ms = Date.now() - started;
    recordTiming("libvirt debian graceful stop (ACPI shutdown to shut off)", ms);
    // `virsh shutdown` then polling: a guest that ignores ACPI is destroyed at the timeout instead.
    expect((await virsh(URI, ["domstate", outs.name, "--reason"])).trim()).toBe("shut off (shutdown)");
    expect(ms).toBeLessThan((timeoutSeconds / 2) * 1000);
  }, 600_000);

  it("deletes domain, disk and seed, and deleting again succeeds", async () => {
    const started = Date.now();
    await ops.deleteMachine(id, outs);
    recordTiming("libvirt delete", Date.now() - started);
    expect(await domainInfo(URI, outs.name)).toBeUndefined();
    expect(existsSync(outs.dir)).toBe(false);
    await ops.deleteMachine(id, outs);
  }, 120_000);
});

/** The inputs part of outputs (what Pulumi would hand back as olds' inputs). */
function pick(outs: ops.MachineOutputs): ops.MachineInputs {
  const {
    uuid: _u,
    acceleratorUsed: _a,
    state: _s,
    sshHost: _h,
    sshPort: _p,
    forwardedPorts: _f,
    privateIp: _i,
    dir: _d,
    diskPath: _k,
    seedPath: _e,
    consoleLog: _c,
    ...rest
  } = outs;
  return rest;
}

describe("busybox guests", () => {
  it("several at once do not collide", async () => {
    const started = Date.now();
    const results = await Promise.all(["a", "b", "c"].map((n) => create(inputs(`many-${n}`, { image: busybox }))));
    const ports = results.map((r) => r.outs.sshPort);
    expect(new Set(ports).size).toBe(3);
    expect(new Set(results.map((r) => r.id)).size).toBe(3);
    for (const r of results) {
      const ready = await waitForService(
        { host: "127.0.0.1", port: r.outs.sshPort!, expect: "ssh" },
        { timeoutSeconds: 120 },
      );
      expect(ready.banner).toBe("SSH-2.0-machina_busybox");
    }
    recordTiming("libvirt 3 busybox guests in parallel, create-to-ready", Date.now() - started);
    for (const r of results) await ops.deleteMachine(r.id, r.outs);
    const left = await domainNames();
    for (const r of results) {
      expect(left).not.toContain(r.outs.name);
      expect(existsSync(r.outs.dir)).toBe(false);
    }
  }, 300_000);

  it("drift: a domain removed behind Pulumi's back reads as gone, and is made again", async () => {
    const first = await create(inputs("drift", { image: busybox }));
    expect((await ops.readMachine(first.id, first.outs)).id).toBe(first.id);
    execFileSync("virsh", ["-c", URI, "destroy", first.outs.name]);
    execFileSync("virsh", ["-c", URI, "undefine", first.outs.name]);
    expect(await ops.readMachine(first.id, first.outs)).toEqual({ id: "", props: {} });
    const again = await create(inputs("drift", { image: busybox }));
    expect(again.id).not.toBe(first.id);
    await waitForService({ host: "127.0.0.1", port: again.outs.sshPort!, expect: "ssh" }, { timeoutSeconds: 120 });
    await ops.deleteMachine(again.id, again.outs);
  }, 300_000);

  it("refresh sees vCPUs changed out of band", async () => {
    const m = await create(inputs("oob", { image: busybox }));
    execFileSync("virsh", ["-c", URI, "setvcpus", m.outs.name, "2", "--config", "--maximum"]);
    execFileSync("virsh", ["-c", URI, "setvcpus", m.outs.name, "2", "--config"]);
    execFileSync("virsh", ["-c", URI, "destroy", m.outs.name]);
    execFileSync("virsh", ["-c", URI, "start", m.outs.name]);
    const read = await ops.readMachine(m.id, m.outs);
    expect(read.props).toMatchObject({ cpus: 2 });
    // The next `up` puts it back to the declared size, in place.
    expect(ops.diffMachine(read.props as ops.MachineOutputs, inputs("oob", { image: busybox }))).toMatchObject({
      changes: true,
      replaces: [],
    });
    await ops.deleteMachine(m.id, m.outs);
  }, 180_000);

  it("an interrupted create is cleaned up by the next create, never someone else's domain", async () => {
    const lost = await create(inputs("interrupted", { image: busybox }));
    // Pulumi never recorded `lost`: the next run creates the same name again.
    const next = await create(inputs("interrupted", { image: busybox }));
    expect(next.id).not.toBe(lost.id);
    expect((await domainNames()).filter((n) => n === lost.outs.name)).toHaveLength(1);
    await ops.deleteMachine(next.id, next.outs);

    const foreign = `${RUN}-foreign`;
    const xml = path.join(stateDir, "foreign.xml");
    writeFileSync(
      xml,
      `<domain type='qemu'><name>${foreign}</name><memory unit='MiB'>64</memory><os><type arch='x86_64'>hvm</type></os></domain>`,
    );
    execFileSync("virsh", ["-c", URI, "define", xml]);
    try {
      await expect(ops.createMachine(inputs("foreign", { image: busybox }))).rejects.toThrow(
        /exists and belongs to nobody Machina knows \(no Machina metadata\).*never touches a machine it cannot prove/,
      );
      expect(await domainInfo(URI, foreign)).toBeDefined();
    } finally {
      execFileSync("virsh", ["-c", URI, "undefine", foreign]);
    }
  }, 180_000);

  it("a domain of the same name recorded for another stack or Machine is never taken over", async () => {
    const theirs = await create(
      inputs("owned", { image: busybox, metadata: { project: "p", stack: "rel-col", machine: "vm" } }),
    );
    // Another stack whose platform name came out the same (as `rel_col` once did): its create must not replace it.
    await expect(
      ops.createMachine(
        inputs("owned", { image: busybox, metadata: { project: "p", stack: "rel_col", machine: "vm" } }),
      ),
    ).rejects.toThrow(
      /belongs to project "p", stack "rel-col", Machine "vm", not to project "p", stack "rel_col", Machine "vm"/,
    );
    expect((await domainInfo(URI, theirs.outs.name))?.uuid).toBe(theirs.id);
    expect(existsSync(theirs.outs.diskPath)).toBe(true);
    // The same Machine's own leftover (recorded owner matches) is still cleaned up and made again.
    const again = await create(
      inputs("owned", { image: busybox, metadata: { project: "p", stack: "rel-col", machine: "vm" } }),
    );
    expect(again.id).not.toBe(theirs.id);
  }, 180_000);

  it("delete and update act only on the domain Pulumi recorded, by uuid", async () => {
    const mine = await create(inputs("recorded", { image: busybox }));
    // Someone removes the machine and defines a domain of their own under the same name.
    await virsh(URI, ["destroy", mine.outs.name]);
    await virsh(URI, ["undefine", mine.outs.name]);
    const xml = path.join(stateDir, "imposter.xml");
    writeFileSync(
      xml,
      `<domain type='qemu'><name>${mine.outs.name}</name><memory unit='MiB'>64</memory><os><type arch='x86_64'>hvm</type></os></domain>`,
    );
    execFileSync("virsh", ["-c", URI, "define", xml]);
    try {
      const imposter = (await domainInfo(URI, mine.outs.name))!.uuid;
      await expect(ops.deleteMachine(mine.id, mine.outs)).rejects.toThrow(
        new RegExp(`has uuid ${imposter}, not ${mine.id}.*left alone.*Run refresh`),
      );
      await expect(
        ops.updateMachine(mine.id, mine.outs, { ...inputs("recorded", { image: busybox }), cpus: 2 }),
      ).rejects.toThrow(/left alone/);
      expect((await domainInfo(URI, mine.outs.name))?.uuid).toBe(imposter);
      // Refresh reads the recorded machine as gone, so the stack can forget it.
      expect((await ops.readMachine(mine.id, mine.outs)).id).toBe("");
    } finally {
      execFileSync("virsh", ["-c", URI, "undefine", mine.outs.name]);
    }
    // Once the name is free, deleting the recorded (gone) machine succeeds.
    await ops.deleteMachine(mine.id, mine.outs);
    expect(existsSync(mine.outs.dir)).toBe(false);
  }, 180_000);

  it("a create that fails half-way leaves nothing behind", async () => {
    const bad = inputs("broken", { image: { kernel: { kernel: path.join(stateDir, "no-such-kernel") } } });
    await expect(ops.createMachine(bad)).rejects.toThrow(/creating libvirt machine .*broken failed \(cleaned up\)/);
    expect(await domainInfo(URI, bad.name)).toBeUndefined();
    expect(existsSync(path.join(stateDir, bad.name))).toBe(false);
  }, 120_000);
});

describe("base images", () => {
  it("a URL is downloaded once into the cache and its checksum checked", async () => {
    const cache = mkdtempSync(path.join(tmpdir(), "machina-e2e-cache-"));
    const source = path.join(cache, "src.qcow2");
    execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", source, "64M"]);
    const sha = execFileSync("sha256sum", [source], { encoding: "utf8" }).split(" ")[0];
    let requests = 0;
    const server = http.createServer((_req, res) => {
      requests += 1;
      res.end(readFileSync(source));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/images/test.qcow2`;
    const previous = process.env.MACHINA_CACHE_DIR;
    process.env.MACHINA_CACHE_DIR = cache;
    try {
      const first = await resolveBaseImage(url, sha);
      expect(first).toMatchObject({ diskFormat: "qcow2", sha256: sha });
      expect(first.diskPath!.startsWith(path.join(cache, "base-images"))).toBe(true);
      const second = await resolveBaseImage(url);
      expect(second.diskPath).toBe(first.diskPath);
      expect(requests).toBe(1);
      await expect(resolveBaseImage(source, "0".repeat(64))).rejects.toThrow(/has sha256 [0-9a-f]{64}, expected 0{64}/);
      await expect(resolveBaseImage(path.join(cache, "missing.qcow2"))).rejects.toThrow(/does not exist/);
    } finally {
      if (previous === undefined) delete process.env.MACHINA_CACHE_DIR;
      else process.env.MACHINA_CACHE_DIR = previous;
      server.close();
      rmSync(cache, { recursive: true, force: true });
    }
  }, 60_000);
});
