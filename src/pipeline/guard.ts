/**
 * Guard stage: a budget on destructive changes (deletes, disables, registry changes, source
 * switches). A deletion wave usually means a bad merge or a wrong path, so when there are more
 * destructive changes than the budget allows, all of them wait for a human and the rest of
 * the plan still goes ahead. The guard only sets `held`; it never drops an entry.
 */
import type { ChangeEntry } from '../core/change-set.ts';

export interface GuardOptions {
  /** Most destructive changes one run may make (`--max-destructive`). */
  maxDestructive: number;
}

function isPlannedDestructive(c: ChangeEntry): boolean {
  return c.outcome === 'planned' && c.action !== 'unchanged' && c.destructive !== undefined;
}

/** The same entries, every planned destructive one `held` when their number exceeds the budget. */
export function guard<T extends ChangeEntry>(entries: readonly T[], opts: GuardOptions): T[] {
  const destructive = entries.filter(isPlannedDestructive);
  if (destructive.length <= opts.maxDestructive) return [...entries];
  const message = `held back: ${destructive.length} destructive changes exceed the budget of ${opts.maxDestructive} (--max-destructive)`;
  return entries.map((c) => (isPlannedDestructive(c) ? { ...c, outcome: 'held', message } : c));
}
