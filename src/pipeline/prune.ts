/**
 * Prune stage: deletes objects this instance applied that left git, in reverse apply order
 * (ModuleConfig → ModuleUpdatePolicy → ModuleSource). The plan already chose the candidates
 * from the LISTed objects (owned label, not protected, not opted out); each delete carries
 * the uid and resourceVersion of that listing as preconditions, so an object that was
 * recreated or changed since is never deleted by mistake.
 *
 * Deckhouse refuses to delete a ModuleUpdatePolicy while a ModuleConfig still refers to it, and
 * a deleted ModuleConfig lingers until the controller drops its finalizer. So before moving on
 * to the next kind, the stage waits (bounded) until the objects it just deleted are gone; that
 * way one run converges instead of failing on its own ordering. Returns every entry, also when
 * some deletes fail.
 */
import type { ChangeEntry } from '../core/change-set.ts';
import { messageOf } from '../core/errors.ts';
import type { ObjectId } from '../core/object.ts';
import type { SyncPorts } from './types.ts';

export interface PruneItem {
  entry: ChangeEntry;
  uid?: string;
  resourceVersion?: string;
}

export interface PruneOptions {
  /** How long to wait for deleted objects to disappear before deleting the next kind. */
  waitMs: number;
  pollMs?: number;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitGone(ids: ObjectId[], ports: SyncPorts, opts: PruneOptions): Promise<void> {
  const sleep = ports.sleep ?? realSleep;
  const deadline = Date.now() + opts.waitMs;
  let pending = ids;
  while (pending.length && Date.now() < deadline) {
    const still: ObjectId[] = [];
    for (const id of pending) if (await ports.cluster.get(id).catch(() => null)) still.push(id);
    pending = still;
    if (pending.length) await sleep(opts.pollMs ?? 250);
  }
  if (pending.length) ports.logger.warn({ objects: pending.map((p) => `${p.kind}/${p.name}`) }, 'deleted objects still present (finalizers); continuing');
}

export async function pruneStage(items: PruneItem[], ports: SyncPorts, opts: PruneOptions): Promise<ChangeEntry[]> {
  const results: ChangeEntry[] = [];
  let deletedOfKind: ObjectId[] = [];
  for (const { entry, uid, resourceVersion } of items) {
    if (deletedOfKind.length && deletedOfKind[0]!.kind !== entry.id.kind) {
      await waitGone(deletedOfKind, ports, opts);
      deletedOfKind = [];
    }
    const log = ports.logger.child({ subject: entry.subject, action: 'delete' });
    try {
      await ports.cluster.delete(entry.id, { dryRun: false, uid, resourceVersion });
      log.info('deleted');
      results.push({ ...entry, outcome: 'applied' });
      deletedOfKind.push(entry.id);
    } catch (err) {
      log.error({ err: messageOf(err) }, 'delete failed');
      results.push({ ...entry, outcome: 'failed', message: messageOf(err) });
    }
  }
  return results;
}
