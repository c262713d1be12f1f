import * as net from "node:net";

export interface ProbeTarget {
  host: string;
  port: number;
  /** `ssh`: an SSH banner must arrive. `tcp`: the connection must be held open or answered. */
  expect: "ssh" | "tcp";
}

export interface WaitOptions {
  timeoutSeconds: number;
  /** Pause between attempts. */
  intervalMs?: number;
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
export function probeOnce(target: ProbeTarget, attemptMs: number): Promise<{ ok: boolean; detail: string; banner?: string }> {
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
      if (received.startsWith("SSH-") && received.includes("\n")) finish(true, "SSH banner", received.split(/\r?\n/)[0]);
      else if (received.length >= 4 && !"SSH-".startsWith(received.slice(0, 4))) finish(false, `not an SSH banner: ${JSON.stringify(received.slice(0, 40))}`);
    });
    socket.on("error", (err) => finish(false, err.message));
    socket.on("close", () => finish(false, received ? "closed after partial banner" : "connection closed before the service answered"));
  });
}

/** Tries until the service answers or the timeout passes; the error says where, what and how long. */
export async function waitForService(target: ProbeTarget, options: WaitOptions): Promise<WaitResult> {
  const started = Date.now();
  const deadline = started + options.timeoutSeconds * 1000;
  const interval = options.intervalMs ?? 2000;
  let attempts = 0;
  let last = "not tried";
  while (Date.now() < deadline) {
    attempts += 1;
    const remaining = deadline - Date.now();
    const result = await probeOnce(target, Math.max(100, Math.min(options.attemptMs ?? 10_000, remaining)));
    if (result.ok) return { attempts, waitedSeconds: (Date.now() - started) / 1000, banner: result.banner };
    last = result.detail;
    const pause = Math.min(interval, deadline - Date.now());
    if (pause > 0) await new Promise((r) => setTimeout(r, pause));
  }
  throw new Error(
    `machine did not answer on ${target.host}:${target.port} within ${options.timeoutSeconds} s ` +
      `(${attempts} attempts, last: ${last}). Check that the service starts on boot and that port ${target.port} is open, ` +
      `or raise waitForReady.timeoutSeconds.`,
  );
}
