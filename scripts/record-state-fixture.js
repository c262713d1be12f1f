#!/usr/bin/env node
// Records the stack state this version writes, for the tests that every later version must read it:
//   libvirt (default): a busybox machine with a readiness check, as test/fixtures/state-<version>-libvirt.json
//     (refreshed and destroyed by test/engine/state-fixture.test.ts); run as root.
//   vsphere: a VM on vcsim with labels (tags), as test/fixtures/vsphere/state-<version>.json with the
//     stack file it ran, stack-<version>.yaml (previewed with no changes, refreshed and destroyed by
//     test/vsphere/state-fixture.test.ts); vcsim from scripts/setup-vcsim.sh or MACHINA_VCSIM.
// Run once per release, with the engine on PATH (scripts/setup-engine.sh): node scripts/record-state-fixture.js [vsphere]
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const os = require("node:os");

const ROOT = path.resolve(__dirname, "..");
const version = require(path.join(ROOT, "package.json")).version;
const provider = process.argv[2] ?? "libvirt";
process.env.PULUMI_CONFIG_PASSPHRASE = "machina-fixture-passphrase";
delete process.env.PULUMI_BACKEND_URL;

const libvirt = {
  async start() {
    return {
      stackFile: [
        "config:",
        "  machina:provider: libvirt",
        "  libvirt:network: user",
        "  machina:machines:",
        "    - name: box",
        "      size: nano",
        "      image: busybox-offline",
        "      diskGiB: 1",
        "      waitForReady:",
        "        timeoutSeconds: 180",
        "",
      ].join("\n"),
      async stop() {},
    };
  },
  write(state) {
    return [[path.join(ROOT, "test/fixtures", `state-${version}-libvirt.json`), `${JSON.stringify(state, null, 2)}\n`]];
  },
};

/** The user and password of test/vsphere/vcsim.ts (the password reaches the provider as VSPHERE_PASSWORD). */
const VCSIM_USER = "machina-test";
const VCSIM_PASSWORD = "vcsim-pw-5d2e";

const vsphere = {
  stackFile: undefined,
  async start() {
    const simulator = require(path.join(ROOT, "scripts/vcsim/simulator.js"));
    const binary =
      process.env.MACHINA_VCSIM ||
      execFileSync("bash", [path.join(ROOT, "scripts/setup-vcsim.sh")], { encoding: "utf8" })
        .trim()
        .split("\n")
        .pop();
    const { server, child } = await simulator.launchVcsim(binary, { user: VCSIM_USER, password: VCSIM_PASSWORD });
    const { Vim } = require(path.join(ROOT, "dist/providers/vsphere/vim"));
    const soap = require(path.join(ROOT, "dist/providers/vsphere/soap"));
    const vim = Vim.forConnection({ server, user: VCSIM_USER, password: VCSIM_PASSWORD, allowUnverifiedSsl: true });
    await simulator.makeTemplates(vim, soap, ["debian-12"]);
    process.env.VSPHERE_PASSWORD = VCSIM_PASSWORD;
    this.stackFile = [
      "config:",
      "  machina:provider: vsphere",
      `  vsphere:vsphereServer: ${server}`,
      `  vsphere:user: ${VCSIM_USER}`,
      '  vsphere:allowUnverifiedSsl: "true"',
      '  vsphere:waitForGuestNetSeconds: "0"',
      '  vsphere:taskTimeoutSeconds: "120"',
      "  machina:machines:",
      "    - name: box",
      "      size: small",
      "      image: debian-12",
      "      diskGiB: 20",
      "      labels:",
      "        app: fixture",
      "",
    ].join("\n");
    return {
      stackFile: this.stackFile,
      async stop() {
        await vim.logout().catch(() => undefined);
        await simulator.stopVcsim(child);
      },
    };
  },
  write(state) {
    const dir = path.join(ROOT, "test/fixtures/vsphere");
    fs.mkdirSync(dir, { recursive: true });
    return [
      [path.join(dir, `state-${version}.json`), `${JSON.stringify(state, null, 2)}\n`],
      [path.join(dir, `stack-${version}.yaml`), this.stackFile],
    ];
  },
};

const recorders = { libvirt, vsphere };

(async () => {
  const recorder = recorders[provider];
  if (!recorder) throw new Error(`no fixture recorder for ${provider}: use ${Object.keys(recorders).join(" or ")}`);
  const platform = await recorder.start();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "machina-fixture-"));
  try {
    fs.writeFileSync(
      path.join(dir, "Pulumi.yaml"),
      "name: machina-fixture\nruntime:\n  name: nodejs\nmain: index.js\nstackConfigDir: stacks\n",
    );
    fs.writeFileSync(
      path.join(dir, "package.json"),
      JSON.stringify({ name: "machina-fixture", private: true, main: "index.js" }),
    );
    fs.writeFileSync(
      path.join(dir, "index.js"),
      `module.exports = require(${JSON.stringify(path.join(ROOT, "dist/stacks/index.js"))});\n`,
    );
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
    fs.mkdirSync(path.join(dir, "stacks"));
    fs.writeFileSync(path.join(dir, "stacks", "Pulumi.fixture.yaml"), platform.stackFile);
    const ops = require(path.join(ROOT, "dist/automation/operations"));
    const target = { environment: "fixture", projectDir: dir };
    const up = await ops.run("up", target);
    if (!up.ok) throw new Error(up.error);
    const selected = await ops.selectStack(target);
    const state = await selected.stack.exportStack();
    for (const [file, text] of recorder.write(state)) {
      fs.writeFileSync(file, text);
      console.log(`recorded ${file}`);
    }
    const down = await ops.run("destroy", target);
    if (!down.ok) throw new Error(down.error);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await platform.stop();
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
