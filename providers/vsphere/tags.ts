/**
 * Labels as vSphere tags through the vAPI REST endpoints (`/rest/com/vmware/cis/...`): a label key is
 * a tag category (one tag per VM, associable with VMs), its value a tag in it. Categories and tags are
 * shared vocabulary of the whole vCenter: Machina creates what is missing and never deletes them.
 */
import * as https from "node:https";
import { withRetry } from "../kit/retry";
import { untrustedCertificate } from "./soap";
import type { Connection, RetryTuning } from "./vim";
import { VIM_RETRY } from "./vim";

export class TagApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "TagApiError";
  }
}

interface Named {
  id: string;
  name: string;
  description?: string;
}

/** The description Machina gives the categories it creates, so an operator can tell them apart. */
export const CATEGORY_DESCRIPTION = "a Machina label key (one tag per VM)";

export class TagClient {
  private sessionId: string | undefined;
  private readonly agent: https.Agent;
  private readonly base: string;
  /** Category and tag names by id, learnt once per process. */
  private readonly categories = new Map<string, Named>();
  private readonly tags = new Map<string, Named & { categoryId: string }>();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly connection: Connection,
    readonly retry: RetryTuning = VIM_RETRY,
  ) {
    const server = connection.server.replace(/^https?:\/\//, "").replace(/\/sdk\/?$/, "");
    this.base = `https://${server}/rest/com/vmware/cis`;
    this.agent = new https.Agent({
      keepAlive: true,
      rejectUnauthorized: !connection.allowUnverifiedSsl,
      maxSockets: 2,
    });
  }

  private send(method: string, path: string, body?: unknown, auth = false): Promise<{ status: number; json: unknown }> {
    const url = new URL(this.base + path);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string | number> = { Accept: "application/json" };
    if (payload !== undefined) {
      headers["Content-Type"] = "application/json";
      headers["Content-Length"] = Buffer.byteLength(payload);
    }
    if (auth)
      headers.Authorization = `Basic ${Buffer.from(`${this.connection.user}:${this.connection.password}`).toString("base64")}`;
    else if (this.sessionId) headers["vmware-api-session-id"] = this.sessionId;
    return new Promise((resolve, reject) => {
      const request = https.request(url, { method, agent: this.agent, headers, timeout: 60_000 }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (c: Buffer) => chunks.push(c));
        response.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: unknown = undefined;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = text;
          }
          resolve({ status: response.statusCode ?? 0, json });
        });
        response.on("error", reject);
      });
      request.on("timeout", () => request.destroy(new Error(`vSphere tagging ${method} ${path} timed out`)));
      request.on("error", (e: NodeJS.ErrnoException) => reject(untrustedCertificate(e, url.host) ?? e));
      request.end(payload);
    });
  }

  /** A call with the session (made on first use, made again once when it expired); 5xx retried. */
  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const attempt = async (): Promise<unknown> => {
      if (!this.sessionId) {
        const login = await this.send("POST", "/session", undefined, true);
        if (login.status === 401 || login.status === 403)
          throw new TagApiError(
            login.status,
            `vSphere refused the tagging (REST) login of user ${JSON.stringify(this.connection.user)} (HTTP ${login.status}): check vsphere:user and vsphere:password`,
          );
        if (login.status >= 400) throw new TagApiError(login.status, `vSphere tagging login: HTTP ${login.status}`);
        this.sessionId = (login.json as { value: string }).value;
      }
      let r = await this.send(method, path, body);
      if (r.status === 401) {
        this.sessionId = undefined;
        return attempt();
      }
      if (r.status >= 400) {
        const message = JSON.stringify(r.json ?? "").slice(0, 300);
        throw new TagApiError(r.status, `vSphere tagging ${method} ${path}: HTTP ${r.status} ${message}`);
      }
      r = r as { status: number; json: unknown };
      return (r.json as { value?: unknown } | undefined)?.value;
    };
    return withRetry(attempt, {
      ...this.retry,
      isRetryable: (e) =>
        e instanceof TagApiError ? e.status >= 500 : /ECONNRESET|ECONNREFUSED|socket hang up/.test(String(e)),
    });
  }

  private async allCategories(): Promise<Named[]> {
    const ids = ((await this.call("GET", "/tagging/category")) ?? []) as string[];
    for (const id of ids) {
      if (this.categories.has(id)) continue;
      const c = (await this.call("GET", `/tagging/category/id:${encodeURIComponent(id)}`)) as Named;
      this.categories.set(id, { id, name: c.name, description: c.description });
    }
    return ids.map((id) => this.categories.get(id)!).filter(Boolean);
  }

  private async allTags(): Promise<(Named & { categoryId: string })[]> {
    const ids = ((await this.call("GET", "/tagging/tag")) ?? []) as string[];
    for (const id of ids) {
      if (this.tags.has(id)) continue;
      const t = (await this.call("GET", `/tagging/tag/id:${encodeURIComponent(id)}`)) as Named & {
        category_id: string;
      };
      this.tags.set(id, { id, name: t.name, categoryId: t.category_id });
    }
    return ids.map((id) => this.tags.get(id)!).filter(Boolean);
  }

  /** Runs tag work one at a time in this process: two machines with one new label would both create it. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /**
   * Creates a category or tag unless it exists; one made meanwhile by another process (the server
   * refuses the duplicate) is found by listing again.
   */
  private async createOrFind(create: () => Promise<string>, find: () => Promise<string | undefined>): Promise<string> {
    try {
      return await create();
    } catch (e) {
      if (!(e instanceof TagApiError && e.status === 400)) throw e;
      const found = await find();
      if (found) return found;
      throw e;
    }
  }

  /** The tag id for `key=value`, creating the category and the tag when missing. */
  async ensureTag(key: string, value: string): Promise<string> {
    const findCategory = async () => (await this.allCategories()).find((c) => c.name === key)?.id;
    let categoryId = await findCategory();
    if (!categoryId) {
      categoryId = await this.createOrFind(async () => {
        const id = (await this.call("POST", "/tagging/category", {
          create_spec: {
            name: key,
            description: CATEGORY_DESCRIPTION,
            cardinality: "SINGLE",
            associable_types: ["VirtualMachine"],
          },
        })) as string;
        this.categories.set(id, { id, name: key, description: CATEGORY_DESCRIPTION });
        return id;
      }, findCategory);
    }
    const inCategory = categoryId;
    const findTag = async () => (await this.allTags()).find((t) => t.categoryId === inCategory && t.name === value)?.id;
    const existing = await findTag();
    if (existing) return existing;
    return this.createOrFind(async () => {
      const id = (await this.call("POST", "/tagging/tag", {
        create_spec: { name: value, description: "", category_id: inCategory },
      })) as string;
      this.tags.set(id, { id, name: value, categoryId: inCategory });
      return id;
    }, findTag);
  }

  private objectId(vm: string) {
    return { object_id: { id: vm, type: "VirtualMachine" } };
  }

  /**
   * The VM's tags as labels (`category -> tag`), of the categories Machina manages there: the ones it
   * created, and those named in `keys` (label keys the stack set on a category someone else made).
   * Tags of other categories (an operator's own) are neither reported nor touched.
   */
  labelsOf(vm: string, keys: string[] = []): Promise<Record<string, string>> {
    return this.exclusive(() => this.readLabels(vm, keys));
  }

  private async readLabels(vm: string, keys: string[]): Promise<Record<string, string>> {
    // An object with no tags answers null rather than an empty list.
    const ids = ((await this.call("POST", "/tagging/tag-association?~action=list-attached-tags", this.objectId(vm))) ??
      []) as string[];
    if (ids.some((id) => !this.tags.has(id))) await this.allTags();
    if ([...this.tags.values()].some((t) => !this.categories.has(t.categoryId))) await this.allCategories();
    const labels: Record<string, string> = {};
    for (const id of ids) {
      const tag = this.tags.get(id);
      const category = tag && this.categories.get(tag.categoryId);
      if (tag && category && (category.description === CATEGORY_DESCRIPTION || keys.includes(category.name)))
        labels[category.name] = tag.name;
    }
    return labels;
  }

  /**
   * Makes the VM's managed tags exactly `labels`: attaches what is missing, detaches what is no longer
   * wanted (`previous` names the keys the stack set before, so a removed label is detached too).
   */
  setLabels(vm: string, labels: Record<string, string>, previous: string[] = []): Promise<void> {
    return this.exclusive(() => this.writeLabels(vm, labels, previous));
  }

  private async writeLabels(vm: string, labels: Record<string, string>, previous: string[]): Promise<void> {
    const current = await this.readLabels(vm, [...Object.keys(labels), ...previous]);
    for (const [key, value] of Object.entries(current)) {
      if (labels[key] === value) continue;
      const tag = [...this.tags.values()].find(
        (t) => t.name === value && this.categories.get(t.categoryId)?.name === key,
      );
      if (tag)
        await this.call(
          "POST",
          `/tagging/tag-association/id:${encodeURIComponent(tag.id)}?~action=detach`,
          this.objectId(vm),
        );
    }
    for (const [key, value] of Object.entries(labels)) {
      if (current[key] === value) continue;
      const id = await this.ensureTag(key, value);
      await this.call(
        "POST",
        `/tagging/tag-association/id:${encodeURIComponent(id)}?~action=attach`,
        this.objectId(vm),
      );
    }
  }
}

const clients = new Map<string, TagClient>();

/** One tagging session per server and user for the life of the provider process. */
export function tagClientFor(connection: Connection): TagClient {
  const key = JSON.stringify([connection.server, connection.user, connection.password, connection.allowUnverifiedSsl]);
  let client = clients.get(key);
  if (!client) {
    client = new TagClient(connection);
    clients.set(key, client);
  }
  return client;
}
