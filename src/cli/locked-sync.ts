/**
 * The Lease lock around syncs, shared by `sync` (a CronJob run) and `run` (the daemon). The
 * lock is lazy: the pipeline reads and plans without it and takes it only when it is about to
 * write to the cluster (then reads and plans again under it), so a no-op sync makes no write
 * at all, not even to its Lease. A run that cannot take the lock writes nothing and says who
 * holds it; a held lock is renewed while the sync runs and released after it.
 *
 * `take()` answers `{ ok: false, holder, expiresAt }` only when another holder has the Lease;
 * a Lease request that fails (timeout, 5xx after retries, 403) throws ModsyncError `LockFailed`.
 */
import type { AcquireResult, LeaseLock } from '../cluster/lease.ts';
import { ClusterError, messageOf, ModsyncError } from '../core/errors.ts';
import type { Logger } from '../log.ts';
import type { SyncLock } from '../pipeline/types.ts';

export type Locked<T> = { locked: false; value: T } | { locked: true; holder: string; expiresAt: string };

export async function withLease<T>(
  lease: LeaseLock | undefined,
  durationSeconds: number,
  logger: Logger,
  fn: (lock: SyncLock | undefined) => Promise<T>,
): Promise<Locked<T>> {
  if (!lease) return { locked: false, value: await fn(undefined) };
  let timer: NodeJS.Timeout | undefined;
  let refused: { holder: string; expiresAt: string } | undefined;
  const lock: SyncLock = {
    async take() {
      if (timer) return { ok: true };
      let got: AcquireResult;
      try {
        got = await lease.acquire();
      } catch (err) {
        // An API failure (timeout, 5xx after retries, RBAC) is not "another sync holds it".
        const transient = err instanceof ClusterError || err instanceof ModsyncError ? err.transient : false;
        const message = `cannot take the lock, the Lease request failed: ${messageOf(err)}; nothing was written`;
        throw new ModsyncError('LockFailed', message, { transient, cause: err });
      }
      if (!got.acquired) {
        refused = { holder: got.holder, expiresAt: got.expiresAt };
        logger.warn(refused, 'another sync holds the lease; nothing done');
        return { ok: false, ...refused };
      }
      timer = setInterval(
        () => {
          lease.renew().then(
            (ok) => ok || logger.error('lease lost during the sync'),
            (err: unknown) => logger.warn({ err: messageOf(err) }, 'lease renewal failed'),
          );
        },
        Math.max(1000, (durationSeconds * 1000) / 3),
      );
      return { ok: true };
    },
  };
  try {
    const value = await fn(lock);
    return refused ? { locked: true, ...refused } : { locked: false, value };
  } finally {
    if (timer) {
      clearInterval(timer);
      await lease
        .release()
        .catch((err: unknown) =>
          logger.error(
            { err: messageOf(err), expiresIn: `${durationSeconds}s` },
            'lease release failed; the next syncs wait until it expires',
          ),
        );
    }
  }
}
