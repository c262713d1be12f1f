/**
 * The vSphere calls Machina makes, on one logged-in session per server and user: property reads,
 * inventory lookups, bounded task waits with progress, and retries of what vSphere calls transient.
 */
import { withRetry } from "../kit/retry";
import type { Connection } from "./connection";
import { serverName } from "./connection";
import type { MoRef, SoapValue, XmlNode } from "./soap";
import { asArray, moRef, moRefOf, SoapClient, SoapFault, textOf, xsiType } from "./soap";

export type { Connection } from "./connection";

/** Faults worth another try after a pause: a busy object, a host briefly unreachable, a server hiccup. */
const TRANSIENT_FAULTS = new Set([
  "TaskInProgress",
  "ResourceInUse",
  "HostCommunication",
  "HostNotConnected",
  "HostNotReachable",
  "ConcurrentAccess",
  "SystemError",
  "RequestCanceled",
]);
const TRANSIENT_NETWORK = /ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|socket hang up|EAI_AGAIN/;

export function isTransient(error: unknown): boolean {
  if (error instanceof SoapFault) return TRANSIENT_FAULTS.has(error.faultType);
  return TRANSIENT_NETWORK.test((error as Error)?.message ?? "");
}

export interface RetryTuning {
  attempts: number;
  startingDelayMs: number;
  maxDelayMs: number;
}
export const VIM_RETRY: RetryTuning = { attempts: 4, startingDelayMs: 1_000, maxDelayMs: 8_000 };

export interface TaskProgress {
  task: string;
  label: string;
  state: string;
  progress?: number;
  elapsedMs: number;
}

export class VimError extends Error {}

/** One session on one server: the service content, the property collector, typed helpers. */
export class Vim {
  private content: Record<string, XmlNode> | undefined;
  private loggingIn: Promise<void> | undefined;
  constructor(
    readonly connection: Connection,
    readonly client: SoapClient,
    readonly retry: RetryTuning = VIM_RETRY,
  ) {}

  static forConnection(connection: Connection, retry?: RetryTuning): Vim {
    const client = new SoapClient({
      url: `https://${serverName(connection.server)}/sdk`,
      allowUnverifiedSsl: connection.allowUnverifiedSsl,
    });
    return new Vim(connection, client, retry);
  }

  private ref(name: string): MoRef {
    const r = moRefOf(this.content?.[name]);
    if (!r) throw new VimError(`vSphere service content has no ${name}`);
    return moRef(r.type, r.value);
  }

  /** The server's `about`: product name, version, API version. */
  about(): Record<string, string> {
    const about = (this.content?.about ?? {}) as Record<string, XmlNode>;
    return Object.fromEntries(Object.entries(about).map(([k, v]) => [k, textOf(v) ?? ""]));
  }

  /** The inventory's root folder (logs in first: the service content comes with the session). */
  async rootFolder(): Promise<MoRef> {
    await this.login();
    return this.ref("rootFolder");
  }

  /** Logs in (once per client; again after the session expired). Refused credentials are not retried. */
  async login(): Promise<void> {
    // Operations of several machines share one session: they wait for one login instead of each making one.
    if (this.loggingIn) return this.loggingIn;
    this.loggingIn = this.loginOnce().finally(() => (this.loggingIn = undefined));
    return this.loggingIn;
  }

  private async loginOnce(): Promise<void> {
    if (!this.content) {
      const content = await this.raw("RetrieveServiceContent", moRef("ServiceInstance", "ServiceInstance"));
      this.content = content as Record<string, XmlNode>;
    }
    if (this.client.hasSession) return;
    try {
      await this.raw("Login", this.ref("sessionManager"), {
        userName: this.connection.user,
        password: this.connection.password,
      });
    } catch (e) {
      if (e instanceof SoapFault && e.faultType === "InvalidLogin")
        throw new VimError(
          `vSphere refused the login of user ${JSON.stringify(this.connection.user)} at ${this.connection.server} (InvalidLogin): check vsphere:user and vsphere:password (or VSPHERE_USER and VSPHERE_PASSWORD)`,
        );
      throw e;
    }
  }

  async logout(): Promise<void> {
    if (!this.client.hasSession || !this.content) return;
    await this.raw("Logout", this.ref("sessionManager")).catch(() => undefined);
    this.client.dropSession();
    this.client.close();
  }

  private raw(method: string, self: MoRef, args?: Record<string, SoapValue>) {
    return withRetry(() => this.client.call(method, self, args), {
      ...this.retry,
      isRetryable: (error) => isTransient(error),
    });
  }

  /** A call on the session; a session the server forgot is logged in again once. */
  async call(method: string, self: MoRef, args?: Record<string, SoapValue>) {
    await this.login();
    try {
      return await this.raw(method, self, args);
    } catch (e) {
      if (!(e instanceof SoapFault && e.faultType === "NotAuthenticated")) throw e;
      this.client.dropSession();
      await this.login();
      return this.raw(method, self, args);
    }
  }

  /** Named properties of one object; a missing object throws ManagedObjectNotFound. */
  async properties(obj: MoRef, paths: string[]): Promise<Record<string, XmlNode | XmlNode[] | undefined>> {
    await this.login();
    const result = await this.call("RetrievePropertiesEx", this.ref("propertyCollector"), {
      specSet: {
        propSet: { type: obj.type, pathSet: paths },
        objectSet: { obj: moRef(obj.type, obj.value), skip: false },
      },
      options: {},
    });
    const object = asArray((result as Record<string, XmlNode> | undefined)?.objects)[0] as
      Record<string, XmlNode> | undefined;
    const props: Record<string, XmlNode | XmlNode[] | undefined> = {};
    for (const p of asArray(object?.propSet) as Record<string, XmlNode>[]) props[textOf(p.name) ?? ""] = p.val;
    return props;
  }

  /** The object at an inventory path (`/DC0/vm/templates/debian-12`), or undefined. */
  async findByInventoryPath(inventoryPath: string): Promise<MoRef | undefined> {
    await this.login();
    return moRefOf(
      await this.call("FindByInventoryPath", this.ref("searchIndex"), {
        inventoryPath: inventoryPath.replace(/^\//, ""),
      }),
    );
  }

  /** The direct child of a folder (or datacenter, compute resource) by name, or undefined. */
  async findChild(parent: MoRef, name: string): Promise<MoRef | undefined> {
    await this.login();
    return moRefOf(
      await this.call("FindChild", this.ref("searchIndex"), { entity: moRef(parent.type, parent.value), name }),
    );
  }

  /** The children of a folder. */
  async children(folder: MoRef): Promise<MoRef[]> {
    const props = await this.properties(folder, ["childEntity"]);
    return childRefs(props.childEntity);
  }

  async name(obj: MoRef): Promise<string> {
    return textOf((await this.properties(obj, ["name"])).name) ?? "";
  }

  /**
   * Waits for a task to end, polling its state with a growing pause, never past `timeoutMs`; tells
   * `onProgress` what it sees. Returns the task's result; a failed task throws its fault.
   */
  async waitForTask(
    task: MoRef,
    label: string,
    options: { timeoutMs: number; onProgress?: (p: TaskProgress) => void },
  ): Promise<XmlNode | XmlNode[] | undefined> {
    const started = Date.now();
    let pause = 250;
    for (;;) {
      const props = await this.properties(task, ["info.state", "info.progress", "info.error", "info.result"]);
      const state = textOf(props["info.state"]) ?? "unknown";
      const progressText = textOf(props["info.progress"]);
      options.onProgress?.({
        task: task.value,
        label,
        state,
        progress: progressText ? Number(progressText) : undefined,
        elapsedMs: Date.now() - started,
      });
      if (state === "success") return props["info.result"];
      if (state === "error") {
        const error = props["info.error"] as Record<string, XmlNode> | undefined;
        const fault = error?.fault as Record<string, XmlNode> | undefined;
        throw new SoapFault(label, xsiType(fault) ?? "TaskFailed", textOf(error?.localizedMessage) ?? "", fault);
      }
      if (Date.now() - started > options.timeoutMs)
        throw new VimError(
          `vSphere task ${task.value} (${label}) did not finish within ${Math.round(options.timeoutMs / 1000)} s (state ${state}${progressText ? `, ${progressText}%` : ""}); it may still be running in vCenter`,
        );
      await new Promise((r) => setTimeout(r, pause));
      pause = Math.min(pause * 2, 2_000);
    }
  }
}

/** The managed object references of an `ArrayOfManagedObjectReference` value. */
export function childRefs(value: XmlNode | XmlNode[] | undefined): MoRef[] {
  if (value === undefined) return [];
  const list = typeof value === "object" && !Array.isArray(value) ? (value.ManagedObjectReference ?? value) : value;
  return asArray(list as XmlNode | XmlNode[])
    .map(moRefOf)
    .filter((r): r is MoRef => r !== undefined);
}

/** `key -> value` of an `ArrayOfOptionValue` (a VM's extraConfig). */
export function optionValues(value: XmlNode | XmlNode[] | undefined): Record<string, string> {
  if (value === undefined) return {};
  const list = typeof value === "object" && !Array.isArray(value) ? (value.OptionValue ?? []) : value;
  const out: Record<string, string> = {};
  for (const entry of asArray(list as XmlNode | XmlNode[]) as Record<string, XmlNode>[]) {
    const key = textOf(entry.key);
    if (key) out[key] = textOf(entry.value) ?? "";
  }
  return out;
}

/** Sessions kept per server and user for the life of the provider process. */
const sessions = new Map<string, Vim>();

export function sessionFor(connection: Connection): Vim {
  const key = JSON.stringify([connection.server, connection.user, connection.password, connection.allowUnverifiedSsl]);
  let vim = sessions.get(key);
  if (!vim) {
    vim = Vim.forConnection(connection);
    sessions.set(key, vim);
  }
  return vim;
}
