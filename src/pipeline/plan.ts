/**
 * Plan stage: from the desired objects (git) and one LIST per kind (cluster) to one list of
 * planned entries. Pure: no requests. Each entry is what the rest of the run speaks about: the
 * guard may hold it, apply writes the `apply` intents, prune carries out the `remove` intents,
 * and every stage hands the same entries back with an outcome.
 *
 * "Unchanged" is decided locally from the managedFields the LIST returned, so a no-op run
 * makes no request per object. The planner also predicts what the server will do about
 * ownership: fields other managers keep are never shown as removed, and objects built by
 * kubectl are adopted (their manual managers' claims on modsync's fields are taken over).
 */
import type { ChangeEntry } from '../core/change-set.ts';
import { entry } from '../core/change-set.ts';
import { diffFields, nextObject } from '../core/diff.ts';
import { ModsyncError } from '../core/errors.ts';
import type { FieldPath } from '../core/field-set.ts';
import { FieldSet, decodeFieldsV1 } from '../core/field-set.ts';
import { fieldSetOf, valueAt } from '../core/field-set-walk.ts';
import type { ClusterKind, ManagedKind } from '../core/kinds.ts';
import { APPLY_ORDER } from '../core/kinds.ts';
import type { KubeObject } from '../core/object.ts';
import { subjectOf } from '../core/object.ts';
import {
  FIELD_MANAGER,
  isHeritage,
  isOwnedBy,
  isProtected,
  modsyncApplyEntry,
  OWNERSHIP_LABEL,
  withOwnership,
} from '../core/ownership.ts';
import type { Redactor } from '../core/redact.ts';
import type { SchemaInfo } from '../core/schema-info.ts';
import { loadSchemaInfo } from '../core/schema-info.ts';
import type { JsonPatchOp } from '../core/takeover.ts';
import { DEFAULT_TAKEOVER_MANAGERS, predictKept, takeoverPatch } from '../core/takeover.ts';
import type { KindHandler } from '../kinds/types.ts';
import type { DesiredObject } from '../manifests/desired.ts';
import { planPrune } from './plan-prune.ts';

/** What the planner needs of a desired object (load.ts): placeholders resolved, and where it is in git. */
export type PlanObject = Pick<DesiredObject, 'id' | 'object'> & Partial<Pick<DesiredObject, 'file' | 'line'>>;

/** What apply writes for an entry: the object, the fields it will own, the takeover before it. */
export interface ApplyIntent {
  /** The desired object with the ownership label. */
  object: KubeObject;
  fields: FieldSet;
  /** JSON patch narrowing kubectl's managedFields claims on `fields`, sent before the apply. */
  takeover?: JsonPatchOp[];
  /** Fields the apply must remove; still present in the server's answer means the entry failed. */
  removes: FieldPath[];
  /** The Module that must exist before the object can be written, if any. */
  requiredModule?: string;
}

/** What prune deletes: preconditions, so a changed or replaced object is not deleted. */
export interface RemoveIntent {
  uid: string | undefined;
  resourceVersion: string | undefined;
}

/** A change entry with the work it stands for. */
export interface PlannedEntry extends ChangeEntry {
  apply?: ApplyIntent;
  remove?: RemoveIntent;
}

/** Desired objects in apply order (MS → MUP → MC), then deletes in reverse order. */
export interface Plan {
  entries: PlannedEntry[];
}

export interface PlanInput {
  /** Without the ownership label; the planner adds it. */
  desired: PlanObject[];
  /** Live objects from one LIST per kind (the Modules included, for ModuleConfig rules). */
  live: ReadonlyMap<ClusterKind, KubeObject[]>;
  /** Value of the ownership label (`--instance`). */
  instance: string;
  /** Whether owned objects absent from git are deleted. */
  prune: boolean;
  /** `Kind/name` entries never deleted or disabled. */
  protectedNames: string[];
  /** Other modsync instances whose objects this one may take over (`sync.takeOverInstances`). */
  takeOverInstances?: readonly string[];
  /** Field managers whose claims modsync takes over when it applies (`sync.takeOverManagers`). */
  takeOverManagers?: readonly string[];
  handlers: (kind: ManagedKind) => KindHandler;
  redactor?: Redactor;
  /** CRD schema facts; loaded from `crds/deckhouse` when not given (pass it in a daemon). */
  schemas?: SchemaInfo;
}

const MSG_HERITAGE = 'managed by Deckhouse; modsync does not write it';
/** The ownership label as a diff names it. */
const LABEL_PATH = `metadata.labels["${OWNERSHIP_LABEL}"]`;

function kindRank(kind: string): number {
  const i = (APPLY_ORDER as readonly string[]).indexOf(kind);
  return i < 0 ? APPLY_ORDER.length : i;
}

/** Computes the plan; throws ModsyncError(PlanFailed) when a kind's schema is unknown. */
export function planChanges(input: PlanInput): Plan {
  const schemas = input.schemas ?? loadSchemaInfo();
  const bySubject = new Map<string, KubeObject>();
  for (const [kind, objs] of input.live) for (const o of objs) bySubject.set(`${kind}/${o.metadata.name}`, o);
  const entries: PlannedEntry[] = [];
  const desired = [...input.desired].sort((a, b) => kindRank(a.id.kind) - kindRank(b.id.kind));
  for (const d of desired) {
    const e = planOne(d, bySubject, input, schemas);
    if (d.file) e.origin = d.line ? `${d.file}:${d.line}` : d.file;
    entries.push(e);
  }
  if (input.prune) entries.push(...planPrune(input));
  return { entries };
}

function planOne(
  d: PlanObject,
  bySubject: Map<string, KubeObject>,
  input: PlanInput,
  schemas: SchemaInfo,
): PlannedEntry {
  const handler = input.handlers(d.id.kind);
  const live = bySubject.get(subjectOf(d.id));
  const object = withOwnership(d.object, input.instance);
  const schema = schemas.schemaFor(object.kind, object.apiVersion);
  if (!schema)
    throw new ModsyncError('PlanFailed', `no schema for ${object.apiVersion} ${object.kind}`, {
      subject: subjectOf(d.id),
    });
  const fields = fieldSetOf(object, schema);
  const ctx = { module: bySubject.get(`Module/${d.id.name}`) };
  const requiredModule = handler.requiredModule?.(object);
  const intent = (removes: FieldPath[] = [], takeover?: JsonPatchOp[]): ApplyIntent => ({
    object,
    fields,
    removes,
    ...(takeover && { takeover }),
    ...(requiredModule && { requiredModule }),
  });

  if (!live) {
    const diff = diffFields({ before: undefined, after: object, fields, redactor: input.redactor });
    return withDestructive(
      entry(d.id, 'create', 'planned', { diff }),
      handler.destructive(undefined, object, ctx) ?? protectedDisable(d, object, undefined, input),
      intent(),
      d,
      input,
      Boolean(ctx.module),
    );
  }
  if (isHeritage(live)) return entry(d.id, 'update', 'held', { message: MSG_HERITAGE });
  const otherInstance = live.metadata.labels?.[OWNERSHIP_LABEL];
  if (otherInstance && !isOwnedBy(live, input.instance) && !input.takeOverInstances?.includes(otherInstance)) {
    const message =
      `owned by modsync instance "${otherInstance}" (label ${OWNERSHIP_LABEL}); not applied. ` +
      'Remove it from one of the repositories, or list that instance in sync.takeOverInstances to take it over';
    return entry(d.id, 'update', 'held', { message });
  }

  const takeOver = input.takeOverManagers ?? DEFAULT_TAKEOVER_MANAGERS;
  const applyEntry = modsyncApplyEntry(live);
  const owned = applyEntry ? decodeFieldsV1(applyEntry.fieldsV1) : new FieldSet();
  const takeover = takeoverPatch(live, fields, { managers: takeOver });
  const dropped = owned.difference(fields).leaves();
  // The steady state, decided without building the next object: nothing to drop or take over,
  // every applied field owned (or rewritten by a controller to an equal value), values equal.
  if (!takeover && !dropped.length && ownsWhatItNeeds(live, owned, fields)) {
    const drift = diffFields({ before: live, after: object, fields, rules: handler, desired: object });
    if (!drift.length) return entry(d.id, 'unchanged', 'planned');
  }

  // Fields modsync stops applying that another manager will still own stay as they are; the
  // apply only gives up modsync's claim on them.
  const kept = dropped.length ? predictKept(live, fields, takeOver) : [];
  const removes = dropped.filter((p) => !kept.some((k) => samePath(k.path, p)));
  const next = nextObject(live, object, removes);
  const diff = diffFields({
    before: live,
    after: next,
    fields: fields.union(owned),
    rules: handler,
    desired: object,
    redactor: input.redactor,
  });
  const keptNote = kept.length
    ? `kept by other field managers: ${kept.map((k) => `${k.field} (${k.managers.join(', ')})`).join('; ')}`
    : '';
  // Taking an object over only adds modsync's own label besides ownership: still an adoption.
  const action = diff.some((f) => f.path !== LABEL_PATH) || dropped.length ? 'update' : 'adopt';
  const notes = [action === 'adopt' ? adoptMessage(takeover, live, takeOver) : '', keptNote].filter(Boolean);
  const e = entry(d.id, action, 'planned', { diff, ...(notes.length && { message: notes.join('; ') }) });
  return withDestructive(
    e,
    handler.destructive(live, next, ctx) ?? protectedDisable(d, object, live, input),
    intent(removes, takeover),
    d,
    input,
    Boolean(ctx.module),
  );
}

/**
 * A protected name is never disabled from git, whatever else the cluster says of it (no Module
 * to ask, as for `global`): git saying `enabled: false` is a disable unless it already is one.
 */
function protectedDisable(d: PlanObject, object: KubeObject, live: KubeObject | undefined, input: PlanInput) {
  const disabled = (o: KubeObject | undefined): boolean => o?.spec?.enabled === false;
  return isProtected(d.id, input.protectedNames) && disabled(object) && !disabled(live)
    ? ('disable' as const)
    : undefined;
}

/** Marks a destructive entry; a disable of a protected name is held with a message. */
function withDestructive(
  e: PlannedEntry,
  reason: ChangeEntry['destructive'],
  apply: ApplyIntent,
  d: PlanObject,
  input: PlanInput,
  moduleExists: boolean,
): PlannedEntry {
  if (reason) e.destructive = reason;
  if (reason === 'disable' && isProtected(d.id, input.protectedNames)) {
    return { ...e, outcome: 'held', message: `protected: modsync never disables ${subjectOf(d.id)} (sync.protected)` };
  }
  if (apply.requiredModule && !moduleExists) {
    const note = `Module/${apply.requiredModule} does not exist yet: it is enabled once its ModuleSource publishes it`;
    e.message = e.message ? `${e.message}; ${note}` : note;
  }
  e.apply = apply;
  return e;
}

function samePath(a: FieldPath, b: FieldPath): boolean {
  return a.length === b.length && a.every((el, i) => el === b[i]);
}

/**
 * Whether modsync's own Apply entry is enough (values already match): every field it applies
 * is owned by it, or is held by another manager that rewrote it to an equal value (a controller
 * writing `5m` back as `5m0s`), or is absent because the kind says that is no drift (a one-shot
 * annotation the controller consumed). Then no write is due: writing would only ping-pong.
 */
function ownsWhatItNeeds(live: KubeObject, owned: FieldSet, fields: FieldSet): boolean {
  const missing = fields.difference(owned).leaves();
  if (!missing.length) return true;
  const others = (live.metadata.managedFields ?? [])
    .filter((m) => !(m.manager === FIELD_MANAGER && m.operation === 'Apply') && !m.subresource)
    .map((m) => decodeFieldsV1(m.fieldsV1));
  return missing.every((path) => others.some((s) => s.has(path)) || !valueAt(live, path).found);
}

function adoptMessage(takeover: JsonPatchOp[] | undefined, live: KubeObject, takeOver: readonly string[]): string {
  const label = live.metadata.labels?.[OWNERSHIP_LABEL] ? '' : ' and labels it';
  if (!takeover) return `field ownership only: live values already match, modsync takes over its fields${label}`;
  const from = [
    ...new Set((live.metadata.managedFields ?? []).map((m) => m.manager).filter((m) => takeOver.includes(m))),
  ];
  return `adopt: live values already match; modsync takes over its fields from ${from.join(', ') || 'kubectl'}${label}`;
}
