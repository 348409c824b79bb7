/**
 * Prune stage: carries out the plan's deletes (entries with a `remove` intent still planned),
 * in reverse apply order (ModuleConfig → ModuleUpdatePolicy → ModuleSource). The plan already
 * chose the candidates from the LISTed objects (owned label, not protected, not opted out);
 * each delete carries the uid and resourceVersion of that listing as preconditions, so an
 * object that was recreated or changed since is never deleted by mistake.
 *
 * Deckhouse refuses to delete a ModuleUpdatePolicy while a ModuleConfig still refers to it, and
 * a deleted ModuleConfig lingers until the controller drops its finalizer. So before moving on
 * to the next kind, the stage waits (bounded) until the objects it just deleted are gone; that
 * way one run converges instead of failing on its own ordering (one LIST of the kind per poll).
 * Returns every entry with its outcome, also when some deletes fail.
 */
import { sleep as realSleep } from '../core/sleep.ts';
import { ClusterError, ModsyncError, messageOf } from '../core/errors.ts';
import { isOwnedBy, pruneDisabled } from '../core/ownership.ts';
import type { ManagedKind } from '../core/kinds.ts';
import type { ObjectId } from '../core/object.ts';
import type { PlannedEntry } from './plan.ts';
import type { SyncPorts } from './types.ts';

export interface PruneOptions {
  /** This instance's ownership label value, checked again before a delete is retried. */
  instance: string;
  /** How long to wait for deleted objects to disappear before deleting the next kind. */
  waitMs: number;
  pollMs?: number;
}

async function waitGone(ids: ObjectId[], ports: SyncPorts, opts: PruneOptions): Promise<void> {
  const sleep = ports.sleep ?? realSleep;
  const deadline = Date.now() + opts.waitMs;
  let pending = ids;
  try {
    while (pending.length && Date.now() < deadline) {
      // One LIST of the kind per poll; only absence counts as gone.
      const names = new Set((await ports.cluster.list(pending[0]!.kind as ManagedKind)).map((o) => o.metadata.name));
      pending = pending.filter((id) => names.has(id.name));
      if (pending.length) await sleep(opts.pollMs ?? 250);
    }
  } catch (err) {
    ports.logger.warn({ err: messageOf(err) }, 'cannot tell whether deleted objects are gone; continuing');
    return;
  }
  if (pending.length)
    ports.logger.warn(
      { objects: pending.map((p) => `${p.kind}/${p.name}`) },
      'deleted objects still present (finalizers); continuing',
    );
}

/**
 * Deletes with the listed uid and resourceVersion as preconditions. When only the
 * resourceVersion moved (the controller wrote its status, a finalizer changed), the object is
 * read again and deleted if it is still the same object, still owned by this instance and not
 * opted out; anything else means somebody changed it on purpose, and it is kept.
 */
async function deleteChecked(entry: PlannedEntry, ports: SyncPorts, opts: PruneOptions): Promise<void> {
  const { uid, resourceVersion } = entry.remove!;
  try {
    await ports.cluster.delete(entry.id, { dryRun: false, uid, resourceVersion });
    return;
  } catch (err) {
    if (!(err instanceof ClusterError) || err.code !== 409) throw err;
  }
  const current = await ports.cluster.get(entry.id);
  if (!current) return;
  if (current.metadata.uid !== uid)
    throw new ModsyncError('PruneFailed', 'the object was replaced since it was listed; kept', {
      subject: entry.subject,
    });
  if (!isOwnedBy(current, opts.instance) || pruneDisabled(current)) {
    throw new ModsyncError(
      'PruneFailed',
      'the object changed since it was listed (no longer owned by this instance, or opted out); kept',
      { subject: entry.subject },
    );
  }
  await ports.cluster.delete(entry.id, { dryRun: false, uid, resourceVersion: current.metadata.resourceVersion });
}

/** Deletes every planned entry with a remove intent; other entries pass through unchanged. */
export async function pruneStage(
  entries: readonly PlannedEntry[],
  ports: SyncPorts,
  opts: PruneOptions,
): Promise<PlannedEntry[]> {
  const out = [...entries];
  let deletedOfKind: ObjectId[] = [];
  for (const [i, entry] of out.entries()) {
    if (entry.outcome !== 'planned' || !entry.remove) continue;
    if (deletedOfKind.length && deletedOfKind[0]!.kind !== entry.id.kind) {
      await waitGone(deletedOfKind, ports, opts);
      deletedOfKind = [];
    }
    const log = ports.logger.child({ subject: entry.subject, action: 'delete' });
    try {
      await deleteChecked(entry, ports, opts);
      log.info('deleted');
      out[i] = { ...entry, outcome: 'applied' };
      deletedOfKind.push(entry.id);
    } catch (err) {
      log.error({ err: messageOf(err) }, 'delete failed');
      out[i] = { ...entry, outcome: 'failed', message: messageOf(err) };
    }
  }
  return out;
}
