/**
 * Plan stage: from the desired objects (git) and one LIST per kind (cluster) to a ChangeSet,
 * the objects to apply and the objects to delete. Pure: no requests. "Unchanged" is decided
 * locally from modsync's own managedFields entry, so a no-op run writes and reads nothing
 * more; objects that may have changed are listed for a server-side dry-run, whose exact
 * answer `refineWithDryRun` turns into the final diff.
 */
import type { ChangeEntry, ChangeSet } from '../core/change-set.ts';
import { entry } from '../core/change-set.ts';
import { diffFields, nextObject } from '../core/diff.ts';
import { ModsyncError } from '../core/errors.ts';
import { FieldSet, decodeFieldsV1 } from '../core/field-set.ts';
import { fieldSetOf } from '../core/field-set-walk.ts';
import type { ManagedKind } from '../core/kinds.ts';
import { APPLY_ORDER } from '../core/kinds.ts';
import type { KubeObject, ManagedObjectId, ObjectId } from '../core/object.ts';
import { sameId, subjectOf } from '../core/object.ts';
import {
  isHeritage,
  isOwnedBy,
  isProtected,
  modsyncApplyEntry,
  pruneDisabled,
  withOwnership,
  PRUNE_ANNOTATION,
} from '../core/ownership.ts';
import type { Redactor } from '../core/redact.ts';
import type { SchemaInfo } from '../core/schema-info.ts';
import { loadSchemaInfo } from '../core/schema-info.ts';
import type { KindHandler } from '../kinds/types.ts';

/** One object from git, converted to what modsync applies, placeholders resolved. */
export interface DesiredObject {
  id: ManagedObjectId;
  object: KubeObject;
  /** `file:line` in git. */
  origin?: string;
}

export interface PlanInput {
  /** Without the ownership label; the planner adds it. */
  desired: DesiredObject[];
  /** Live objects from one LIST per kind. */
  live: Map<ManagedKind, KubeObject[]>;
  /** Value of the ownership label (`--instance`). */
  instance: string;
  /** Whether owned objects absent from git are deleted. */
  prune: boolean;
  /** `Kind/name` entries never deleted or disabled. */
  protectedNames: string[];
  handlers: (kind: ManagedKind) => KindHandler;
  redactor?: Redactor;
  /** CRD schema facts; loaded from `crds/deckhouse` when not given (pass it in a daemon). */
  schemas?: SchemaInfo;
}

/** An object to server-side apply, with the field set the apply will own. */
export interface ApplyItem {
  id: ManagedObjectId;
  /** The desired object with the ownership label. */
  object: KubeObject;
  fields: FieldSet;
}

/** An object to delete, with preconditions so a changed or replaced object is not deleted. */
export interface DeleteItem {
  id: ManagedObjectId;
  uid: string | undefined;
  resourceVersion: string | undefined;
}

export interface Plan {
  /** Desired objects in apply order (MS → MUP → MC), then deletes in reverse order. */
  changes: ChangeSet;
  /** Creates and updates: what apply writes (and what plan / --dry-run check with a dry run). */
  toApply: ApplyItem[];
  toDelete: DeleteItem[];
}

const MSG_HERITAGE = 'managed by Deckhouse; modsync does not write it';
const MSG_OWNERSHIP_ONLY = 'field ownership only: live values already match, modsync takes over its fields';

function kindRank(kind: string): number {
  const i = (APPLY_ORDER as readonly string[]).indexOf(kind);
  return i < 0 ? APPLY_ORDER.length : i;
}

/** Computes the plan; throws ModsyncError(PlanFailed) when a kind's schema is unknown. */
export function planChanges(input: PlanInput): Plan {
  const schemas = input.schemas ?? loadSchemaInfo();
  const plan: Plan = { changes: [], toApply: [], toDelete: [] };
  const liveBySubject = new Map<string, KubeObject>();
  for (const objs of input.live.values()) for (const o of objs) liveBySubject.set(`${o.kind}/${o.metadata.name}`, o);

  const desired = [...input.desired].sort((a, b) => kindRank(a.id.kind) - kindRank(b.id.kind));
  for (const d of desired) {
    const e = planOne(d, liveBySubject.get(subjectOf(d.id)), input, schemas, plan);
    if (d.origin) e.origin = d.origin;
    plan.changes.push(e);
  }
  if (input.prune) planPrune(input, plan);
  return plan;
}

function planOne(d: DesiredObject, live: KubeObject | undefined, input: PlanInput, schemas: SchemaInfo, plan: Plan): ChangeEntry {
  const handler = input.handlers(d.id.kind);
  const object = withOwnership(d.object, input.instance);
  const schema = schemas.schemaFor(object.kind, object.apiVersion);
  if (!schema) throw new ModsyncError('PlanFailed', `no schema for ${object.apiVersion} ${object.kind}`, { subject: subjectOf(d.id) });
  const fields = fieldSetOf(object, schema);

  if (!live) {
    plan.toApply.push({ id: d.id, object, fields });
    return entry(d.id, 'create', 'planned', { diff: diffFields({ before: undefined, after: object, fields, redactor: input.redactor }) });
  }
  if (isHeritage(live)) return entry(d.id, 'update', 'held', { message: MSG_HERITAGE });

  const applyEntry = modsyncApplyEntry(live);
  const owned = applyEntry ? decodeFieldsV1(applyEntry.fieldsV1) : new FieldSet();
  const valuesMatch = diffFields({ before: live, after: object, fields, rules: handler, desired: object }).length === 0;
  if (applyEntry && owned.equals(fields) && valuesMatch) return entry(d.id, 'unchanged', 'planned');

  const next = nextObject(live, object, owned.difference(fields).leaves());
  const diff = diffFields({ before: live, after: next, fields: fields.union(owned), rules: handler, desired: object, redactor: input.redactor });
  const destructive = handler.destructive(live, next);
  const extra: Partial<ChangeEntry> = { diff };
  if (destructive) extra.destructive = destructive;
  if (destructive === 'disable' && isProtected(d.id, input.protectedNames)) {
    return entry(d.id, 'update', 'held', { ...extra, message: `protected: modsync never disables ${subjectOf(d.id)}` });
  }
  if (diff.length === 0) extra.message = MSG_OWNERSHIP_ONLY;
  plan.toApply.push({ id: d.id, object, fields });
  return entry(d.id, 'update', 'planned', extra);
}

/** Why a prune candidate is kept, if it is. */
function pruneHoldReason(obj: KubeObject, id: ObjectId, protectedNames: readonly string[]): string | undefined {
  if (isHeritage(obj)) return `${MSG_HERITAGE} (not pruned)`;
  if (isProtected(id, protectedNames)) return 'protected: modsync never deletes it (not pruned)';
  if (pruneDisabled(obj)) return `annotated ${PRUNE_ANNOTATION}: disabled (not pruned)`;
  return undefined;
}

function planPrune(input: PlanInput, plan: Plan): void {
  const wanted = new Set(input.desired.map((d) => subjectOf(d.id)));
  for (const kind of [...APPLY_ORDER].reverse()) {
    for (const obj of input.live.get(kind) ?? []) {
      const id: ManagedObjectId = { kind, name: obj.metadata.name };
      if (!isOwnedBy(obj, input.instance) || wanted.has(subjectOf(id))) continue;
      // Already being deleted: nothing to do, and no point in listing it.
      if (obj.metadata.deletionTimestamp) continue;
      const held = pruneHoldReason(obj, id, input.protectedNames);
      if (held) {
        plan.changes.push(entry(id, 'delete', 'held', { destructive: 'delete', message: held }));
        continue;
      }
      plan.changes.push(entry(id, 'delete', 'planned', { destructive: 'delete' }));
      plan.toDelete.push({ id, uid: obj.metadata.uid, resourceVersion: obj.metadata.resourceVersion });
    }
  }
}

export interface RefineOptions {
  /** Reclassifies destructive changes from the exact result when given. */
  handler?: KindHandler;
  redactor?: Redactor;
}

/**
 * The entry recomputed from the server's dry-run answer (the exact object the apply would
 * produce) against `live`, over the fields modsync applies (its Apply entry in the answer, or
 * the planned set) and still owns (its Apply entry live). When the answer equals live on all
 * of them, the write only moves field ownership: the entry stays an update and says so.
 * Call it as `(plan, id, result, live)` or, with the entry at hand, `(entry, result, live)`.
 */
export function refineWithDryRun(plan: Plan, id: ObjectId, dryRunResult: KubeObject, live: KubeObject | undefined, opts?: RefineOptions): ChangeEntry;
export function refineWithDryRun(change: ChangeEntry, dryRunResult: KubeObject, live: KubeObject | undefined, opts?: RefineOptions): ChangeEntry;
export function refineWithDryRun(...args: unknown[]): ChangeEntry {
  if (isPlan(args[0])) {
    const [plan, id, result, live, opts] = args as [Plan, ObjectId, KubeObject, KubeObject | undefined, RefineOptions | undefined];
    const current = plan.changes.find((c) => sameId(c.id, id) && c.action !== 'delete');
    if (!current) throw new ModsyncError('PlanFailed', 'not planned for apply', { subject: subjectOf(id) });
    const planned = plan.toApply.find((a) => sameId(a.id, id))?.fields;
    return refine(current, result, live, planned, opts ?? {});
  }
  const [change, result, live, opts] = args as [ChangeEntry, KubeObject, KubeObject | undefined, RefineOptions | undefined];
  return refine(change, result, live, undefined, opts ?? {});
}

function isPlan(v: unknown): v is Plan {
  return typeof v === 'object' && v !== null && Array.isArray((v as Plan).changes) && Array.isArray((v as Plan).toApply);
}

function refine(current: ChangeEntry, dryRunResult: KubeObject, live: KubeObject | undefined, planned: FieldSet | undefined, opts: RefineOptions): ChangeEntry {
  const answered = modsyncApplyEntry(dryRunResult);
  const applied = answered ? decodeFieldsV1(answered.fieldsV1) : planned;
  if (!applied) throw new ModsyncError('PlanFailed', 'dry-run answer has no modsync apply entry', { subject: current.subject });
  const liveEntry = live ? modsyncApplyEntry(live) : undefined;
  const owned = liveEntry ? decodeFieldsV1(liveEntry.fieldsV1) : new FieldSet();
  const result = { ...dryRunResult };
  delete result.status;
  const diff = diffFields({ before: live, after: result, fields: applied.union(owned), redactor: opts.redactor });
  const refined: ChangeEntry = { ...current, diff };
  delete refined.message;
  if (live && opts.handler) {
    const reason = opts.handler.destructive(live, result);
    if (reason) refined.destructive = reason;
    else delete refined.destructive;
  }
  if (live && diff.length === 0) refined.message = 'field ownership only: the server result equals the live object on every field modsync manages';
  return refined;
}
