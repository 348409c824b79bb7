/**
 * Bookkeeping around managedFields entries shared by apply and update: which paths are never
 * tracked (the apiserver's stripMeta), which part of the object a subresource write may own, and
 * the order the apiserver stores entries in.
 */
import { difference, emptySet, insertPath, type FieldSet } from './fieldset-path.ts';
import type { ManagedFieldsEntry } from './types.ts';

/** One manager's entry with its decoded set; `original` is the stored entry, reused when nothing changed. */
export interface Owner {
  entry: ManagedFieldsEntry;
  set: FieldSet;
  original: ManagedFieldsEntry | undefined;
}

const UNTRACKED: FieldSet = (() => {
  const s = emptySet();
  insertPath(s, ['f:apiVersion']);
  insertPath(s, ['f:kind']);
  insertPath(s, ['f:metadata']);
  // The apiserver's stripMeta list, plus the deletion fields only DELETE sets (it records no ownership either).
  for (const f of [
    'name',
    'namespace',
    'creationTimestamp',
    'selfLink',
    'uid',
    'clusterName',
    'generation',
    'managedFields',
    'resourceVersion',
    'deletionTimestamp',
    'deletionGracePeriodSeconds',
  ]) {
    insertPath(s, ['f:metadata', `f:${f}`]);
  }
  return s;
})();

/** Removes the paths that are never part of a stored set (apiVersion, kind, metadata.name, uid...). */
export function stripMeta(set: FieldSet): FieldSet {
  return difference(set, UNTRACKED);
}

/** Keeps only `status` for a status-subresource write, everything but `status` otherwise. */
export function restrictToSubresource(set: FieldSet, subresource: 'status' | undefined): FieldSet {
  const out = emptySet();
  if (subresource === 'status') {
    if (set.members.has('f:status')) out.members.add('f:status');
    const child = set.children.get('f:status');
    if (child) out.children.set('f:status', child);
    return out;
  }
  for (const m of set.members) if (m !== 'f:status') out.members.add(m);
  for (const [pe, child] of set.children) if (pe !== 'f:status') out.children.set(pe, child);
  return out;
}

function seconds(time: string): number {
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The apiserver's entry order: Apply before Update, then by time (seconds), manager, apiVersion, subresource. */
export function sortEntries(entries: ManagedFieldsEntry[]): ManagedFieldsEntry[] {
  return [...entries].sort(
    (p, q) =>
      cmp(p.operation, q.operation) ||
      seconds(p.time) - seconds(q.time) ||
      cmp(p.manager, q.manager) ||
      cmp(p.apiVersion, q.apiVersion) ||
      cmp(p.subresource ?? '', q.subresource ?? ''),
  );
}
