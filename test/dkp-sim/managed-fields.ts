/**
 * managedFields on the server side: server-side apply and ownership tracking of ordinary writes,
 * following sigs.k8s.io/structured-merge-diff (merge.Updater: Apply, Update, prune) and
 * k8s.io/apiserver's field manager chain (stripMeta, managedFieldsUpdater, entry encoding and
 * ordering). Pure functions: inputs are never mutated.
 */
import {
  decodeFieldsV1,
  encodeFieldsV1,
  emptySet,
  intersection,
  isEmptySet,
  listPaths,
  pathString,
  setsEqual,
  union,
  difference,
  type FieldSet,
} from './fieldset-path.ts';
import {
  compareObjects,
  ensureNamedFieldsAreMembers,
  jsonEqual,
  mergeObjects,
  removeItems,
  resourceShape,
  toFieldSet,
} from './fieldset-typed.ts';
import { stripMeta, restrictToSubresource, sortEntries, type Owner } from './managed-fields-entries.ts';
import type { ApplyConflict, Json, JsonMap, ManagedFieldsEntry, Obj, Schema } from './types.ts';
import { cloneJson } from './clone.ts';

export { decodeFieldsV1, encodeFieldsV1 } from './fieldset-path.ts';

/** Arguments of a server-side apply (`PATCH` with `application/apply-patch+yaml`). */
export interface ServerSideApplyArgs {
  /** The stored object; undefined when the apply creates it. */
  live: Obj | undefined;
  /** The applied configuration (already decoded and pruned). */
  applied: Obj;
  manager: string;
  force: boolean;
  /** The CRD schema of the version applied. */
  schema: Schema;
  /** `group/version` recorded in the entries. */
  apiVersion: string;
  /** RFC 3339 time for entries that change. */
  now: string;
  subresource?: 'status';
}

/** An apply conflict with what the apiserver's message needs (`"m" using v` only for Update managers). */
export interface ManagedFieldsConflict extends ApplyConflict {
  operation: 'Apply' | 'Update';
  subresource?: string;
}

/**
 * How the apiserver names the other manager in a conflict (`conflict with <this>`):
 * `"m"` for appliers, `"m" using group/version` for updaters, plus `with subresource "status"`.
 * Never a time: the apiserver prints from the manager identifier (BuildManagerIdentifier), which
 * drops the entry's time, so printManager's `at <time>` branch is never taken.
 */
export function conflictManagerText(c: ManagedFieldsConflict): string {
  let who = JSON.stringify(c.manager);
  if (c.subresource) who += ` with subresource ${JSON.stringify(c.subresource)}`;
  return c.operation === 'Update' ? `${who} using ${c.apiVersion}` : who;
}

/**
 * The manager identifier the apiserver keys conflicts by (JSON of manager, operation, apiVersion
 * for updaters, subresource): a message with several managers lists them in this key's byte order.
 */
export function conflictManagerKey(c: ManagedFieldsConflict): string {
  const id: Record<string, string> = { manager: c.manager, operation: c.operation };
  if (c.operation === 'Update') id.apiVersion = c.apiVersion;
  if (c.subresource) id.subresource = c.subresource;
  return JSON.stringify(id);
}

/** Result of a server-side apply: the new object (managedFields included) or the conflicts. */
export type ServerSideApplyResult = { ok: true; object: Obj } | { ok: false; conflicts: ManagedFieldsConflict[] };

/** Arguments of recordUpdate (any non-apply write). */
export interface RecordUpdateArgs {
  /** The object before the write; undefined for a create. */
  old: Obj | undefined;
  /** The object about to be stored; its managedFields are honoured when a client sent them. */
  updated: Obj;
  manager: string;
  schema: Schema;
  apiVersion: string;
  now: string;
  subresource?: 'status';
}

function isMap(v: Json | undefined): v is JsonMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Decodes stored entries into owners (a garbled entry is skipped). */
function decodeEntries(entries: Json | undefined): Owner[] {
  if (!Array.isArray(entries)) return [];
  const out: Owner[] = [];
  for (const e of entries) {
    if (!isMap(e) || typeof e.manager !== 'string' || (e.operation !== 'Apply' && e.operation !== 'Update')) continue;
    const entry = cloneJson(e) as unknown as ManagedFieldsEntry;
    out.push({ entry, set: decodeFieldsV1(isMap(e.fieldsV1) ? e.fieldsV1 : {}), original: entry });
  }
  return out;
}

/** A copy of the object without managedFields (the field manager works on objects without them). */
function withoutManagedFields(o: Obj | undefined): JsonMap {
  if (!o) return {};
  const c = cloneJson(o) as unknown as JsonMap;
  const meta = c.metadata;
  if (isMap(meta)) delete meta.managedFields;
  return c;
}

function sameOwner(
  o: Owner,
  manager: string,
  operation: 'Apply' | 'Update',
  apiVersion: string,
  subresource: string | undefined,
): boolean {
  return (
    o.entry.manager === manager &&
    o.entry.operation === operation &&
    (o.entry.subresource ?? '') === (subresource ?? '') &&
    (operation === 'Apply' || o.entry.apiVersion === apiVersion)
  );
}

/** Builds the final entries: unchanged owners keep their entry (and time), changed ones are re-encoded. */
function encodeOwners(owners: Owner[]): ManagedFieldsEntry[] {
  const entries: ManagedFieldsEntry[] = [];
  for (const o of owners) {
    if (isEmptySet(o.set)) continue;
    if (o.original && setsEqual(o.set, decodeFieldsV1(o.original.fieldsV1)) && o.original.time === o.entry.time) {
      entries.push(cloneJson(o.original));
      continue;
    }
    const e: ManagedFieldsEntry = {
      manager: o.entry.manager,
      operation: o.entry.operation,
      apiVersion: o.entry.apiVersion,
      time: o.entry.time,
      fieldsType: 'FieldsV1',
      fieldsV1: encodeFieldsV1(o.set),
    };
    if (o.entry.time === undefined) delete (e as Partial<ManagedFieldsEntry>).time;
    if (o.entry.subresource) e.subresource = o.entry.subresource;
    entries.push(e);
  }
  return sortEntries(entries);
}

/** The applied configuration limited to what this endpoint may change (status only via /status, never via the main resource). */
function appliedPart(applied: Obj, subresource: 'status' | undefined): JsonMap {
  const c = withoutManagedFields(applied);
  if (subresource === 'status') {
    const meta = isMap(c.metadata) ? c.metadata : {};
    const out: JsonMap = {
      apiVersion: c.apiVersion ?? null,
      kind: c.kind ?? null,
      metadata: { name: meta.name ?? null },
    };
    if (meta.namespace !== undefined) (out.metadata as JsonMap).namespace = meta.namespace;
    if (c.status !== undefined) out.status = c.status;
    return out;
  }
  delete c.status;
  return c;
}

/**
 * merge.Updater.prune: fields the applier applied last time and no longer applies are removed,
 * unless another manager (or this apply) still owns them; fields nobody owns are left alone.
 */
function pruneDropped(merged: JsonMap, owners: FieldSet[], lastSet: FieldSet | undefined, shape: Schema): JsonMap {
  if (!lastSet || isEmptySet(lastSet)) return merged;
  const ensure = (s: FieldSet): FieldSet => ensureNamedFieldsAreMembers(s, shape);
  const asMap = (v: Json): JsonMap => (isMap(v) ? v : {});
  const last = ensure(lastSet);
  const mergedSet = ensure(toFieldSet(merged, shape));
  const managed = ensure(owners.reduce(union, emptySet()));
  const firstCut = asMap(removeItems(merged, last, shape));
  const ownedBack = asMap(
    removeItems(merged, difference(mergedSet, union(ensure(toFieldSet(firstCut, shape)), managed)), shape),
  );
  const dangling = intersection(difference(mergedSet, ensure(toFieldSet(ownedBack, shape))), last);
  return asMap(removeItems(merged, dangling, shape));
}

/**
 * Server-side apply: merges the applied configuration into the live object (maps key by key,
 * atomic lists whole, map/set lists by key/value), removes what this manager stopped applying
 * (unless someone else owns it), and checks conflicts: a field another manager owns that this
 * apply changes is a conflict unless `force` (which takes it over). The applier's Apply entry
 * becomes exactly the applied set. Unchanged entries keep their time, so a no-op apply returns
 * an object deep-equal to `live`. Status is untouched unless `subresource` is 'status', and then
 * only status changes.
 */
export function serverSideApply(args: ServerSideApplyArgs): ServerSideApplyResult {
  const shape = resourceShape(args.schema);
  const live = withoutManagedFields(args.live);
  const config = appliedPart(args.applied, args.subresource);
  const owners = decodeEntries(args.live?.metadata.managedFields);
  const mine = owners.find((o) => sameOwner(o, args.manager, 'Apply', args.apiVersion, args.subresource));
  const others = owners.filter((o) => o !== mine);
  // The applied set keeps metadata.name etc. while merging (it protects them from pruning); it is stripped when stored.
  const appliedSet = restrictToSubresource(toFieldSet(config, shape), args.subresource);
  const mergedValue = mergeObjects(live, config, shape);
  const merged = isMap(mergedValue) ? mergedValue : {};
  const next = pruneDropped(merged, [appliedSet, ...others.map((o) => o.set)], mine?.set, shape);

  const diff = compareObjects(live, next, shape);
  const changed = union(diff.modified, diff.added);
  const conflicts: ManagedFieldsConflict[] = [];
  for (const o of others) {
    const taken = intersection(o.set, changed);
    if (isEmptySet(taken)) continue;
    if (!args.force) {
      for (const p of listPaths(taken)) {
        const c: ManagedFieldsConflict = {
          manager: o.entry.manager,
          apiVersion: o.entry.apiVersion,
          field: pathString(p),
          operation: o.entry.operation,
        };
        if (o.entry.subresource) c.subresource = o.entry.subresource;
        conflicts.push(c);
      }
    }
    o.set = difference(o.set, taken);
  }
  if (conflicts.length > 0) return { ok: false, conflicts };
  for (const o of others) o.set = difference(o.set, diff.removed);

  const stored = stripMeta(appliedSet);
  const objectChanged = !jsonEqual(live, next);
  const setChanged = !mine || !setsEqual(mine.set, stored);
  // managedfieldsupdater.go (Apply) stamps the applier's time only when the object changed; an
  // apply that changes ownership alone keeps the old time, and a new applier gets none at all
  // (encodeManagedFields leaves Time nil when the manager has no time; kubernetes/kubernetes#127938,
  // still open: the fix in #127939 was closed unmerged).
  const time = objectChanged ? args.now : mine?.entry.time;
  const { manager, apiVersion } = args;
  const fields = { manager, operation: 'Apply', apiVersion, time, fieldsType: 'FieldsV1', fieldsV1: {} };
  const entry = fields as ManagedFieldsEntry;
  if (time === undefined) delete (entry as Partial<ManagedFieldsEntry>).time;
  if (args.subresource) entry.subresource = args.subresource;
  const applier: Owner = {
    entry,
    set: stored,
    original: mine && !setChanged && mine.entry.apiVersion === args.apiVersion ? mine.original : undefined,
  };
  const object = (objectChanged ? next : live) as unknown as Obj;
  const managedFields = encodeOwners([applier, ...others]);
  object.metadata = { ...object.metadata, managedFields: managedFields as unknown as Json } as Obj['metadata'];
  if (managedFields.length === 0) delete object.metadata.managedFields;
  return { ok: true, object };
}

/** True for the `[{}]` a client sends to wipe managedFields. */
function isReset(entries: Json | undefined): boolean {
  return Array.isArray(entries) && entries.length === 1 && isMap(entries[0]) && Object.keys(entries[0]).length === 0;
}

/**
 * managedFields after a non-apply write (create, PUT, merge/JSON patch, controller writes):
 * every manager loses the fields this write removed or changed; the writer's Update entry (one
 * per manager, apiVersion and subresource) gains what was added or changed, maps that appeared
 * count themselves (`".": {}`), and gets `now` as its time. Nothing changed: entries unchanged.
 * Client-sent managedFields are honoured on the main resource (`[{}]` resets them), ignored on
 * the status subresource.
 */
export function recordUpdate(args: RecordUpdateArgs): ManagedFieldsEntry[] {
  const shape = resourceShape(args.schema);
  const sent = args.updated.metadata.managedFields;
  let owners: Owner[];
  if (args.subresource !== 'status' && isReset(sent)) owners = [];
  else {
    const fromRequest = args.subresource === 'status' ? [] : decodeEntries(sent);
    owners = fromRequest.length > 0 ? fromRequest : decodeEntries(args.old?.metadata.managedFields);
  }
  const diff = compareObjects(withoutManagedFields(args.old), withoutManagedFields(args.updated), shape);
  const changed = union(diff.modified, diff.added);
  for (const o of owners) o.set = difference(difference(o.set, changed), diff.removed);
  const taken = stripMeta(restrictToSubresource(changed, args.subresource));
  if (!isEmptySet(taken)) {
    const prev = owners.find((o) => sameOwner(o, args.manager, 'Update', args.apiVersion, args.subresource));
    const entry: ManagedFieldsEntry = {
      manager: args.manager,
      operation: 'Update',
      apiVersion: args.apiVersion,
      time: args.now,
      fieldsType: 'FieldsV1',
      fieldsV1: {},
    };
    if (args.subresource) entry.subresource = args.subresource;
    if (prev) {
      prev.set = union(prev.set, taken);
      prev.entry = entry;
    } else {
      owners.push({ entry, set: taken, original: undefined });
    }
  }
  return encodeOwners(owners);
}
