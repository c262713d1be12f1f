import * as net from "node:net";
import { backOff } from "exponential-backoff";

export interface ProbeTarget {
  host: string;
  port: number;
  /** `ssh`: an SSH banner must arrive. `tcp`: the connection must be held open or answered. */
  expect: "ssh" | "tcp";
}

export interface WaitOptions {
  timeoutSeconds: number;
  /** First pause between attempts (default 250 ms); it doubles up to maxIntervalMs. */
  intervalMs?: number;
  /** Longest pause between attempts (default 1 s). */
  maxIntervalMs?: number;
  /** Longest a single attempt may take. */
  attemptMs?: number;
}

export interface WaitResult {
  attempts: number;
  waitedSeconds: number;
  banner?: string;
}

/**
 * One attempt: the service answers. For SSH that means a banner arrives ("SSH-2.0-...");
 * elsewhere the connection must stay open (or send data): a user-mode port forward accepts and then
 * drops connections while nothing listens behind it.
 */
export function probeOnce(
  target: ProbeTarget,
  attemptMs: number,
): Promise<{ ok: boolean; detail: string; banner?: string }> {
  const wantBanner = target.expect === "ssh";
  return new Promise((resolve) => {
    let settled = false;
    let received = "";
    let quiet: NodeJS.Timeout | undefined;
    const socket = net.connect({ host: target.host, port: target.port });
    const finish = (ok: boolean, detail: string, banner?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(quiet);
      socket.destroy();
      resolve({ ok, detail, banner });
    };
    const timer = setTimeout(
      () => finish(false, wantBanner ? "connected but no SSH banner yet" : "no answer"),
      attemptMs,
    );
    socket.on("connect", () => {
      if (!wantBanner) quiet = setTimeout(() => finish(true, "connection held open"), Math.min(1000, attemptMs / 2));
    });
    socket.on("data", (chunk) => {
      received += chunk.toString("latin1");
      if (!wantBanner) return finish(true, "service sent data");
      if (received.startsWith("SSH-") && received.includes("\n"))
        finish(true, "SSH banner", received.split(/\r?\n/)[0]);
      else if (received.length >= 4 && !"SSH-".startsWith(received.slice(0, 4)))
        finish(false, `not an SSH banner: ${JSON.stringify(received.slice(0, 40))}`);
    });
    socket.on("error", (err) => finish(false, err.message));
    socket.on("close", () =>
      finish(false, received ? "closed after partial banner" : "connection closed before the service answered"),
    );
  });
}

class NotYet extends Error {}

/**
 * An attempt is one TCP connection (refused until the service listens): cheap enough to repeat every
 * second, where backing off to 4 s noticed a ready machine up to 4 s late.
 */
const PACE = { intervalMs: 250, maxIntervalMs: 1000 };

/**
 * Tries until the service answers or the timeout passes, with bounded exponential backoff between
 * attempts (intervalMs, doubling, at most maxIntervalMs, never past the deadline); the error says
 * where, what and how long.
 */
export async function waitForService(target: ProbeTarget, options: WaitOptions): Promise<WaitResult> {
  const started = Date.now();
  const deadline = started + options.timeoutSeconds * 1000;
  let attempts = 0;
  let last = "not tried";
  try {
    return await backOff(
      async () => {
        attempts += 1;
        const remaining = deadline - Date.now();
        const result = await probeOnce(target, Math.max(100, Math.min(options.attemptMs ?? 10_000, remaining)));
        if (!result.ok) throw new NotYet(result.detail);
        return { attempts, waitedSeconds: (Date.now() - started) / 1000, banner: result.banner };
      },
      {
        numOfAttempts: Number.MAX_SAFE_INTEGER,
        startingDelay: options.intervalMs ?? PACE.intervalMs,
        maxDelay: Math.max(
          options.intervalMs ?? PACE.intervalMs,
          Math.min(options.maxIntervalMs ?? PACE.maxIntervalMs, (deadline - Date.now()) / 4),
        ),
        timeMultiple: 2,
        retry: (e: unknown) => {
          last = (e as Error).message;
          // Only "not yet" is waited out; anything else is a bug to see at once.
          return e instanceof NotYet && Date.now() < deadline;
        },
      },
    );
  } catch (e) {
    if (!(e instanceof NotYet)) throw e;
  }
  throw new Error(
    `machine did not answer on ${target.host}:${target.port} within ${options.timeoutSeconds} s ` +
      `(${attempts} attempts, last: ${last}). Check that the service starts on boot and that port ${target.port} is open, ` +
      `or raise waitForReady.timeoutSeconds.`,
  );
}
