/**
 * Replays a sequence of writes through dkp-sim's managedFields functions (serverSideApply,
 * recordUpdate) the way dkp-sim's write path stores them: a main-resource update keeps the old
 * status, a status update changes nothing but status. Results have the oracle's shape.
 */
import { recordUpdate, serverSideApply } from '../dkp-sim/managed-fields.ts';
import type { Json, JsonMap, ManagedFieldsEntry, Obj, Schema } from '../dkp-sim/types.ts';
import type { OracleEntry, OracleOp, OracleResult } from './oracle.ts';

function withoutManagedFields(o: JsonMap): JsonMap {
  const c = structuredClone(o);
  const meta = c.metadata;
  if (meta && typeof meta === 'object' && !Array.isArray(meta)) delete meta.managedFields;
  return c;
}

/** RFC 7386 JSON merge patch, in place. */
export function mergePatch(target: JsonMap, patch: JsonMap): JsonMap {
  for (const [k, pv] of Object.entries(patch)) {
    if (pv === null) delete target[k];
    else if (typeof pv !== 'object' || Array.isArray(pv)) target[k] = structuredClone(pv);
    else {
      const t = target[k];
      target[k] = mergePatch(t && typeof t === 'object' && !Array.isArray(t) ? t : {}, pv);
    }
  }
  return target;
}

function afterStrategy(old: JsonMap, next: JsonMap, subresource: string | undefined): JsonMap {
  const out = structuredClone(subresource === 'status' ? old : next);
  const from = subresource === 'status' ? next : old;
  if (from.status !== undefined) out.status = structuredClone(from.status);
  else delete out.status;
  return out;
}

/** The entries in the oracle's shape and order; `touched` when the entry carries this op's time. */
export function entriesOf(entries: ManagedFieldsEntry[], now: string): OracleEntry[] {
  const out = entries.map((e) => {
    const { manager, operation, apiVersion } = e;
    const o: OracleEntry = { manager, operation, apiVersion, fieldsV1: e.fieldsV1 as JsonMap, touched: e.time === now };
    if (e.subresource) o.subresource = e.subresource;
    return o;
  });
  const key = (e: OracleEntry): string => `${e.operation}\u0000${e.manager}\u0000${e.subresource ?? ''}`;
  return out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** Runs the ops on dkp-sim; op i gets the time `2026-01-01T00:00:<i>Z`-like and a fresh `now`. */
export function runSim(schema: Schema, apiVersion: string, ops: OracleOp[]): OracleResult[] {
  let live: Obj | undefined;
  const results: OracleResult[] = [];
  ops.forEach((op, i) => {
    const now = new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString().replace('.000Z', 'Z');
    const subresource = op.subresource;
    if (op.operation === 'Apply') {
      const applied = (op.object ?? {}) as unknown as Obj;
      const { manager, force } = op;
      const res = serverSideApply({ live, applied, manager, force: !!force, schema, apiVersion, now, subresource });
      if (!res.ok) {
        results.push({ conflicts: res.conflicts.map((c) => ({ manager: c.manager, field: c.field })) });
        return;
      }
      live = res.object;
    } else {
      const old = live ? withoutManagedFields(live as unknown as JsonMap) : {};
      const sent = op.patch ? mergePatch(structuredClone(old), op.patch) : (op.object ?? {});
      const updated = afterStrategy(old, withoutManagedFields(sent), subresource) as unknown as Obj;
      const entries = recordUpdate({ old: live, updated, manager: op.manager, schema, apiVersion, now, subresource });
      live = structuredClone(updated);
      live.metadata = { ...live.metadata, managedFields: entries as unknown as Json } as Obj['metadata'];
      if (entries.length === 0) delete live.metadata.managedFields;
    }
    const stored = live.metadata.managedFields as unknown as ManagedFieldsEntry[] | undefined;
    const object = withoutManagedFields(live as unknown as JsonMap);
    results.push({ object, managedFields: entriesOf(stored ?? [], now) });
  });
  return results;
}
