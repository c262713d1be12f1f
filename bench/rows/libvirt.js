/**
 * libvirt guests from nothing to ready, through the CLI and the engine (`machina up`, the machine
 * waiting for its SSH banner) against the same guest defined and started with plain `virsh` and its
 * SSH banner polled (same kernel, disk, seed, CPUs and memory). busybox and the Debian development
 * guest (which also measures create to user data applied, then resize and graceful stop).
 * Goals: busybox overhead over virsh <= an idle `pulumi up --skip-preview` + 1 s; Debian <= 1.25x;
 * Debian create to SSH <= 25 s, to user data <= 40 s; resize <= 60 s; graceful stop <= 20 s.
 */
const fs = require("node:fs");
const net = require("node:net");
const path = require("node:path");
const { execFileSync, spawnSync } = require("node:child_process");
const { CLI, NODE, ROOT, engineEnv, libvirtEnvironment, makeProject, needLibvirt } = require("../env");
const { run, sleep, timed } = require("../proc");
const { median, paired, repeated } = require("../stats");
const { atMost } = require("../checks");

const STACK = "lv";
const MARKER = "/var/lib/machina-bench-user-data";
const USER_DATA = `#cloud-config\nruncmd:\n  - touch ${MARKER}\n`;
const VIRSH = ["-c", "qemu:///system"];

const GUESTS = {
  busybox: { image: "busybox-offline", source: "offline:busybox", size: "nano", memoryMiB: 512, cpus: 1, diskGiB: 1 },
  debian: {
    image: "debian-12-offline",
    source: "offline:debian-12",
    size: "small",
    memoryMiB: 2048,
    cpus: 1,
    diskGiB: 10,
  },
};

const dist = (p) => require(path.join(ROOT, "dist", p));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitBanner(port) {
  const { waitForService } = dist("components/service-probe");
  // The pace Machina's readiness check polls at (internal/dynamic/v1.ts), so neither side notices later.
  await waitForService(
    { host: "127.0.0.1", port, expect: "ssh" },
    { timeoutSeconds: 900, intervalMs: 250, maxIntervalMs: 1000 },
  );
}

/**
 * Waits until the user data's marker file exists (bounded): one SSH login that checks every 0.2 s in
 * the guest, retried only if the connection fails. A login every 0.5 s (sshd, PAM, a session) took so
 * much of the guest's one emulated vCPU that cloud-init's last stages ran 10 s later. The pause is
 * bash's `read -t` on an open FIFO, no process: `sleep 0.2` was a process every 0.2 s, about a fifth
 * of that vCPU (measured: 25 of them cost 1.3 s of it), taken from cloud-init's config and final stages.
 */
async function waitUserData(port, key) {
  const deadline = Date.now() + 900_000;
  const waitInGuest = [
    `f=$(mktemp -u) && mkfifo "$f" && exec 3<>"$f" && rm -f "$f" || exit 1`,
    `i=0; while [ ! -f ${MARKER} ]; do i=$((i+1)); [ $i -le 1500 ] || exit 1; read -t 0.2 -u 3 || :; done`,
  ].join("; ");
  while (Date.now() < deadline) {
    const r = await run(
      "ssh",
      [
        ...["-i", key, "-p", String(port), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"],
        ...["-o", "BatchMode=yes", "-o", "ConnectTimeout=5", "-o", "LogLevel=ERROR"],
        "machina@127.0.0.1",
        waitInGuest,
      ],
      { check: false, timeoutMs: 330_000 },
    );
    if (r.code === 0) return;
    await sleep(500);
  }
  throw new Error("user data was not applied within 900 s");
}

function sshKey(dir) {
  const key = path.join(dir, "key");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "bench@machina", "-f", key]);
  return { key, pub: fs.readFileSync(`${key}.pub`, "utf8").trim() };
}

/** The same guest as Machina's, by hand: overlay disk, seed ISO, domain XML, `virsh define` + `start`. */
async function virshGuest(guest, dir, round, pub, userData, withUserData) {
  const { resolveBaseImage } = dist("providers/libvirt/images");
  const { writeSeedIso } = dist("providers/libvirt/cloud-init");
  const { domainXml } = dist("providers/libvirt/domain-xml");
  const { chooseAccelerator } = dist("providers/libvirt/accelerator");
  const base = await resolveBaseImage(guest.source);
  const accelerator = await chooseAccelerator("auto");
  const work = path.join(dir, `virsh-${round}`);
  fs.mkdirSync(work);
  const name = `machina-bench-virsh-${process.pid}-${round}`;
  const disk = path.join(work, "disk.qcow2");
  const size = `${guest.diskGiB}G`;
  const backing = base.diskPath ? ["-b", base.diskPath, "-F", base.diskFormat] : [];
  execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", ...backing, disk, size]);
  const port = await freePort();
  const xml = path.join(work, "domain.xml");
  const t0 = Date.now();
  await writeSeedIso(path.join(work, "seed.iso"), {
    instanceId: name,
    hostname: "box",
    sshUser: "machina",
    sshKeys: pub ? [pub] : [],
    userData,
  });
  fs.writeFileSync(
    xml,
    domainXml({
      name,
      accelerator,
      cpus: guest.cpus,
      memoryMiB: guest.memoryMiB,
      diskPath: disk,
      diskFormat: "qcow2",
      seedPath: path.join(work, "seed.iso"),
      consoleLogPath: path.join(work, "console.log"),
      network: { mode: "user", forwards: [{ protocol: "tcp", hostPort: port, guestPort: 22 }] },
      kernel: base.kernel,
      metadata: {},
      labels: {},
    }),
  );
  try {
    execFileSync("virsh", [...VIRSH, "define", xml], { stdio: "ignore" });
    execFileSync("virsh", [...VIRSH, "start", name], { stdio: "ignore" });
    await waitBanner(port);
    const ms = Date.now() - t0;
    const result = { ms };
    if (withUserData) {
      await waitUserData(port, path.join(dir, "key"));
      result.userDataMs = Date.now() - t0;
    }
    return result;
  } finally {
    spawnSync("virsh", [...VIRSH, "destroy", name], { stdio: "ignore" });
    spawnSync("virsh", [...VIRSH, "undefine", name], { stdio: "ignore" });
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function machineOf(summaryText) {
  const summary = JSON.parse(summaryText);
  if (!summary.ok) throw new Error(`machina up failed: ${summary.error}`);
  const box = summary.outputs.machineOutputs.box;
  return { port: Number(/-p (\d+)/.exec(box.ssh)?.[1]), domain: box.details.domain };
}

async function libvirtRows({ pairs, only }) {
  needLibvirt();
  const rows = [];
  const guests = ["busybox", "debian"].filter((g) => only.has(g) || (g === "debian" && only.has("resize")));
  for (const which of guests) {
    const guest = GUESTS[which];
    const debian = which === "debian";
    const placeholder = makeProject({});
    const { key, pub } = sshKey(placeholder);
    const project = makeProject({
      [STACK]: libvirtEnvironment({
        image: guest.image,
        size: guest.size,
        diskGiB: guest.diskGiB,
        sshKey: pub,
        userData: debian ? USER_DATA : undefined,
      }),
    });
    fs.copyFileSync(key, path.join(project, "key"));
    fs.chmodSync(path.join(project, "key"), 0o600);
    fs.rmSync(placeholder, { recursive: true, force: true });
    const env = engineEnv(project);
    const cli = (...args) => [CLI, ...args, "-e", STACK, "--project-dir", project];
    const idle = [];
    const machinaCreate = async () => {
      const t0 = Date.now();
      const up = timed(NODE, cli("up", "--json"), { env });
      const result = { ms: up.ms };
      const box = machineOf(up.stdout);
      if (debian) {
        await waitUserData(box.port, path.join(project, "key"));
        result.userDataMs = Date.now() - t0;
      }
      // The idle engine run the busybox goal allows as overhead, on the stack just made.
      idle.push(
        timed("pulumi", ["up", "--yes", "--skip-preview", "--stack", STACK, "--non-interactive"], { cwd: project, env })
          .ms,
      );
      timed(NODE, cli("destroy"), { env });
      return result;
    };
    try {
      if (only.has(which)) {
        const r = await paired({
          pairs,
          warmup: 0,
          a: machinaCreate,
          b: (round) => virshGuest(guest, project, round, pub, debian ? USER_DATA : undefined, debian),
        });
        const checks = [];
        if (debian) {
          checks.push(atMost("time vs virsh", r.metrics.ms.ratio, 1.25));
          checks.push(atMost("create to SSH banner", r.metrics.ms.a / 1000, 25, " s"));
          checks.push(atMost("create to user data", r.metrics.userDataMs.a / 1000, 40, " s"));
        } else {
          const overhead = median(r.metrics.ms.samplesA.map((a, i) => a - r.metrics.ms.samplesB[i]));
          const allowed = median(idle) + 1000;
          checks.push(atMost("overhead over virsh (s) vs idle pulumi up + 1 s", overhead / allowed, 1.0));
          r.note = `overhead ${(overhead / 1000).toFixed(1)} s, allowed ${(allowed / 1000).toFixed(1)} s (idle pulumi up ${(median(idle) / 1000).toFixed(1)} s + 1 s)`;
        }
        rows.push({
          group: which,
          name: `${which} guest: machina up, nothing to ready`,
          baseline: "virsh define+start, banner polled",
          ...r,
          checks,
        });
      }
      if (debian && only.has("resize")) {
        const r = await repeated(1, async () => {
          timed(NODE, cli("destroy"), { env, check: false });
          const up = timed(NODE, cli("up", "--json"), { env });
          machineOf(up.stdout);
          // The resize's `up` returns once the domain is started again (its readiness was met before):
          // the guest's boot to SSH is waited for here, so that the row measures what its name says and
          // the power button is pressed on a booted guest (pressed during the boot it was lost).
          const resizeStarted = Date.now();
          const resize = timed(NODE, [...cli("up", "--json"), "-c", "machina:machines[0].size=medium"], { env });
          const { domain, port } = machineOf(resize.stdout);
          await waitBanner(port);
          const resizeMs = Date.now() - resizeStarted;
          const t0 = Date.now();
          execFileSync("virsh", [...VIRSH, "shutdown", domain], { stdio: "ignore" });
          const deadline = Date.now() + 300_000;
          while (execFileSync("virsh", [...VIRSH, "domstate", domain], { encoding: "utf8" }).trim() !== "shut off") {
            if (Date.now() > deadline) throw new Error(`${domain} did not shut off in 300 s`);
            await sleep(250);
          }
          const stopMs = Date.now() - t0;
          timed(NODE, cli("destroy"), { env });
          return { resizeMs, stopMs };
        }).catch((e) => ({
          error: String(e.message ?? e)
            .split("\n")[0]
            .slice(0, 200),
        }));
        if (r.error) {
          rows.push({
            group: "resize",
            name: "Debian guest: resize",
            skipped: `failed (${r.error})`,
            checks: [{ what: "resize", pass: false }],
          });
        } else
          rows.push({
            group: "resize",
            name: "Debian guest: resize small -> medium (graceful stop, boot to SSH); graceful stop",
            ...r,
            checks: [
              atMost("resize", r.metrics.resizeMs.value / 1000, 60, " s"),
              atMost("graceful stop", r.metrics.stopMs.value / 1000, 20, " s"),
            ],
          });
      }
    } finally {
      timed(NODE, cli("destroy"), { env, check: false });
      fs.rmSync(project, { recursive: true, force: true });
    }
  }
  return rows;
}

module.exports = { libvirtRows };
