/**
 * Adopting objects that kubectl (or a person) made. The API server removes a field an applier
 * stops sending only if no other manager owns it (structured-merge-diff `merge/update.go`:
 * prune, then add back what other managers own), and kubectl's managers keep owning every field
 * they wrote. Like Flux's ssa manager (fluxcd/pkg `ssa/patch.go`, patchReplaceFieldsManagers /
 * patchRemoveAnnotations), modsync sends a JSON patch of `metadata.managedFields` before its
 * apply: the manual managers' entries lose the fields modsync applies, and the
 * `last-applied-configuration` annotation goes. The API server takes managed fields sent in an
 * update as the new ones when they decode and are not empty (k8s.io/apiserver fieldmanager,
 * decodeLiveOrNew), then tracks the update itself on top.
 *
 * Also pure predictions for the planner (what a removal leaves behind) and the check of the
 * object the server returned.
 */
import type { FieldPath, PathElement } from './field-set.ts';
import { FieldSet, decodeFieldsV1, encodeFieldsV1, fieldElement } from './field-set.ts';
import { displayPath, valueAt } from './field-set-walk.ts';
import type { JsonValue, KubeObject, ManagedFieldsEntry } from './object.ts';
import { FIELD_MANAGER } from './ownership.ts';

/** kubectl's client-side apply annotation (dropped on takeover, as Flux does). */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Managers taken over by default (`sync.takeOverManagers`): kubectl's client-side apply,
 * create, edit, patch, server-side apply (`kubectl`), and the placeholder the API server
 * gives fields that existed before the first server-side apply.
 */
export const DEFAULT_TAKEOVER_MANAGERS: readonly string[] = [
  'kubectl-client-side-apply',
  'kubectl-create',
  'kubectl-edit',
  'kubectl-patch',
  'kubectl',
  'before-first-apply',
];

/** One RFC 6902 operation. */
export interface JsonPatchOp {
  op: 'test' | 'replace' | 'remove' | 'add';
  path: string;
  value?: JsonValue;
}

/**
 * Deckhouse's own writers: the `deckhouse-controller` binary (client-go names the manager
 * after it, deckhouse-controller/cmd/deckhouse-controller) and other `deckhouse-*` components.
 * Their fields are never taken over, whatever `sync.takeOverManagers` lists.
 */
export function isControllerManager(manager: string): boolean {
  return manager === 'deckhouse' || manager.startsWith('deckhouse-');
}

const ANNOTATION_PATH: FieldPath = [
  fieldElement('metadata'),
  fieldElement('annotations'),
  fieldElement(LAST_APPLIED_ANNOTATION),
];

const SEP = '\u0000';
const keyOf = (p: FieldPath): string => p.join(SEP);

function isModsyncApply(e: ManagedFieldsEntry, manager: string): boolean {
  return e.manager === manager && e.operation === 'Apply' && !e.subresource;
}

/** Whether an entry is one of the manual managers to take over. */
function takenOver(e: ManagedFieldsEntry, managers: readonly string[], manager: string): boolean {
  return !e.subresource && e.manager !== manager && managers.includes(e.manager) && !isControllerManager(e.manager);
}

/**
 * `set` without `take`, and without the containers `take` reaches into that are left with
 * nothing of their own below them (the map kubectl saw appear, `".": {}`, whose contents modsync
 * now applies).
 */
function narrow(set: FieldSet, take: FieldSet, takePrefixes: Set<string>): FieldSet {
  const kept = set.difference(take);
  const paths = kept.paths().sort((a, b) => b.length - a.length);
  for (const p of paths) {
    const key = keyOf(p);
    if (!takePrefixes.has(key)) continue;
    const below = kept.paths().some((q) => q.length > p.length && keyOf(q.slice(0, p.length)) === key);
    if (!below) kept.delete(p);
  }
  return kept;
}

function prefixesOf(set: FieldSet): Set<string> {
  const out = new Set<string>();
  for (const p of set.paths()) for (let i = 1; i < p.length; i++) out.add(keyOf(p.slice(0, i)));
  return out;
}

/** Options of takeoverPatch and predictKept. */
export interface TakeoverOptions {
  /** Managers to take over (`sync.takeOverManagers`); controller managers are skipped. */
  managers: readonly string[];
  /** modsync's field manager (default `modsync`). */
  manager?: string;
  /** Time of a modsync entry the patch has to create (default: now). */
  now?: string;
}

interface Narrowed {
  entries: ManagedFieldsEntry[];
  changed: boolean;
  /** The fields the manual managers gave up. */
  taken: FieldSet;
}

/** The live entries after the takeover (entries left empty removed). */
function narrowEntries(live: KubeObject, fields: FieldSet, opts: TakeoverOptions): Narrowed {
  const manager = opts.manager ?? FIELD_MANAGER;
  const entries = live.metadata.managedFields ?? [];
  const mine = entries.find((e) => isModsyncApply(e, manager));
  // What modsync applies now and applied before: a field it used to apply and drops now must
  // lose its manual co-owners too, or the removal would not happen.
  let take = fields.union(decodeFieldsV1(mine?.fieldsV1));
  take = take.union(new FieldSet([ANNOTATION_PATH]));
  const takePrefixes = prefixesOf(take);
  const out: ManagedFieldsEntry[] = [];
  const taken = new FieldSet();
  let changed = false;
  for (const e of entries) {
    const manual = takenOver(e, opts.managers, manager);
    if (!manual && (e.subresource || isModsyncApply(e, manager))) {
      out.push(e);
      continue;
    }
    const set = decodeFieldsV1(e.fieldsV1);
    // Other managers only lose the annotation modsync removes.
    const next = manual ? narrow(set, take, takePrefixes) : set.difference(new FieldSet([ANNOTATION_PATH]));
    if (next.size === set.size) {
      out.push(e);
      continue;
    }
    changed = true;
    for (const p of set.paths()) if (!next.has(p) && fields.has(p)) taken.insert(p);
    if (next.size > 0) out.push({ ...e, fieldsV1: encodeFieldsV1(next) });
  }
  return { entries: out, changed, taken };
}

/** JSON Pointer escaping (RFC 6901). */
function pointerSegment(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * The JSON patch that takes the fields modsync applies (`fields`, and what its live Apply entry
 * holds) over from the manual managers: their entries narrowed (left empty: removed), the
 * last-applied annotation removed (and its field from every entry). First op: a `test` of
 * `metadata.resourceVersion`, so a concurrent write makes the patch fail instead of being
 * overwritten. Undefined when nothing needs taking over.
 *
 * The API server ignores an empty managedFields list in a request (it keeps the live one), so
 * when no entry would be left the fields taken move into a modsync Apply entry instead, as
 * Flux's patchReplaceFieldsManagers renames them; modsync's own apply then replaces that entry.
 */
export function takeoverPatch(live: KubeObject, fields: FieldSet, opts: TakeoverOptions): JsonPatchOp[] | undefined {
  if (opts.managers.length === 0) return undefined;
  const hasAnnotation = live.metadata.annotations?.[LAST_APPLIED_ANNOTATION] !== undefined;
  const manager = opts.manager ?? FIELD_MANAGER;
  const manual = (live.metadata.managedFields ?? []).some((e) => takenOver(e, opts.managers, manager));
  if (!manual && !hasAnnotation) return undefined;
  const { entries, changed, taken } = narrowEntries(live, fields, opts);
  if (!changed && !hasAnnotation) return undefined;
  const rv = live.metadata.resourceVersion ?? '';
  const ops: JsonPatchOp[] = [{ op: 'test', path: '/metadata/resourceVersion', value: rv }];
  if (changed) {
    if (entries.length === 0) {
      entries.push({
        manager,
        operation: 'Apply',
        apiVersion: live.apiVersion,
        time: opts.now ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        fieldsType: 'FieldsV1',
        fieldsV1: encodeFieldsV1(taken),
      });
    }
    ops.push({ op: 'replace', path: '/metadata/managedFields', value: entries as unknown as JsonValue });
  }
  if (hasAnnotation) {
    ops.push({ op: 'remove', path: `/metadata/annotations/${pointerSegment(LAST_APPLIED_ANNOTATION)}` });
  }
  return ops;
}

/** A field and the managers that own it (or something below it). */
export interface FieldOwners {
  path: FieldPath;
  /** Dotted form, as diffs show it: `spec.settings.replicas`. */
  field: string;
  managers: string[];
}

function ownersOf(
  entries: readonly ManagedFieldsEntry[],
  path: FieldPath,
  skip: (e: ManagedFieldsEntry) => boolean,
): string[] {
  const key = keyOf(path);
  const out: string[] = [];
  for (const e of entries) {
    if (e.subresource || skip(e)) continue;
    const paths = decodeFieldsV1(e.fieldsV1).paths();
    const owns = paths.some((p) => p.length >= path.length && keyOf(p.slice(0, path.length)) === key);
    if (owns && !out.includes(e.manager)) out.push(e.manager);
  }
  return out;
}

/**
 * Fields modsync stops applying (in its live Apply entry, not in `desiredFields`) that stay in
 * the cluster after the takeover because another manager still owns them (or something below
 * them), with those managers: the plan shows "kept by <manager>" instead of a removal.
 */
export function predictKept(
  live: KubeObject,
  desiredFields: FieldSet,
  takeOver: readonly string[],
  manager: string = FIELD_MANAGER,
): FieldOwners[] {
  const mine = (live.metadata.managedFields ?? []).find((e) => isModsyncApply(e, manager));
  if (!mine) return [];
  const dropped = decodeFieldsV1(mine.fieldsV1).difference(desiredFields);
  if (dropped.size === 0) return [];
  const after = narrowEntries(live, desiredFields, { managers: takeOver, manager }).entries;
  const out: FieldOwners[] = [];
  for (const path of dropped.paths()) {
    if (!valueAt(live, path).found) continue;
    const managers = ownersOf(after, path, (e) => isModsyncApply(e, manager));
    if (managers.length > 0) out.push({ path, field: displayPath(path), managers });
  }
  return out;
}

/**
 * After an apply: the fields that should be gone and are still in the object the server
 * returned, with the managers that own them (empty when nobody does: a default or a webhook).
 */
export function checkRemoved(
  returned: KubeObject,
  expectedGone: Iterable<FieldPath>,
  manager: string = FIELD_MANAGER,
): FieldOwners[] {
  const entries = returned.metadata.managedFields ?? [];
  const out: FieldOwners[] = [];
  for (const path of expectedGone) {
    if (!valueAt(returned, path).found) continue;
    const managers = ownersOf(entries, path, (e) => isModsyncApply(e, manager));
    out.push({ path: [...path] as PathElement[], field: displayPath(path), managers });
  }
  return out;
}
