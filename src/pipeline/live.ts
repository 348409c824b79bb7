/**
 * The cluster after the run's own writes, without reading it again: what the server answered
 * to each apply replaces the listed object, and deleted objects leave their list. The status
 * report is rendered from this, so it describes the cluster the run left behind.
 */
import type { ClusterKind } from '../core/kinds.ts';
import type { KubeObject } from '../core/object.ts';
import type { PlannedEntry } from './plan.ts';
import type { LiveState } from './types.ts';

/** `live` with the stored objects put in and the deleted ones taken out. */
export function afterWrites(
  live: LiveState,
  stored: readonly KubeObject[],
  entries: readonly PlannedEntry[],
): LiveState {
  const next: LiveState = new Map([...live].map(([kind, objects]) => [kind, [...objects]]));
  for (const obj of stored) {
    const kind = obj.kind as ClusterKind;
    const list = next.get(kind) ?? [];
    const i = list.findIndex((o) => o.metadata.name === obj.metadata.name);
    if (i >= 0) list[i] = obj;
    else list.push(obj);
    next.set(kind, list);
  }
  for (const e of entries) {
    if (e.action !== 'delete' || e.outcome !== 'applied') continue;
    const list = next.get(e.id.kind);
    if (list)
      next.set(
        e.id.kind,
        list.filter((o) => o.metadata.name !== e.id.name),
      );
  }
  return next;
}
