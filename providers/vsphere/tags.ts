/**
 * Labels as vSphere tags through the vAPI REST endpoints (`/rest/com/vmware/cis/...`): a label key is
 * a tag category (one tag per VM, associable with VMs), its value a tag in it. Categories and tags are
 * shared vocabulary of the whole vCenter: Machina creates what is missing, and deletes only what it
 * created (marked by its description) once no existing object carries it any more.
 */
import type * as https from "node:https";
import { withRetry } from "../kit/retry";
import { serverName } from "./connection";
import { httpsCall, vsphereAgent } from "./https-call";
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
/** The description Machina gives the tags it creates: only tags carrying it are ever deleted. */
export const TAG_DESCRIPTION = "a Machina label value (deleted when no object carries it)";

/** An object a tag is attached to, as the tagging API names it. */
export interface TaggedObject {
  id: string;
  type: string;
}
/** Whether a tagged object still exists (vCenter drops a deleted VM's tags; a simulator may not). */
export type ObjectExists = (object: TaggedObject) => Promise<boolean>;

type Tag = Named & { categoryId: string };

export class TagClient {
  private sessionId: string | undefined;
  private readonly agent: https.Agent;
  private readonly base: string;
  /** Category and tag names by id, learnt once per process. */
  private readonly categories = new Map<string, Named>();
  private readonly tags = new Map<string, Tag>();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly connection: Connection,
    readonly retry: RetryTuning = VIM_RETRY,
  ) {
    this.base = `https://${serverName(connection.server)}/rest/com/vmware/cis`;
    this.agent = vsphereAgent(connection.allowUnverifiedSsl, 2);
  }

  private async send(
    method: string,
    path: string,
    body?: unknown,
    auth = false,
  ): Promise<{ status: number; json: unknown }> {
    const headers: Record<string, string | number> = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (auth)
      headers.Authorization = `Basic ${Buffer.from(`${this.connection.user}:${this.connection.password}`).toString("base64")}`;
    else if (this.sessionId) headers["vmware-api-session-id"] = this.sessionId;
    const answer = await httpsCall(this.agent, new URL(this.base + path), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      timeoutMs: 60_000,
      label: `vSphere tagging ${method} ${path}`,
    });
    let json: unknown = undefined;
    try {
      json = answer.text ? JSON.parse(answer.text) : undefined;
    } catch {
      json = answer.text;
    }
    return { status: answer.status, json };
  }

  private async login(): Promise<void> {
    const login = await this.send("POST", "/session", undefined, true);
    if (login.status === 401 || login.status === 403)
      throw new TagApiError(
        login.status,
        `vSphere refused the tagging (REST) login of user ${JSON.stringify(this.connection.user)} (HTTP ${login.status}): check vsphere:user and vsphere:password`,
      );
    if (login.status >= 400) throw new TagApiError(login.status, `vSphere tagging login: HTTP ${login.status}`);
    this.sessionId = (login.json as { value: string }).value;
  }

  /** One request on the session, made on first use; a session the server no longer knows is made again once. */
  private async sendOnSession(method: string, path: string, body?: unknown) {
    if (!this.sessionId) await this.login();
    const first = await this.send(method, path, body);
    if (first.status !== 401) return first;
    this.sessionId = undefined;
    await this.login();
    const again = await this.send(method, path, body);
    if (again.status === 401) {
      this.sessionId = undefined;
      throw new TagApiError(
        401,
        `vSphere tagging ${method} ${path}: HTTP 401 right after a fresh login: the server accepts the login of user ${JSON.stringify(this.connection.user)} but not the session it gave; check that the user may use the tagging service`,
      );
    }
    return again;
  }

  /** A call with the session; 5xx and dropped connections retried with backoff. */
  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const attempt = async (): Promise<unknown> => {
      const r = await this.sendOnSession(method, path, body);
      if (r.status >= 400) {
        const message = JSON.stringify(r.json ?? "").slice(0, 300);
        throw new TagApiError(r.status, `vSphere tagging ${method} ${path}: HTTP ${r.status} ${message}`);
      }
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
    for (const id of this.categories.keys()) if (!ids.includes(id)) this.categories.delete(id);
    for (const id of ids) {
      if (this.categories.has(id)) continue;
      const c = (await this.call("GET", `/tagging/category/id:${encodeURIComponent(id)}`)) as Named;
      this.categories.set(id, { id, name: c.name, description: c.description });
    }
    return ids.map((id) => this.categories.get(id)!).filter(Boolean);
  }

  private async allTags(): Promise<Tag[]> {
    const ids = ((await this.call("GET", "/tagging/tag")) ?? []) as string[];
    for (const id of this.tags.keys()) if (!ids.includes(id)) this.tags.delete(id);
    for (const id of ids) {
      if (this.tags.has(id)) continue;
      const t = (await this.call("GET", `/tagging/tag/id:${encodeURIComponent(id)}`)) as Named & {
        category_id: string;
      };
      this.tags.set(id, { id, name: t.name, description: t.description, categoryId: t.category_id });
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
        create_spec: { name: value, description: TAG_DESCRIPTION, category_id: inCategory },
      })) as string;
      this.tags.set(id, { id, name: value, description: TAG_DESCRIPTION, categoryId: inCategory });
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
  setLabels(vm: string, labels: Record<string, string>, previous: string[] = [], exists?: ObjectExists): Promise<void> {
    return this.exclusive(async () => {
      const detached = await this.writeLabels(vm, labels, previous);
      if (exists) await this.deleteUnused(detached, exists);
    });
  }

  /**
   * Deletes the tags of these labels that Machina created and no existing object carries any more,
   * then each category Machina created that holds no tag after that. Anything else is left alone.
   */
  removeUnused(labels: Record<string, string>, exists: ObjectExists): Promise<void> {
    return this.exclusive(() => this.deleteUnused(labels, exists));
  }

  private async deleteUnused(labels: Record<string, string>, exists: ObjectExists): Promise<void> {
    if (Object.keys(labels).length === 0) return;
    const categories = await this.allCategories();
    const tags = await this.allTags();
    const candidates = Object.entries(labels)
      .map(([key, value]) => {
        const category = categories.find((c) => c.name === key);
        const tag = category && tags.find((t) => t.categoryId === category.id && t.name === value);
        return tag && category ? { tag, category } : undefined;
      })
      .filter((c) => c !== undefined && c.tag.description === TAG_DESCRIPTION) as { tag: Tag; category: Named }[];
    if (candidates.length === 0) return;
    const attached = ((await this.call("POST", "/tagging/tag-association?~action=list-attached-objects-on-tags", {
      tag_ids: candidates.map((c) => c.tag.id),
    })) ?? []) as { tag_id: string; object_ids?: TaggedObject[] | null }[];
    for (const { tag, category } of candidates) {
      if (await anyExists(attached.find((a) => a.tag_id === tag.id)?.object_ids ?? [], exists)) continue;
      await this.deleteGone(`/tagging/tag/id:${encodeURIComponent(tag.id)}`);
      this.tags.delete(tag.id);
      if (category.description !== CATEGORY_DESCRIPTION) continue;
      const left = ((await this.call(
        "POST",
        `/tagging/tag/id:${encodeURIComponent(category.id)}?~action=list-tags-for-category`,
      )) ?? []) as string[];
      if (left.length > 0) continue;
      await this.deleteGone(`/tagging/category/id:${encodeURIComponent(category.id)}`);
      this.categories.delete(category.id);
    }
  }

  /** A DELETE; what is already gone is fine. */
  private async deleteGone(path: string): Promise<void> {
    try {
      await this.call("DELETE", path);
    } catch (e) {
      if (!(e instanceof TagApiError && e.status === 404)) throw e;
    }
  }

  private async attach(vm: string, key: string, value: string): Promise<void> {
    const attachTo = async (id: string) =>
      this.call("POST", `/tagging/tag-association/id:${encodeURIComponent(id)}?~action=attach`, this.objectId(vm));
    try {
      await attachTo(await this.ensureTag(key, value));
    } catch (e) {
      // Another process deleted the tag, unused, after this one found it: make it again, once.
      if (!(e instanceof TagApiError && e.status === 404)) throw e;
      await this.allTags();
      await attachTo(await this.ensureTag(key, value));
    }
  }

  /** Writes the labels; returns the ones it detached. */
  private async writeLabels(
    vm: string,
    labels: Record<string, string>,
    previous: string[],
  ): Promise<Record<string, string>> {
    const current = await this.readLabels(vm, [...Object.keys(labels), ...previous]);
    const detached: Record<string, string> = {};
    for (const [key, value] of Object.entries(current)) {
      if (labels[key] === value) continue;
      const tag = [...this.tags.values()].find(
        (t) => t.name === value && this.categories.get(t.categoryId)?.name === key,
      );
      if (!tag) continue;
      await this.call(
        "POST",
        `/tagging/tag-association/id:${encodeURIComponent(tag.id)}?~action=detach`,
        this.objectId(vm),
      );
      detached[key] = value;
    }
    for (const [key, value] of Object.entries(labels)) if (current[key] !== value) await this.attach(vm, key, value);
    return detached;
  }
}

async function anyExists(objects: TaggedObject[], exists: ObjectExists): Promise<boolean> {
  for (const object of objects) if (await exists(object)) return true;
  return false;
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
