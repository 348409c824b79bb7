/**
 * The cluster's word on a plan before anything is written, in every mode (plan, --dry-run and
 * sync alike, so `plan` is a true prefix of `sync`): each object the plan would write is
 * checked against the schema the cluster itself serves. A field an older Deckhouse does not
 * declare, or a value it does not accept, is a per-object error naming the field, never sent
 * and never retried. Nothing is asked when nothing would be written.
 *
 * There is no server-side dry run: the plan is decided locally from the managedFields the
 * LISTs returned, and objects planned in one run depend on each other (a ModuleConfig on the
 * ModuleUpdatePolicy created before it), which a dry run before the writes would refuse.
 */
import type { KubeObject } from '../core/object.ts';
import { checkRemoved } from '../core/takeover.ts';
import type { Plan, PlannedEntry } from './plan.ts';

/** Problems of one object against the cluster's served schema (empty: acceptable). */
export type ClusterSchemaCheck = (obj: KubeObject) => string[];

/** Entries that would write: planned, with an apply intent. */
export function pendingApplies(entries: readonly PlannedEntry[]): PlannedEntry[] {
  return entries.filter((e) => e.outcome === 'planned' && e.apply);
}

/** The plan with every pending apply checked against the cluster's schema; refused ones fail. */
export function checkPlan(plan: Plan, check: ClusterSchemaCheck): Plan {
  const entries = plan.entries.map((e) => {
    if (e.outcome !== 'planned' || !e.apply) return e;
    const problems = check(e.apply.object);
    return problems.length ? { ...e, outcome: 'failed' as const, message: problems.join('; ') } : e;
  });
  return { entries };
}

/** Fields the entry should remove that `obj` still has, with the managers that own them. */
export function stillPresent(obj: KubeObject, e: PlannedEntry): string[] {
  return checkRemoved(obj, e.apply?.removes ?? []).map((k) =>
    k.managers.length ? `${k.field} (owned by ${k.managers.join(', ')})` : k.field,
  );
}
