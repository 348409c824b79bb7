/**
 * Guard stage: a budget on destructive changes (deletes, disables, registry changes, source
 * switches). A deletion wave usually means a bad merge or a wrong path, so when there are more
 * destructive changes than the budget allows, all of them wait for a human and the rest of
 * the plan still goes ahead.
 */
import type { ChangeEntry, ChangeSet } from '../core/change-set.ts';
import { sameId } from '../core/object.ts';
import type { Plan } from './plan.ts';

export interface GuardOptions {
  /** Most destructive changes one run may make (`--max-destructive`). */
  maxDestructive: number;
}

export interface GuardResult {
  /** The same entries, destructive ones `held` when over budget. */
  changes: ChangeSet;
  /** The entries this guard held (empty within budget). */
  held: ChangeEntry[];
}

function isPlannedDestructive(c: ChangeEntry): boolean {
  return c.outcome === 'planned' && c.action !== 'unchanged' && c.destructive !== undefined;
}

/** Holds every planned destructive change when their number exceeds the budget. */
export function guard(changes: ChangeSet, opts: GuardOptions): GuardResult {
  const destructive = changes.filter(isPlannedDestructive);
  if (destructive.length <= opts.maxDestructive) return { changes: [...changes], held: [] };
  const message = `held back: ${destructive.length} destructive changes exceed the budget of ${opts.maxDestructive} (--max-destructive)`;
  const held: ChangeEntry[] = [];
  const out = changes.map((c) => {
    if (!isPlannedDestructive(c)) return c;
    const h: ChangeEntry = { ...c, outcome: 'held', message };
    held.push(h);
    return h;
  });
  return { changes: out, held };
}

/** The plan with the guard applied: held entries are dropped from what gets applied and deleted. */
export function guardPlan(plan: Plan, opts: GuardOptions): Plan & { held: ChangeEntry[] } {
  const { changes, held } = guard(plan.changes, opts);
  const isHeld = (id: Plan['toApply'][number]['id'], del: boolean) =>
    held.some((h) => sameId(h.id, id) && (h.action === 'delete') === del);
  return {
    changes,
    held,
    toApply: plan.toApply.filter((a) => !isHeld(a.id, false)),
    toDelete: plan.toDelete.filter((d) => !isHeld(d.id, true)),
  };
}
