/**
 * The delete half of the plan: objects this instance applied that left git, in reverse apply
 * order (ModuleConfig → ModuleUpdatePolicy → ModuleSource), with the uid and resourceVersion
 * of the listing as preconditions. Deckhouse's own objects, protected names and objects opted
 * out by annotation are listed as held, never deleted.
 */
import { entry } from '../core/change-set.ts';
import { APPLY_ORDER } from '../core/kinds.ts';
import type { KubeObject, ManagedObjectId, ObjectId } from '../core/object.ts';
import { subjectOf } from '../core/object.ts';
import { isHeritage, isOwnedBy, isProtected, pruneDisabled, PRUNE_ANNOTATION } from '../core/ownership.ts';
import type { PlanInput, PlannedEntry } from './plan.ts';

/** Why a prune candidate is kept, if it is. */
function pruneHoldReason(obj: KubeObject, id: ObjectId, protectedNames: readonly string[]): string | undefined {
  if (isHeritage(obj)) return 'managed by Deckhouse; modsync does not write it (not pruned)';
  if (isProtected(id, protectedNames)) return 'protected: modsync never deletes it (not pruned)';
  if (pruneDisabled(obj)) return `annotated ${PRUNE_ANNOTATION}: disabled (not pruned)`;
  return undefined;
}

/** Planned deletes (and held ones) for owned objects no longer in git. */
export function planPrune(input: Pick<PlanInput, 'desired' | 'live' | 'instance' | 'protectedNames'>): PlannedEntry[] {
  const wanted = new Set(input.desired.map((d) => subjectOf(d.id)));
  const out: PlannedEntry[] = [];
  for (const kind of [...APPLY_ORDER].reverse()) {
    for (const obj of input.live.get(kind) ?? []) {
      const id: ManagedObjectId = { kind, name: obj.metadata.name };
      if (!isOwnedBy(obj, input.instance) || wanted.has(subjectOf(id))) continue;
      // Already being deleted: nothing to do, and no point in listing it.
      if (obj.metadata.deletionTimestamp) continue;
      const held = pruneHoldReason(obj, id, input.protectedNames);
      if (held) {
        out.push(entry(id, 'delete', 'held', { destructive: 'delete', message: held }));
        continue;
      }
      const remove = { uid: obj.metadata.uid, resourceVersion: obj.metadata.resourceVersion };
      out.push({ ...entry(id, 'delete', 'planned', { destructive: 'delete' }), remove });
    }
  }
  return out;
}
