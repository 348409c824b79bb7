/**
 * Prune stage: deletes objects this instance applied that left git, in reverse apply order
 * (ModuleConfig → ModuleUpdatePolicy → ModuleSource). The plan already chose the candidates
 * from the LISTed objects (owned label, not protected, not opted out); each delete carries
 * the uid and resourceVersion of that listing as preconditions, so an object that was
 * recreated or changed since is never deleted by mistake. Returns every entry, also when
 * some deletes fail.
 */
import type { ChangeEntry } from '../core/change-set.ts';
import { messageOf } from '../core/errors.ts';
import type { SyncPorts } from './types.ts';

export interface PruneItem {
  entry: ChangeEntry;
  uid?: string;
  resourceVersion?: string;
}

export async function pruneStage(items: PruneItem[], ports: SyncPorts): Promise<ChangeEntry[]> {
  const results: ChangeEntry[] = [];
  for (const { entry, uid, resourceVersion } of items) {
    const log = ports.logger.child({ subject: entry.subject, action: 'delete' });
    try {
      await ports.cluster.delete(entry.id, { dryRun: false, uid, resourceVersion });
      log.info('deleted');
      results.push({ ...entry, outcome: 'applied' });
    } catch (err) {
      log.error({ err: messageOf(err) }, 'delete failed');
      results.push({ ...entry, outcome: 'failed', message: messageOf(err) });
    }
  }
  return results;
}
