/**
 * VMware's vCenter simulator for the vsphere tier: built by scripts/setup-vcsim.sh (cached), started
 * on 127.0.0.1 with a fixed user and password, given the templates Machina's image aliases name.
 */
import type { ChildProcess } from "node:child_process";
import { execFileSync, spawn } from "node:child_process";
import * as path from "node:path";
import type { MoRef } from "../../dist/providers/vsphere/soap";
import type { Vim } from "../../dist/providers/vsphere/vim";

const ROOT = path.resolve(__dirname, "../..");
const soap = require("../../dist/providers/vsphere/soap") as typeof import("../../dist/providers/vsphere/soap");
const vimModule = require("../../dist/providers/vsphere/vim") as typeof import("../../dist/providers/vsphere/vim");

export interface Vcsim {
  /** host:port on 127.0.0.1 */
  server: string;
  user: string;
  password: string;
  process: ChildProcess;
  /** A session of Machina's own SOAP layer, to check the inventory through the API. */
  vim: Vim;
  stop(): Promise<void>;
}

export function vcsimBinary(): string {
  if (process.env.MACHINA_VCSIM) return process.env.MACHINA_VCSIM;
  return execFileSync("bash", [path.join(ROOT, "scripts/setup-vcsim.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  })
    .trim()
    .split("\n")
    .pop()!;
}

/** Starts vcsim; resolves once it prints its URL (bounded), rejects if it exits or stays silent. */
export async function startVcsim(
  options: { taskDelay?: string; user?: string; password?: string } = {},
): Promise<Vcsim> {
  const user = options.user ?? "machina-test";
  const password = options.password ?? "vcsim-pw-5d2e";
  const args = ["-listen", "127.0.0.1:0", "-username", user, "-password", password, "-stdin-exit"];
  if (options.taskDelay) args.push("-task-delay", options.taskDelay);
  // stdin stays open as long as this process lives: if the test runner dies, vcsim stops too.
  const child = spawn(vcsimBinary(), args, { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const server = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`vcsim printed no URL within 30 s: ${out} ${stderr}`)), 30_000);
    child.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /VCSIM_URL=https:\/\/[^@]*@(127\.0\.0\.1:\d+)\/sdk/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`vcsim exited (${code}) before it listened: ${stderr}`));
    });
  });
  const vim = vimModule.Vim.forConnection({ server, user, password, allowUnverifiedSsl: true });
  return {
    server,
    user,
    password,
    process: child,
    vim,
    async stop() {
      await vim.logout().catch(() => undefined);
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.stdin!.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

const ref = (r: MoRef) => soap.moRef(r.type, r.value);

/** Makes `/DC0/vm/templates/<name>` templates (cloned from a VM of the VPX model), as an operator would. */
export async function makeTemplates(vim: Vim, names: string[]): Promise<void> {
  const vmFolder = (await vim.findByInventoryPath("/DC0/vm"))!;
  let folder = await vim.findByInventoryPath("/DC0/vm/templates");
  if (!folder) folder = soap.moRefOf(await vim.call("CreateFolder", ref(vmFolder), { name: "templates" }))!;
  const source = (await vim.findByInventoryPath("/DC0/vm/DC0_C0_RP0_VM0"))!;
  const pool = (await vim.findByInventoryPath("/DC0/host/DC0_C0/Resources"))!;
  for (const name of names) {
    if (await vim.findByInventoryPath(`/DC0/vm/templates/${name}`)) continue;
    const task = soap.moRefOf(
      await vim.call("CloneVM_Task", ref(source), {
        folder: ref(folder),
        name,
        spec: { location: { pool: ref(pool) }, template: true, powerOn: false },
      }),
    )!;
    await vim.waitForTask(ref(task), `template ${name}`, { timeoutMs: 60_000 });
  }
}

/** Every VM (and template) in the datacenter's VM folder tree: name -> managed object id. */
export async function inventoryVms(vim: Vim): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  const walk = async (folder: MoRef, depth: number): Promise<void> => {
    for (const child of await vim.children(ref(folder))) {
      if (child.type === "VirtualMachine") found[await vim.name(ref(child))] = child.value;
      else if (child.type === "Folder" && depth < 5) await walk(child, depth + 1);
    }
  };
  await walk((await vim.findByInventoryPath("/DC0/vm"))!, 0);
  return found;
}

/** One call of the tagging REST API as an operator's own tool would make it (not through Machina). */
async function rest(
  vcsim: Pick<Vcsim, "server" | "user" | "password">,
  method: string,
  path: string,
  body?: unknown,
  session?: string,
) {
  const https = await import("node:https");
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise<unknown>((resolve, reject) => {
    const request = https.request(
      `https://${vcsim.server}/rest/com/vmware/cis${path}`,
      {
        method,
        rejectUnauthorized: false,
        timeout: 30_000,
        headers: {
          ...(session
            ? { "vmware-api-session-id": session }
            : { Authorization: `Basic ${Buffer.from(`${vcsim.user}:${vcsim.password}`).toString("base64")}` }),
          ...(payload ? { "Content-Type": "application/json" } : {}),
        },
      },
      (response) => {
        let text = "";
        response.on("data", (c: Buffer) => (text += c.toString()));
        response.on("end", () => {
          if ((response.statusCode ?? 500) >= 400)
            reject(new Error(`${method} ${path}: HTTP ${response.statusCode} ${text}`));
          else resolve(text ? (JSON.parse(text) as { value?: unknown }).value : undefined);
        });
      },
    );
    request.on("error", reject);
    request.end(payload);
  });
}

/** Tags a VM as an operator would, in a category of the operator's own (not Machina's). */
export async function operatorTag(
  vcsim: Pick<Vcsim, "server" | "user" | "password">,
  vm: string,
  category: string,
  tag: string,
) {
  const session = (await rest(vcsim, "POST", "/session")) as string;
  const categoryId = (await rest(
    vcsim,
    "POST",
    "/tagging/category",
    { create_spec: { name: category, description: "the operator's", cardinality: "SINGLE", associable_types: [] } },
    session,
  )) as string;
  const tagId = (await rest(
    vcsim,
    "POST",
    "/tagging/tag",
    { create_spec: { name: tag, description: "", category_id: categoryId } },
    session,
  )) as string;
  await rest(
    vcsim,
    "POST",
    `/tagging/tag-association/id:${tagId}?~action=attach`,
    { object_id: { id: vm, type: "VirtualMachine" } },
    session,
  );
  return tagId;
}

/** The names of a VM's tags, every category included. */
export async function allTagNames(vcsim: Pick<Vcsim, "server" | "user" | "password">, vm: string): Promise<string[]> {
  const session = (await rest(vcsim, "POST", "/session")) as string;
  const ids = ((await rest(
    vcsim,
    "POST",
    "/tagging/tag-association?~action=list-attached-tags",
    { object_id: { id: vm, type: "VirtualMachine" } },
    session,
  )) ?? []) as string[];
  const names: string[] = [];
  for (const id of ids)
    names.push(((await rest(vcsim, "GET", `/tagging/tag/id:${id}`, undefined, session)) as { name: string }).name);
  return names.sort();
}
