/**
 * The one retry engine: exponential backoff with jitter (or the wait the server asked for),
 * and a deadline per attempt.
 *
 * Used around every Kubernetes API request and every git host API request: a run must never
 * hang on a silent server, and a flaky one (5xx, 429, resets) should not fail a sync that a
 * second attempt would finish. Which errors are worth another attempt is the caller's decision
 * (`isTransient`).
 */
import { sleep as sleepFor } from './sleep.ts';

export interface RetryOptions {
  /** Attempts after the first one (0 = try once). */
  retries: number;
  /** Backoff before the first retry; doubles with every further retry. */
  baseDelayMs: number;
  /** Upper bound of one backoff delay. */
  maxDelayMs: number;
  /** Deadline of each attempt: its signal aborts and the attempt fails with `AttemptTimeoutError`. */
  timeoutMs: number;
  /** Whether another attempt may succeed after this error. */
  isTransient: (err: unknown) => boolean;
  /** Called before waiting for the next attempt (logs, metrics). */
  onRetry?: (info: RetryInfo) => void;
  /** How long the server asked us to wait (`Retry-After`), if it did; it replaces the backoff. */
  retryAfterMs?: (err: unknown) => number | undefined;
  /** Longest server-requested wait that is honoured as is (default 60 s); longer ones are cut to it. */
  maxRetryAfterMs?: number;
  /** Randomness for the jitter, in [0, 1); injectable for tests. */
  random?: () => number;
  /** How to wait between attempts; injectable for tests. Default: a real timer. */
  sleep?: (ms: number) => Promise<void>;
}

/** What `onRetry` is told about the attempt that just failed. */
export interface RetryInfo {
  /** 1 for the first retry. */
  attempt: number;
  delayMs: number;
  error: unknown;
}

/** An attempt ran past `timeoutMs`; callers map it like any other "no answer". */
export class AttemptTimeoutError extends Error {
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super(`timed out after ${timeoutMs}ms`);
    this.name = 'AttemptTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/**
 * Runs `fn` until it succeeds, a non-transient error occurs or the retries are spent; the
 * last error is rethrown as is. `fn` gets an AbortSignal that fires at the attempt's
 * deadline: pass it on to the request so the socket is really given up, not just ignored.
 */
export async function withRetry<T>(
  fn: (signal: AbortSignal, attempt: number) => Promise<T>,
  opts: RetryOptions,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await attemptWithDeadline(fn, attempt, opts.timeoutMs);
    } catch (error) {
      if (attempt >= opts.retries || !opts.isTransient(error)) throw error;
      const delayMs = delayBeforeRetry(attempt, error, opts);
      opts.onRetry?.({ attempt: attempt + 1, delayMs, error });
      await (opts.sleep ?? sleepFor)(delayMs);
    }
  }
}

/** Backoff for the retry after `attempt` (0-based): `Retry-After` when given, else exponential with equal jitter. */
export function delayBeforeRetry(attempt: number, error: unknown, opts: RetryOptions): number {
  const asked = opts.retryAfterMs?.(error);
  if (asked !== undefined && Number.isFinite(asked) && asked >= 0) {
    return Math.min(asked, opts.maxRetryAfterMs ?? 60_000);
  }
  const ceiling = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** attempt);
  const random = opts.random ?? Math.random;
  // Equal jitter: never less than half the exponential step, so a retry storm still spreads
  // out while the wait keeps growing.
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/**
 * Parses an HTTP `Retry-After` value (delta seconds or an HTTP date) into milliseconds from
 * `now`; undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, now: Date = new Date()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}

async function attemptWithDeadline<T>(
  fn: (signal: AbortSignal, attempt: number) => Promise<T>,
  attempt: number,
  timeoutMs: number,
): Promise<T> {
  const controller = new AbortController();
  const timeout = new AttemptTimeoutError(timeoutMs);
  let timer: NodeJS.Timeout | undefined;
  // The race is the guarantee: even if `fn` ignored the signal, the attempt ends on time.
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort(timeout);
      reject(timeout);
    }, timeoutMs);
  });
  try {
    return await Promise.race([fn(controller.signal, attempt), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
