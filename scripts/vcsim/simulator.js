// Starts the vcsim binary that scripts/setup-vcsim.sh builds, and prepares its inventory as an operator
// would. Plain JavaScript so that both the vsphere test tier and scripts/record-state-fixture.js use it.
const { spawn } = require("node:child_process");

/**
 * Starts vcsim on 127.0.0.1 (a free port); resolves with its host:port once it prints its URL (bounded),
 * rejects if it exits or stays silent. stdin stays open while this process lives: if it dies, vcsim stops.
 */
function launchVcsim(binary, { user, password, taskDelay }) {
  const args = ["-listen", "127.0.0.1:0", "-username", user, "-password", password, "-stdin-exit"];
  if (taskDelay) args.push("-task-delay", taskDelay);
  const child = spawn(binary, args, { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (c) => (stderr = (stderr + c.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`vcsim printed no URL within 30 s: ${out} ${stderr}`)), 30_000);
    child.stdout.on("data", (c) => {
      out += c.toString();
      const m = /VCSIM_URL=https:\/\/[^@]*@(127\.0\.0\.1:\d+)\/sdk/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ server: m[1], child });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`vcsim exited (${code}) before it listened: ${stderr}`));
    });
  });
}

/** Stops vcsim by closing its stdin; killed after 10 s. */
async function stopVcsim(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.stdin.end();
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Makes `/DC0/vm/templates/<name>` templates (cloned from a VM of the VPX model) through Machina's own
 * SOAP layer (`vim`, `soap`: dist/providers/vsphere/{vim,soap}), as an operator would.
 */
async function makeTemplates(vim, soap, names) {
  const ref = (r) => soap.moRef(r.type, r.value);
  const vmFolder = await vim.findByInventoryPath("/DC0/vm");
  let folder = await vim.findByInventoryPath("/DC0/vm/templates");
  if (!folder) folder = soap.moRefOf(await vim.call("CreateFolder", ref(vmFolder), { name: "templates" }));
  const source = await vim.findByInventoryPath("/DC0/vm/DC0_C0_RP0_VM0");
  const pool = await vim.findByInventoryPath("/DC0/host/DC0_C0/Resources");
  for (const name of names) {
    if (await vim.findByInventoryPath(`/DC0/vm/templates/${name}`)) continue;
    const task = soap.moRefOf(
      await vim.call("CloneVM_Task", ref(source), {
        folder: ref(folder),
        name,
        spec: { location: { pool: ref(pool) }, template: true, powerOn: false },
      }),
    );
    await vim.waitForTask(ref(task), `template ${name}`, { timeoutMs: 60_000 });
  }
}

module.exports = { launchVcsim, stopVcsim, makeTemplates };
