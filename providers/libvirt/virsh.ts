/** A thin, bounded wrapper over `virsh`: the libvirt CLI is on every libvirt host; a native binding is not. */
import { execFile } from "node:child_process";
import type { RetryOptions } from "../kit/retry";
import { withRetry } from "../kit/retry";

export class VirshError extends Error {
  constructor(
    readonly args: string[],
    readonly stderr: string,
    readonly timedOut = false,
  ) {
    super(`virsh ${args.join(" ")}: ${stderr.trim() || "failed"}`);
  }
  get notFound(): boolean {
    return /failed to get domain|Domain not found|no domain with matching name/i.test(this.stderr);
  }
  get notRunning(): boolean {
    return /domain is not running|not running/i.test(this.stderr);
  }
}

/**
 * Retries of one virsh call: a daemon that restarts ("Failed to connect socket"), a domain busy with
 * another job ("cannot acquire state change lock"), an internal error. Never a timeout of the call
 * itself (it may have done its work), nor what is permanent (not found, invalid XML, refused).
 */
export const VIRSH_RETRY: RetryOptions = {
  attempts: 4,
  startingDelayMs: 1000,
  maxDelayMs: 8000,
  isRetryable: (error, failure) =>
    error instanceof VirshError && !error.timedOut && failure.retryable && failure.class !== "timeout",
};

function virshOnce(uri: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "virsh",
      ["-c", uri, ...args],
      { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          if ((err as NodeJS.ErrnoException).code === "ENOENT") {
            reject(
              new Error(
                "virsh is not installed: apt-get install libvirt-clients (or run scripts/libvirt-daemon.sh start)",
              ),
            );
          } else if ((err as { killed?: boolean }).killed) {
            reject(
              new VirshError(
                args,
                `timed out after ${Math.round(timeoutMs / 1000)} s${stderr ? `: ${stderr}` : ""}`,
                true,
              ),
            );
          } else {
            reject(new VirshError(args, stderr || err.message));
          }
        } else {
          resolve(stdout);
        }
      },
    );
  });
}

/** Runs virsh against `uri`; transient failures are retried with bounded backoff (VIRSH_RETRY). */
export function virsh(
  uri: string,
  args: string[],
  timeoutMs = 60_000,
  retry: Partial<RetryOptions> = {},
): Promise<string> {
  return withRetry(() => virshOnce(uri, args, timeoutMs), { ...VIRSH_RETRY, ...retry });
}

export type DomainState = "running" | "shut off" | "paused" | "other";

export interface DomainInfo {
  uuid: string;
  state: DomainState;
  cpus: number;
  memoryMiB: number;
}

/** The domain's facts, or undefined when it does not exist. */
export async function domainInfo(uri: string, name: string): Promise<DomainInfo | undefined> {
  let out: string;
  try {
    out = await virsh(uri, ["dominfo", name]);
  } catch (e) {
    if (e instanceof VirshError && e.notFound) return undefined;
    throw e;
  }
  const field = (label: string) => new RegExp(`^${label}:\\s*(.+)$`, "m").exec(out)?.[1]?.trim() ?? "";
  const state = field("State");
  return {
    uuid: field("UUID"),
    state: state === "running" || state === "shut off" || state === "paused" ? state : "other",
    cpus: Number(field("CPU\\(s\\)")),
    memoryMiB: Math.round(Number(field("Max memory").replace(/\s*KiB$/, "")) / 1024),
  };
}

/** How often a graceful stop presses the power button while the guest still runs. */
const PRESS_AGAIN_MS = 5000;

/** Stops the domain: politely for up to `graceSeconds`, then by force. Already stopped is fine. */
export async function stopDomain(uri: string, name: string, graceSeconds: number): Promise<void> {
  const info = await domainInfo(uri, name);
  if (!info || info.state === "shut off") return;
  if (graceSeconds > 0) {
    const deadline = Date.now() + graceSeconds * 1000;
    let pressed = 0;
    while (Date.now() < deadline) {
      // Pressed again while the guest runs: a press before the guest listens for the button (early in
      // its boot) is lost, and the stop would wait out the whole grace and then force it off.
      if (Date.now() - pressed >= PRESS_AGAIN_MS) {
        await virsh(uri, ["shutdown", name]).catch(() => undefined);
        pressed = Date.now();
      }
      await new Promise((r) => setTimeout(r, 1000));
      if ((await domainInfo(uri, name))?.state !== "running") return;
    }
  }
  await virsh(uri, ["destroy", name]).catch((e) => {
    if (!(e instanceof VirshError && (e.notRunning || e.notFound))) throw e;
  });
}

/** Removes the domain definition; a domain already gone is fine. */
export async function removeDomain(uri: string, name: string): Promise<void> {
  await stopDomain(uri, name, 0).catch((e) => {
    if (!(e instanceof VirshError && e.notFound)) throw e;
  });
  await virsh(uri, ["undefine", name, "--nvram"]).catch(async (e) => {
    if (e instanceof VirshError && e.notFound) return;
    // --nvram is refused by domains without one on some versions.
    await virsh(uri, ["undefine", name]).catch((e2) => {
      if (!(e2 instanceof VirshError && e2.notFound)) throw e2;
    });
  });
}

/** The guest's IPv4 address from the network's DHCP leases (NAT networks), if it has one yet. */
export async function leaseAddress(uri: string, name: string): Promise<string | undefined> {
  const out = await virsh(uri, ["domifaddr", name, "--source", "lease"]).catch(() => "");
  return /ipv4\s+([0-9.]+)\//.exec(out)?.[1];
}
