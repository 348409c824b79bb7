/**
 * Apply stage: server-side apply of the planned creates, updates and adoptions, in plan order
 * (ModuleSource → ModuleUpdatePolicy → ModuleConfig), under field manager `modsync`. One
 * failing object does not stop the others; every entry comes back with its outcome.
 *
 * Apply uses `force`: git is the source of truth, so fields another manager changed are taken
 * back (the plan showed them as drift). Objects built with kubectl first get their manual
 * managers' claims narrowed (the plan's takeover patch), so a field later removed from git
 * really goes. The server's answer is checked: a field that should be gone and is still there
 * fails the entry, naming who keeps it.
 *
 * An object that needs a Module that does not exist yet (an enabled ModuleConfig whose source
 * was just created) is applied last: the stage polls one LIST of Modules until they appear,
 * within a bounded wait, then defers what is still missing to the next run.
 */
import { sleep as realSleep } from '../core/sleep.ts';
import { messageOf } from '../core/errors.ts';
import type { KubeObject } from '../core/object.ts';
import { DEFAULT_TAKEOVER_MANAGERS, takeoverPatch } from '../core/takeover.ts';
import { stillPresent } from './check.ts';
import type { PlannedEntry } from './plan.ts';
import type { SyncPorts } from './types.ts';

export interface ApplyStageOptions {
  /** Names of Modules that exist (from the read stage). */
  modules: ReadonlySet<string>;
  moduleWaitMs: number;
  /** Poll interval while waiting for Modules. */
  pollMs?: number;
  /** Managers taken over (to recompute a takeover the object moved under); default kubectl's. */
  takeOverManagers?: readonly string[];
}

/** The entries with their outcomes, and the objects the server stored (for the report). */
export interface ApplyResult {
  entries: PlannedEntry[];
  stored: KubeObject[];
}

/** Applies every planned entry with an apply intent; other entries pass through unchanged. */
export async function applyStage(
  entries: readonly PlannedEntry[],
  ports: SyncPorts,
  opts: ApplyStageOptions,
): Promise<ApplyResult> {
  const stored: KubeObject[] = [];
  const out = [...entries];
  const modules = new Set(opts.modules);
  const waiting: number[] = [];
  for (const [i, e] of out.entries()) {
    if (e.outcome !== 'planned' || !e.apply) continue;
    if (e.apply.requiredModule && !modules.has(e.apply.requiredModule)) waiting.push(i);
    else out[i] = await applyOne(e, ports, stored, opts);
  }
  if (!waiting.length) return { entries: out, stored };

  const names = waiting.map((i) => out[i]!.apply!.requiredModule!);
  ports.logger.info(
    { modules: names, waitMs: opts.moduleWaitMs },
    'waiting for Modules to appear before enabling them',
  );
  const present = await waitForModules(names, ports, opts);
  for (const i of waiting) {
    const e = out[i]!;
    const name = e.apply!.requiredModule!;
    if (present.has(name)) {
      out[i] = await applyOne(e, ports, stored, opts);
      continue;
    }
    ports.logger.warn({ subject: e.subject, reason: 'ModuleNotFound' }, 'apply deferred');
    const message = `Module/${name} does not exist yet (its ModuleSource has not published it); deferred to the next run`;
    out[i] = { ...e, outcome: 'deferred', message };
  }
  return { entries: out, stored };
}

/** Polls one LIST of Modules until every name exists or the wait is over; returns those present. */
async function waitForModules(names: string[], ports: SyncPorts, opts: ApplyStageOptions): Promise<Set<string>> {
  const sleep = ports.sleep ?? realSleep;
  const deadline = Date.now() + opts.moduleWaitMs;
  for (;;) {
    const present = new Set((await ports.cluster.list('Module')).map((m) => m.metadata.name));
    if (names.every((n) => present.has(n)) || Date.now() >= deadline) return present;
    await sleep(Math.min(opts.pollMs ?? 1000, Math.max(0, deadline - Date.now())));
  }
}

/**
 * Sends the plan's takeover patch. Its first op tests the listed resourceVersion, so when the
 * object moved meanwhile (a controller wrote its status) the patch is computed again from a
 * fresh read, once.
 */
async function takeOver(e: PlannedEntry, ports: SyncPorts, opts: ApplyStageOptions): Promise<void> {
  const intent = e.apply!;
  try {
    await ports.cluster.jsonPatch(e.id, intent.takeover!, { dryRun: false });
    return;
  } catch (err) {
    ports.logger.info({ subject: e.subject, err: messageOf(err) }, 'takeover patch refused; reading the object again');
  }
  const fresh = await ports.cluster.get(e.id);
  const ops =
    fresh && takeoverPatch(fresh, intent.fields, { managers: opts.takeOverManagers ?? DEFAULT_TAKEOVER_MANAGERS });
  if (ops) await ports.cluster.jsonPatch(e.id, ops, { dryRun: false });
}

async function applyOne(
  e: PlannedEntry,
  ports: SyncPorts,
  stored: KubeObject[],
  opts: ApplyStageOptions,
): Promise<PlannedEntry> {
  const log = ports.logger.child({ subject: e.subject, action: e.action });
  const intent = e.apply!;
  try {
    if (intent.takeover) {
      await takeOver(e, ports, opts);
      log.info('took over field ownership from manual field managers');
    }
    const answer = await ports.cluster.apply(intent.object, { dryRun: false, force: true });
    stored.push(answer);
    const stuck = stillPresent(answer, e);
    if (stuck.length) {
      const message = `applied, but the server kept ${stuck.join(', ')}: another field manager still owns it`;
      log.error({ kept: stuck }, 'apply left fields in place');
      return { ...e, outcome: 'failed', message };
    }
    const verb = e.action === 'create' ? 'created' : e.action === 'adopt' ? 'adopted' : 'configured';
    log.info({ destructive: e.destructive }, verb);
    return { ...e, outcome: 'applied' };
  } catch (err) {
    log.error({ err: messageOf(err) }, 'apply failed');
    return { ...e, outcome: 'failed', message: messageOf(err) };
  }
}
