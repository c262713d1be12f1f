/** What the bench rows share: paths, the engine on PATH, a throwaway Pulumi project, skips. */
const { execFileSync, spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const CLI = path.join(ROOT, "dist/automation/cli.js");
const NODE = process.execPath;

/** A row that cannot run here says why instead of failing the bench. */
class Skip extends Error {}

let engineDir;
/** The directory holding `pulumi` (scripts/setup-engine.sh: on PATH, or built once and cached). */
function engineBin() {
  if (engineDir === undefined) {
    const r = spawnSync("bash", [path.join(ROOT, "scripts/setup-engine.sh")], { encoding: "utf8" });
    if (r.status !== 0)
      throw new Skip(`no Pulumi engine: scripts/setup-engine.sh failed: ${r.stderr.trim().split("\n").pop()}`);
    engineDir = r.stdout.trim().split("\n").pop();
  }
  return engineDir;
}

/** The engine's environment for a project: its own file backend, a fixed passphrase, offline. */
function engineEnv(projectDir) {
  return {
    ...process.env,
    PATH: `${engineBin()}:${process.env.PATH}`,
    PULUMI_BACKEND_URL: `file://${path.join(projectDir, ".pulumi-state")}`,
    PULUMI_CONFIG_PASSPHRASE: "machina-bench",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  };
}

function needLibvirt() {
  if (process.getuid?.() !== 0) throw new Skip("needs root (libvirt guests)");
  if (spawnSync("virsh", ["-c", "qemu:///system", "version"], { stdio: "ignore" }).status !== 0)
    throw new Skip("no libvirt daemon answers: scripts/libvirt-daemon.sh start");
}

/** A Pulumi project in a temporary directory running this checkout's stack program, with the given environments. */
function makeProject(environments, name = "machina-bench") {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "machina-bench-"));
  fs.writeFileSync(
    path.join(dir, "Pulumi.yaml"),
    `name: ${name}\nruntime:\n  name: nodejs\nmain: index.js\nstackConfigDir: stacks\n`,
  );
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name, private: true, main: "index.js" }));
  fs.writeFileSync(
    path.join(dir, "index.js"),
    `module.exports = require(${JSON.stringify(path.join(ROOT, "dist/stacks/index.js"))});\n`,
  );
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
  fs.mkdirSync(path.join(dir, "stacks"));
  fs.mkdirSync(path.join(dir, ".pulumi-state"), { mode: 0o700 });
  for (const [env, yaml] of Object.entries(environments))
    fs.writeFileSync(path.join(dir, "stacks", `Pulumi.${env}.yaml`), yaml);
  return dir;
}

/** An environment of libvirt machines (one, `box`, unless `names` says) with user-mode networking, ready when SSH answers. */
function libvirtEnvironment({ image, size = "nano", diskGiB = 1, sshKey, userData, names = ["box"] }) {
  const lines = [
    "config:",
    "  machina:provider: libvirt",
    "  libvirt:network: user",
    ...(sshKey ? ["  machina:sshKeys:", `    - ${sshKey}`] : []),
    "  machina:machines:",
  ];
  for (const name of names) {
    lines.push(
      `    - name: ${name}`,
      `      size: ${size}`,
      `      image: ${image}`,
      `      diskGiB: ${diskGiB}`,
      "      waitForReady:",
      "        timeoutSeconds: 900",
    );
    if (userData) lines.push("      userData: |", ...userData.split("\n").map((l) => `        ${l}`));
  }
  return lines.join("\n") + "\n";
}

function machineInfo() {
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  return `${os.cpus().length} x ${cpu.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`;
}

function loadAverage() {
  return os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");
}

module.exports = {
  ROOT,
  CLI,
  NODE,
  Skip,
  engineBin,
  engineEnv,
  needLibvirt,
  makeProject,
  libvirtEnvironment,
  machineInfo,
  loadAverage,
  execFileSync,
};
