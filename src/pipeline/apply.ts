/**
 * Apply stage: server-side apply of the objects the plan found drifted, in order
 * ModuleSource → ModuleUpdatePolicy → ModuleConfig, under field manager `modsync`. One failing
 * object does not stop the others; each entry records its own outcome.
 *
 * Apply uses `force`: git is the source of truth, so fields another manager changed are taken
 * back (the plan showed them as drift). An enabled ModuleConfig whose Module does not exist
 * yet (its ModuleSource was just created) waits a bounded time for the controller to publish
 * it, because Deckhouse's webhook rejects enabling an unknown module; after that it is
 * deferred to the next run.
 */
import type { ChangeEntry } from '../core/change-set.ts';
import { messageOf } from '../core/errors.ts';
import type { KubeObject } from '../core/object.ts';
import type { SyncPorts } from './types.ts';

export interface ApplyItem {
  entry: ChangeEntry;
  /** The object to apply (ownership label included, placeholders resolved). */
  object: KubeObject;
}

export interface ApplyStageOptions {
  /** Names of Modules that exist (from the read stage). */
  modules: Set<string>;
  moduleWaitMs: number;
  /** Poll interval while waiting for a Module. */
  pollMs?: number;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for `Module/<name>` to exist; true when it does within the budget. */
async function waitForModule(name: string, ports: SyncPorts, opts: ApplyStageOptions): Promise<boolean> {
  const sleep = ports.sleep ?? realSleep;
  const deadline = Date.now() + opts.moduleWaitMs;
  for (;;) {
    if (await ports.cluster.get({ kind: 'Module', name })) return true;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(opts.pollMs ?? 1000, Math.max(0, deadline - Date.now())));
  }
}

/** An enabled ModuleConfig: Deckhouse's webhook rejects creating one before its Module exists. */
export function needsModule(obj: KubeObject): boolean {
  return obj.kind === 'ModuleConfig' && obj.spec?.enabled === true;
}

export async function applyStage(items: ApplyItem[], ports: SyncPorts, opts: ApplyStageOptions): Promise<ChangeEntry[]> {
  const results: ChangeEntry[] = [];
  for (const { entry, object } of items) {
    const log = ports.logger.child({ subject: entry.subject, action: entry.action });
    if (needsModule(object) && !opts.modules.has(object.metadata.name)) {
      log.info({ waitMs: opts.moduleWaitMs }, 'waiting for the Module to appear before enabling it');
      if (!(await waitForModule(object.metadata.name, ports, opts))) {
        const message = `Module/${object.metadata.name} does not exist yet (its ModuleSource has not published it); deferred to the next run`;
        log.warn({ reason: 'ModuleNotFound' }, 'apply deferred');
        results.push({ ...entry, outcome: 'deferred', message });
        continue;
      }
      opts.modules.add(object.metadata.name);
    }
    try {
      await ports.cluster.apply(object, { dryRun: false, force: true });
      log.info({ destructive: entry.destructive }, entry.action === 'create' ? 'created' : 'configured');
      results.push({ ...entry, outcome: 'applied' });
    } catch (err) {
      log.error({ err: messageOf(err) }, 'apply failed');
      results.push({ ...entry, outcome: 'failed', message: messageOf(err) });
    }
  }
  return results;
}
