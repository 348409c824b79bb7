/**
 * Lock stage: the cross-process Lease a writing sync takes just before its first cluster
 * write. Another holder is `Locked` (exit 3: nothing was done, the holder reports); a Lease
 * request that fails for an API reason is the runner's `LockFailed`.
 */
import { StageFailure } from './stage.ts';
import type { SyncLock } from './types.ts';

/** Takes the lock or fails the run with `Locked`, naming the holder. */
export async function lockStage(lock: SyncLock): Promise<void> {
  const got = await lock.take();
  if (!got.ok)
    throw new StageFailure(
      'Locked',
      `another sync holds the lease (${got.holder}, until ${got.expiresAt}); nothing was written`,
    );
}
