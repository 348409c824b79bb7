/**
 * The one result vocabulary: plan, apply, prune, approvals, logs, the status report and PR
 * bodies all speak in change-set entries `{subject, action, outcome, diff?}`.
 */
import type { ObjectId } from './object.ts';
import { subjectOf } from './object.ts';

/**
 * What a change does to an object. `adopt`: the live values already match git; modsync only
 * takes over the ownership of its fields (from kubectl or a person), no value changes.
 */
export type Action = 'create' | 'update' | 'adopt' | 'delete' | 'unchanged' | 'approve' | 'unapprove';

/**
 * What became of it: `planned` (plan / dry-run), `applied`, `held` (guard: budget or
 * protection), `deferred` (retried next run, e.g. waiting for a Module), `failed`.
 */
export type Outcome = 'planned' | 'applied' | 'held' | 'deferred' | 'failed';

/** Why a change counts as destructive (guarded by the destructive-change budget). */
export type DestructiveReason = 'delete' | 'disable' | 'registry-change' | 'source-switch';

/** One changed field, dotted path from the object root, values masked where secret. */
export interface FieldChange {
  path: string;
  before?: unknown;
  after?: unknown;
}

export interface ChangeEntry {
  id: ObjectId;
  subject: string;
  action: Action;
  outcome: Outcome;
  destructive?: DestructiveReason;
  diff?: FieldChange[];
  /** Human explanation for held/deferred/failed outcomes (never contains secret values). */
  message?: string;
  /** Where the desired object came from in git (`file:line`), when it did. */
  origin?: string;
}

export type ChangeSet = ChangeEntry[];

export function entry(id: ObjectId, action: Action, outcome: Outcome, extra: Partial<ChangeEntry> = {}): ChangeEntry {
  return { id, subject: subjectOf(id), action, outcome, ...extra };
}

/** Counts entries by action, e.g. for the summary line and metrics. */
export function countByAction(changes: ChangeSet): Record<Action, number> {
  const counts: Record<Action, number> = {
    create: 0,
    update: 0,
    adopt: 0,
    delete: 0,
    unchanged: 0,
    approve: 0,
    unapprove: 0,
  };
  for (const c of changes) counts[c.action] += 1;
  return counts;
}

export function hasChanges(changes: ChangeSet): boolean {
  return changes.some((c) => c.action !== 'unchanged');
}
