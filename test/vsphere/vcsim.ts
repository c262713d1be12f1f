/**
 * VMware's vCenter simulator for the vsphere tier: built by scripts/setup-vcsim.sh (cached), started
 * on 127.0.0.1 with a fixed user and password, given the templates Machina's image aliases name.
 */
import type { ChildProcess } from "node:child_process";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import type { MoRef } from "../../dist/providers/vsphere/soap";
import type { Vim } from "../../dist/providers/vsphere/vim";

const ROOT = path.resolve(__dirname, "../..");
const soap = require("../../dist/providers/vsphere/soap") as typeof import("../../dist/providers/vsphere/soap");
const vimModule = require("../../dist/providers/vsphere/vim") as typeof import("../../dist/providers/vsphere/vim");
/** Shared with scripts/record-state-fixture.js (plain JavaScript). */
const simulator = require("../../scripts/vcsim/simulator.js") as {
  launchVcsim(
    binary: string,
    options: { user: string; password: string; taskDelay?: string },
  ): Promise<{ server: string; child: ChildProcess }>;
  stopVcsim(child: ChildProcess): Promise<void>;
  makeTemplates(vim: Vim, soapModule: typeof soap, names: string[]): Promise<void>;
};

/** The user and password every vcsim of the tier (and the recorded state fixture) is started with. */
export const VCSIM_USER = "machina-test";
export const VCSIM_PASSWORD = "vcsim-pw-5d2e";

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
  const user = options.user ?? VCSIM_USER;
  const password = options.password ?? VCSIM_PASSWORD;
  const { server, child } = await simulator.launchVcsim(vcsimBinary(), {
    user,
    password,
    taskDelay: options.taskDelay,
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
      await simulator.stopVcsim(child);
    },
  };
}

const ref = (r: MoRef) => soap.moRef(r.type, r.value);

/** Makes `/DC0/vm/templates/<name>` templates (cloned from a VM of the VPX model), as an operator would. */
export const makeTemplates = (vim: Vim, names: string[]): Promise<void> => simulator.makeTemplates(vim, soap, names);

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

/** Every tag category and tag on the server, as `category` and `category/tag` names, sorted. */
export async function tagInventory(vcsim: Pick<Vcsim, "server" | "user" | "password">): Promise<string[]> {
  const session = (await rest(vcsim, "POST", "/session")) as string;
  const names = new Map<string, string>();
  const found: string[] = [];
  for (const id of ((await rest(vcsim, "GET", "/tagging/category", undefined, session)) ?? []) as string[]) {
    const name = ((await rest(vcsim, "GET", `/tagging/category/id:${id}`, undefined, session)) as { name: string })
      .name;
    names.set(id, name);
    found.push(name);
  }
  for (const id of ((await rest(vcsim, "GET", "/tagging/tag", undefined, session)) ?? []) as string[]) {
    const tag = (await rest(vcsim, "GET", `/tagging/tag/id:${id}`, undefined, session)) as {
      name: string;
      category_id: string;
    };
    found.push(`${names.get(tag.category_id) ?? tag.category_id}/${tag.name}`);
  }
  return found.sort();
}
