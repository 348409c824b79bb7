import { describe, expect, it } from 'vitest';
import {
  AttemptTimeoutError,
  delayBeforeRetry,
  parseRetryAfter,
  withRetry,
  type RetryOptions,
} from '../../src/core/retry.ts';

class Flaky extends Error {
  readonly transient: boolean;
  constructor(transient: boolean) {
    super(transient ? 'try again' : 'give up');
    this.transient = transient;
  }
}

const fast: RetryOptions = {
  retries: 3,
  baseDelayMs: 1,
  maxDelayMs: 4,
  timeoutMs: 1000,
  isTransient: (e) => e instanceof Flaky && e.transient,
};

describe('withRetry', () => {
  it('retries transient failures and returns the first success', async () => {
    const attempts: number[] = [];
    const retried: number[] = [];
    const result = await withRetry(
      async (_signal, attempt) => {
        attempts.push(attempt);
        if (attempt < 2) throw new Flaky(true);
        return 'done';
      },
      { ...fast, onRetry: (info) => retried.push(info.attempt) },
    );
    expect(result).toBe('done');
    expect(attempts).toEqual([0, 1, 2]);
    expect(retried).toEqual([1, 2]);
  });

  it('does not retry an error that is not transient', async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw new Flaky(false);
      }, fast),
    ).rejects.toThrow('give up');
    expect(calls).toBe(1);
  });

  it('gives up after the configured retries with the last error', async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw new Flaky(true);
      }, fast),
    ).rejects.toThrow('try again');
    expect(calls).toBe(4);
  });

  it('ends an attempt at its deadline and aborts its signal, even if the work ignores it', async () => {
    let seen: AbortSignal | undefined;
    const started = Date.now();
    const err = await withRetry(
      (signal) => {
        seen = signal;
        return new Promise<never>(() => {});
      },
      { ...fast, retries: 0, timeoutMs: 50 },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AttemptTimeoutError);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(seen?.aborted).toBe(true);
  });
});

describe('backoff', () => {
  it('grows exponentially with jitter and stays under the cap', () => {
    const opts = { ...fast, baseDelayMs: 100, maxDelayMs: 1000 };
    const low = (attempt: number) => delayBeforeRetry(attempt, new Flaky(true), { ...opts, random: () => 0 });
    const high = (attempt: number) => delayBeforeRetry(attempt, new Flaky(true), { ...opts, random: () => 0.999 });
    expect([low(0), low(1), low(2), low(5)]).toEqual([50, 100, 200, 500]);
    expect([high(0), high(1), high(2), high(5)]).toEqual([100, 200, 400, 1000]);
  });

  it('waits what the server asked for with Retry-After instead of the backoff', () => {
    const opts = { ...fast, retryAfterMs: () => 3000 };
    expect(delayBeforeRetry(0, new Flaky(true), opts)).toBe(3000);
    expect(delayBeforeRetry(0, new Flaky(true), { ...opts, maxRetryAfterMs: 2000 })).toBe(2000);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = new Date('2026-11-21T12:00:00Z');
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('Sat, 21 Nov 2026 12:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
