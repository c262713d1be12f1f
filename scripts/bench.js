#!/usr/bin/env node
/**
 * `npm run bench`: speed and memory as ratios against a baseline measured in the same run.
 *   load:      a program using Machine on Hetzner vs. a hand-written program using @pulumi/hcloud
 *              directly (same resources), each in fresh Node processes under Pulumi mocks: time, RSS
 *   typecheck: tsc --noEmit of the same two programs
 *   scaling:   time per machine for 1, 10, 50, 100 machines (linear means a flat per-machine cost)
 *   libvirt:   create-to-ready through Machina's operations vs. the same guest started with plain
 *              virsh and polled for its SSH banner (root, libvirt and the offline image needed)
 * Prints a table and writes .bench/results.json. Targets: load <= 1.10x, typecheck <= 1.15x,
 * libvirt <= 1.2x.
 */
const { execFileSync, spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const OUT = path.join(ROOT, ".bench");
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk3m0d0Zb8o9H0vJ3yqvY3wQmQ5b6r9fL3e0Jm1xYzA bench@machina";

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const MOCKS = `
const pulumi = require("@pulumi/pulumi");
let n = 0;
pulumi.runtime.setMocks({ newResource: (a) => ({ id: String(++n), state: { ...a.inputs, ipv4Address: "203.0.113.1" } }), call: (a) => a.inputs }, "bench", "bench", false);
`;

const MACHINA_PROGRAM = (count) => `${MOCKS}
const t0 = process.hrtime.bigint();
const { Machine } = require(${JSON.stringify(path.join(ROOT, "dist/index.js"))});
const ips = [];
for (let i = 0; i < ${count}; i++) {
  const m = new Machine("web" + i, { provider: "hetzner", size: "small", image: "ubuntu-24.04", region: "fsn1", sshKeys: [${JSON.stringify(KEY)}], ports: [443], labels: { app: "bench" } });
  ips.push(m.publicIp);
}
pulumi.all(ips).apply(() => setImmediate(() => {
  process.stdout.write(JSON.stringify({ ms: Number(process.hrtime.bigint() - t0) / 1e6, rss: process.memoryUsage().rss }));
}));
`;

const HCLOUD_PROGRAM = (count) => `${MOCKS}
const t0 = process.hrtime.bigint();
const hcloud = require("@pulumi/hcloud");
const key = new hcloud.SshKey("key", { name: "key", publicKey: ${JSON.stringify(KEY)} });
const fw = new hcloud.Firewall("fw", { name: "fw", rules: [22, 443].map((p) => ({ direction: "in", protocol: "tcp", port: String(p), sourceIps: ["0.0.0.0/0", "::/0"] })) });
const ips = [];
for (let i = 0; i < ${count}; i++) {
  const s = new hcloud.Server("web" + i, { name: "bench-bench-web" + i, serverType: "cx23", image: "ubuntu-24.04", location: "fsn1", sshKeys: [key.id], labels: { app: "bench", "managed-by": "machina" }, firewallIds: [fw.id.apply(Number)], publicNets: [{ ipv4Enabled: true, ipv6Enabled: true }] });
  ips.push(s.ipv4Address);
}
pulumi.all(ips).apply(() => setImmediate(() => {
  process.stdout.write(JSON.stringify({ ms: Number(process.hrtime.bigint() - t0) / 1e6, rss: process.memoryUsage().rss }));
}));
`;

/** Runs a program in a fresh process; whole-process wall time includes loading @pulumi/pulumi. */
function measure(source) {
  const file = path.join(OUT, `prog-${process.pid}-${Math.random().toString(36).slice(2)}.js`);
  fs.writeFileSync(file, source);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [file], { cwd: ROOT, encoding: "utf8" });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  fs.rmSync(file);
  if (r.status !== 0) throw new Error(r.stderr);
  const inner = JSON.parse(r.stdout);
  return { wallMs: wall, programMs: inner.ms, rssMB: inner.rss / 1e6 };
}

function compare(name, a, b, runs = RUNS) {
  const as = [],
    bs = [];
  measure(a);
  measure(b); // warm the file cache
  for (let i = 0; i < runs; i++) {
    as.push(measure(a));
    bs.push(measure(b));
  }
  const pick = (xs, k) => median(xs.map((x) => x[k]));
  return {
    name,
    machina: { wallMs: pick(as, "wallMs"), rssMB: pick(as, "rssMB") },
    baseline: { wallMs: pick(bs, "wallMs"), rssMB: pick(bs, "rssMB") },
    timeRatio: pick(as, "wallMs") / pick(bs, "wallMs"),
    memoryRatio: pick(as, "rssMB") / pick(bs, "rssMB"),
  };
}

function typecheck() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "machina-bench-tsc-"));
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
  const tsconfig = (file) =>
    JSON.stringify({
      compilerOptions: {
        strict: true,
        target: "ES2022",
        module: "node16",
        moduleResolution: "node16",
        noEmit: true,
        types: [],
        skipLibCheck: false,
      },
      files: [file],
    });
  fs.writeFileSync(
    path.join(dir, "machina.ts"),
    `import { Machine } from "pulumi-machina";\nexport const m = new Machine("web", { provider: "hetzner", size: "small", image: "ubuntu-24.04", sshKeys: [], ports: [443] });\nexport const ip = m.publicIp;\n`,
  );
  fs.writeFileSync(
    path.join(dir, "hcloud.ts"),
    `import * as hcloud from "@pulumi/hcloud";\nconst fw = new hcloud.Firewall("fw", { rules: [{ direction: "in", protocol: "tcp", port: "443", sourceIps: ["0.0.0.0/0"] }] });\nexport const s = new hcloud.Server("web", { serverType: "cx23", image: "ubuntu-24.04", firewallIds: [fw.id.apply(Number)] });\nexport const ip = s.ipv4Address;\n`,
  );
  fs.writeFileSync(path.join(dir, "tsconfig.machina.json"), tsconfig("machina.ts"));
  fs.writeFileSync(path.join(dir, "tsconfig.hcloud.json"), tsconfig("hcloud.ts"));
  const tsc = path.join(ROOT, "node_modules/typescript/bin/tsc");
  const run = (cfg) => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [tsc, "-p", cfg, "--extendedDiagnostics"], { cwd: dir, encoding: "utf8" });
    if (r.status !== 0) throw new Error(r.stdout + r.stderr);
    const mem = Number(/Memory used:\s+(\d+)K/.exec(r.stdout)?.[1] ?? 0) / 1024;
    return { ms: Number(process.hrtime.bigint() - t0) / 1e6, memMB: mem };
  };
  const a = [],
    b = [];
  for (let i = 0; i < Math.max(3, Math.floor(RUNS / 2)); i++) {
    a.push(run("tsconfig.machina.json"));
    b.push(run("tsconfig.hcloud.json"));
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return {
    name: "typecheck (tsc --noEmit, strict)",
    machina: { ms: median(a.map((x) => x.ms)), memMB: median(a.map((x) => x.memMB)) },
    baseline: { ms: median(b.map((x) => x.ms)), memMB: median(b.map((x) => x.memMB)) },
    timeRatio: median(a.map((x) => x.ms)) / median(b.map((x) => x.ms)),
    memoryRatio: median(a.map((x) => x.memMB)) / median(b.map((x) => x.memMB)),
  };
}

function scaling() {
  const rows = [];
  for (const count of [1, 10, 50, 100]) {
    const xs = [];
    for (let i = 0; i < 3; i++) xs.push(measure(MACHINA_PROGRAM(count)).programMs);
    rows.push({ machines: count, programMs: median(xs) });
  }
  // Marginal cost per machine between 10 and 100 vs. between 10 and 50: equal when linear.
  const at = (n) => rows.find((r) => r.machines === n).programMs;
  const per50 = (at(50) - at(10)) / 40;
  const per100 = (at(100) - at(50)) / 50;
  return {
    name: "scaling (program time, Hetzner, mocks)",
    rows,
    msPerMachine10to50: per50,
    msPerMachine50to100: per100,
    linearityRatio: per100 / per50,
  };
}

async function libvirt() {
  if (process.env.BENCH_SKIP_LIBVIRT) return { name: "libvirt readiness", skipped: "BENCH_SKIP_LIBVIRT is set" };
  if (process.getuid?.() !== 0 || spawnSync("virsh", ["-c", "qemu:///system", "version"]).status !== 0) {
    return {
      name: "libvirt readiness",
      skipped: "needs root and a running libvirt daemon (scripts/libvirt-daemon.sh start)",
    };
  }
  const ops = require(path.join(ROOT, "dist/providers/libvirt/machine-operations"));
  const { resolveBaseImage } = require(path.join(ROOT, "dist/providers/libvirt/images"));
  const { waitForService } = require(path.join(ROOT, "dist/components/service-probe"));
  const { domainXml } = require(path.join(ROOT, "dist/providers/libvirt/domain-xml"));
  const { chooseAccelerator } = require(path.join(ROOT, "dist/providers/libvirt/accelerator"));
  const image = process.env.BENCH_IMAGE ?? "offline:busybox";
  const base = await resolveBaseImage(image);
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "machina-bench-lv-"));
  const accelerator = await chooseAccelerator("auto");
  const rows = { machina: [], baseline: [] };
  const runs = Number(process.env.BENCH_LIBVIRT_RUNS ?? 3);
  for (let i = 0; i < runs; i++) {
    // Machina: overlay disk, seed, define, start, then the readiness check.
    const inputs = {
      uri: "qemu:///system",
      name: `bench-m-${process.pid}-${i}`,
      hostname: "bench",
      cpus: 1,
      memoryMiB: 512,
      diskGiB: 2,
      image: base,
      network: "user",
      ports: [],
      sshUser: "machina",
      sshKeys: [KEY],
      accelerator,
      stateDir,
      shutdownTimeoutSeconds: 0,
      metadata: {},
      labels: {},
    };
    let t0 = Date.now();
    const { id, outs } = await ops.createMachine(inputs);
    await waitForService(
      { host: "127.0.0.1", port: outs.sshPort, expect: "ssh" },
      { timeoutSeconds: 600, intervalMs: 250 },
    );
    rows.machina.push(Date.now() - t0);
    await ops.deleteMachine(id, outs);

    // Baseline: the guest's own boot - the same prepared domain started with virsh, banner polled.
    const dir = path.join(stateDir, `baseline-${i}`);
    fs.mkdirSync(dir);
    const name = `bench-b-${process.pid}-${i}`;
    if (base.diskPath)
      execFileSync("qemu-img", [
        "create",
        "-q",
        "-f",
        "qcow2",
        "-b",
        base.diskPath,
        "-F",
        base.diskFormat,
        path.join(dir, "disk.qcow2"),
        "2G",
      ]);
    else execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", path.join(dir, "disk.qcow2"), "2G"]);
    await require(path.join(ROOT, "dist/providers/libvirt/cloud-init")).writeSeedIso(path.join(dir, "seed.iso"), {
      instanceId: name,
      hostname: "bench",
      sshUser: "machina",
      sshKeys: [KEY],
    });
    const port = outs.sshPort + 1;
    fs.writeFileSync(
      path.join(dir, "d.xml"),
      domainXml({
        name,
        accelerator,
        cpus: 1,
        memoryMiB: 512,
        diskPath: path.join(dir, "disk.qcow2"),
        diskFormat: "qcow2",
        seedPath: path.join(dir, "seed.iso"),
        consoleLogPath: path.join(dir, "console.log"),
        network: { mode: "user", forwards: [{ protocol: "tcp", hostPort: port, guestPort: 22 }] },
        kernel: base.kernel,
        metadata: {},
        labels: {},
      }),
    );
    execFileSync("virsh", ["-c", "qemu:///system", "define", path.join(dir, "d.xml")], { stdio: "ignore" });
    t0 = Date.now();
    execFileSync("virsh", ["-c", "qemu:///system", "start", name], { stdio: "ignore" });
    await waitForService({ host: "127.0.0.1", port, expect: "ssh" }, { timeoutSeconds: 600, intervalMs: 250 });
    rows.baseline.push(Date.now() - t0);
    execFileSync("virsh", ["-c", "qemu:///system", "destroy", name], { stdio: "ignore" });
    execFileSync("virsh", ["-c", "qemu:///system", "undefine", name], { stdio: "ignore" });
  }
  fs.rmSync(stateDir, { recursive: true, force: true });
  return {
    name: `libvirt create-to-ready (${image}, ${accelerator})`,
    machinaMs: median(rows.machina),
    guestBootMs: median(rows.baseline),
    ratio: median(rows.machina) / median(rows.baseline),
    runs: rows,
  };
}

(async () => {
  if (!fs.existsSync(path.join(ROOT, "dist/index.js")))
    execFileSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: "inherit" });
  fs.mkdirSync(OUT, { recursive: true });
  const results = [];
  results.push(compare("load (1 machine, Hetzner, mocks)", MACHINA_PROGRAM(1), HCLOUD_PROGRAM(1)));
  results.push(typecheck());
  results.push(scaling());
  results.push(await libvirt());
  fs.writeFileSync(
    path.join(OUT, "results.json"),
    JSON.stringify({ date: new Date().toISOString(), node: process.version, results }, null, 2),
  );
  for (const r of results) {
    if (r.skipped) console.log(`${r.name}: skipped (${r.skipped})`);
    else if (r.rows)
      console.log(
        `${r.name}: ${r.rows.map((x) => `${x.machines}: ${x.programMs.toFixed(0)} ms`).join(", ")}; per machine ${r.msPerMachine10to50.toFixed(2)} ms (10-50) vs ${r.msPerMachine50to100.toFixed(2)} ms (50-100), ratio ${r.linearityRatio.toFixed(2)}`,
      );
    else if (r.guestBootMs)
      console.log(
        `${r.name}: Machina ${(r.machinaMs / 1000).toFixed(1)} s vs guest boot ${(r.guestBootMs / 1000).toFixed(1)} s, ratio ${r.ratio.toFixed(2)} (target <= 1.2)`,
      );
    else
      console.log(
        `${r.name}: time ${r.timeRatio.toFixed(3)}x (${JSON.stringify(r.machina)} vs ${JSON.stringify(r.baseline)}), memory ${r.memoryRatio.toFixed(3)}x`,
      );
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
