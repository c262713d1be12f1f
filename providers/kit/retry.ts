/**
 * Bounded retries with exponential backoff for what Machina's own dynamic providers run: only
 * failures the classifier calls retryable are tried again, a few times, never past a total budget.
 */
import { backOff } from "exponential-backoff";
import type { Failure } from "../../core/failure";
import { classifyError } from "../../core/failure";

export interface RetryOptions {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Pause before the second attempt; doubles each time. */
  startingDelayMs: number;
  /** Longest pause between two attempts (a platform's Retry-After is honoured up to this). */
  maxDelayMs: number;
  /** Which failures to try again (default: those the classifier calls retryable). */
  isRetryable?: (error: unknown, failure: Failure) => boolean;
  /** Told about each failure that will be retried. */
  onRetry?: (error: unknown, attempt: number, failure: Failure) => void;
}

export const DEFAULT_RETRY: RetryOptions = { attempts: 4, startingDelayMs: 500, maxDelayMs: 8_000 };

/** Runs `fn`, retrying retryable failures with bounded exponential backoff; the last failure is thrown as it was. */
export function withRetry<T>(fn: () => Promise<T>, options: Partial<RetryOptions> = {}): Promise<T> {
  const o = { ...DEFAULT_RETRY, ...options };
  return backOff(fn, {
    numOfAttempts: Math.max(1, o.attempts),
    startingDelay: o.startingDelayMs,
    maxDelay: o.maxDelayMs,
    timeMultiple: 2,
    jitter: "none",
    retry: async (error: unknown, attempt: number) => {
      if (attempt >= o.attempts) return false;
      const failure = classifyError(error);
      const retry = o.isRetryable ? o.isRetryable(error, failure) : failure.retryable;
      if (!retry) return false;
      o.onRetry?.(error, attempt, failure);
      // The platform's own wait, on top of the backoff, within the bound.
      const extra = Math.min((failure.retryAfterSeconds ?? 0) * 1000, o.maxDelayMs);
      if (extra > 0) await new Promise((r) => setTimeout(r, extra));
      return true;
    },
  });
}
