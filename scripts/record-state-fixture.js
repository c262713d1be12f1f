#!/usr/bin/env node
// Records the stack state this version writes (a libvirt busybox machine with a readiness check) as
// test/fixtures/state-<version>-libvirt.json, for the test that every later version must refresh
// and destroy it. Run once per release, as root, with the engine on PATH (scripts/setup-engine.sh).
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const os = require("node:os");

const ROOT = path.resolve(__dirname, "..");
const version = require(path.join(ROOT, "package.json")).version;
process.env.PULUMI_CONFIG_PASSPHRASE = "machina-fixture-passphrase";
delete process.env.PULUMI_BACKEND_URL;

(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "machina-fixture-"));
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
  fs.writeFileSync(
    path.join(dir, "stacks", "Pulumi.fixture.yaml"),
    [
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
  );
  const ops = require(path.join(ROOT, "dist/automation/operations"));
  const target = { environment: "fixture", projectDir: dir };
  const up = await ops.run("up", target);
  if (!up.ok) throw new Error(up.error);
  const selected = await ops.selectStack(target);
  const state = await selected.stack.exportStack();
  const out = path.join(ROOT, "test/fixtures", `state-${version}-libvirt.json`);
  fs.writeFileSync(out, `${JSON.stringify(state, null, 2)}\n`);
  const down = await ops.run("destroy", target);
  if (!down.ok) throw new Error(down.error);
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(`recorded ${out}`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
