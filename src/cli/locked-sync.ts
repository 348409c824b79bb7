/**
 * One sync under the Lease lock, shared by `sync` (a CronJob run) and `run` (the daemon):
 * a run that cannot take the lock does nothing and says who holds it; the lock is renewed
 * while the sync runs and released after it, so the next run need not wait for expiry.
 */
import type { LeaseLock } from '../cluster/lease.ts';
import { messageOf } from '../core/errors.ts';
import type { Logger } from '../log.ts';

export type Locked<T> = { locked: false; value: T } | { locked: true; holder: string; expiresAt: string };

export async function withLease<T>(lease: LeaseLock | undefined, durationSeconds: number, logger: Logger, fn: () => Promise<T>): Promise<Locked<T>> {
  if (!lease) return { locked: false, value: await fn() };
  const got = await lease.acquire();
  if (!got.acquired) {
    logger.warn({ holder: got.holder, expiresAt: got.expiresAt }, 'another sync holds the lease; nothing done');
    return { locked: true, holder: got.holder, expiresAt: got.expiresAt };
  }
  const renewEvery = Math.max(1000, (durationSeconds * 1000) / 3);
  const timer = setInterval(() => {
    lease.renew().then(
      (ok) => ok || logger.error('lease lost during the sync'),
      (err: unknown) => logger.warn({ err: messageOf(err) }, 'lease renewal failed'),
    );
  }, renewEvery);
  try {
    return { locked: false, value: await fn() };
  } finally {
    clearInterval(timer);
    await lease.release().catch((err: unknown) => logger.warn({ err: messageOf(err) }, 'lease release failed'));
  }
}
