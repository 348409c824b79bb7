/**
 * The write path every write goes through, client or controller (see ARCHITECTURE.md):
 * decode/patch → reset the other subresource → prune unknown fields → default → validate →
 * admission → managedFields → no-op check → dryRun stop → persist.
 */
import { rfc3339, type Clock } from './clock.ts';
import { sameObject, specChanged } from './compare.ts';
import { applyConflictError } from './apply-conflict.ts';
import { recordUpdate, serverSideApply } from './managed-fields.ts';
import { carrySystemMeta, dropUnknownMeta, newUid, validateMeta } from './metadata.ts';
import { applyDefaults, pruneUnknownFields, validateObject } from './schema.ts';
import {
  admissionDenied,
  alreadyExists,
  ApiError,
  badRequest,
  conflict,
  failure,
  invalid,
  MODIFIED,
} from './status.ts';
import type { Store } from './store.ts';
import type { AdmissionRequest, AdmissionResult, Json, Obj, ResourceDef, VersionDef } from './types.ts';
import { cloneJson } from './clone.ts';

/** What a write needs from its surroundings. */
export interface WriteEnv {
  store: Store;
  clock: Clock;
  /** Admission for client writes; undefined for the controller (system user). */
  admission?: (req: AdmissionRequest) => AdmissionResult;
  user: string;
}

/** `fieldValidation` query parameter values. */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** Per-request write options. */
export interface WriteOptions {
  dryRun: boolean;
  fieldValidation: FieldValidation;
  manager: string;
  subresource?: 'status';
}

/** Outcome of a write: the object to answer with and what happened. */
export interface WriteResult {
  object: Obj;
  created: boolean;
  /** False for no-ops (nothing stored, no resourceVersion bump, no event). */
  changed: boolean;
  warnings: string[];
}

/** The resource and version a write addresses. */
export interface Target {
  def: ResourceDef;
  version: VersionDef;
}

function apiVersionOf(t: Target): string {
  return t.def.group ? `${t.def.group}/${t.version.name}` : t.version.name;
}

/** Strips apiVersion/kind/metadata before pruning (they are implicit in every structural schema). */
function pruneBody(t: Target, obj: Obj): string[] {
  const { apiVersion, kind, metadata, ...rest } = obj;
  const body = { apiVersion, kind, metadata: { name: metadata.name }, ...rest } as Obj;
  const paths = pruneUnknownFields(t.version.schema, body)
    .map((p) => (p.startsWith('.') ? p : `.${p}`))
    .filter((p) => !/^\.(apiVersion|kind|metadata)(\.|$)/.test(p));
  for (const k of Object.keys(obj)) if (!['apiVersion', 'kind', 'metadata'].includes(k)) delete obj[k];
  for (const [k, v] of Object.entries(body)) if (!['apiVersion', 'kind', 'metadata'].includes(k)) obj[k] = v;
  return [...dropUnknownMeta(obj), ...paths];
}

/**
 * A plain Go error that reaches responsewriters.ErrorToAPIStatus: 500 with an empty reason
 * (metav1.StatusReasonUnknown is ""), so the Status has no `reason` and kubectl prints
 * "Error from server: <message>" (the body quoted in kubernetes/kubernetes#122480).
 */
function plainError(message: string): ApiError {
  const body = failure(500, '', message);
  delete body.reason;
  return new ApiError(body);
}

/** Applies the fieldValidation directive to pruned paths of a create/update: Strict fails, Warn warns. */
function unknownFields(t: Target, paths: string[], mode: FieldValidation): string[] {
  if (paths.length === 0 || mode === 'Ignore') return [];
  if (mode === 'Strict') {
    const list = paths.map((p) => `unknown field "${p.slice(1)}"`).join(', ');
    throw badRequest(
      `${t.def.kind} in version "${t.version.name}" cannot be handled as a ${t.def.kind}: strict decoding error: ${list}`,
    );
  }
  return paths.map((p) => `unknown field "${p.slice(1)}"`);
}

/**
 * Server-side apply first turns the applied configuration into a typed value of the served
 * schema (fieldmanager's structuredMergeManager.Apply, structured-merge-diff's validation): a
 * field the schema does not declare fails there with a plain Go error, which the apiserver
 * answers as a 500 without a reason (see plainError), whatever fieldValidation says,
 * before anything is stored or dry-run. Paths and the `errors:` list are smd's ValidationErrors.
 */
function undeclaredApplyFields(t: Target, paths: string[], apply: Obj): void {
  if (paths.length === 0) return;
  const ns = apply.metadata.namespace ?? '';
  const lines = paths.map((p) => `${p}: field not declared in schema`);
  const what = lines.length === 1 ? lines[0] : `errors:\n  ${lines.join('\n  ')}`;
  const subject = `${ns}/${apply.metadata.name}; ${apiVersionOf(t)}, Kind=${t.def.kind}`;
  throw plainError(`failed to create typed patch object (${subject}): ${what}`);
}

/** Keeps only the part of `next` this write may change; the rest comes from `old`. */
function resetOtherSubresource(t: Target, next: Obj, old: Obj | undefined, subresource: 'status' | undefined): Obj {
  if (!t.version.statusSubresource) return next;
  if (subresource === 'status') {
    if (!old) return next;
    const out = cloneJson(old);
    out.metadata.managedFields = next.metadata.managedFields ?? old.metadata.managedFields ?? [];
    if (next.status === undefined) delete out.status;
    else out.status = next.status;
    return out;
  }
  if (old?.status !== undefined) next.status = cloneJson(old.status);
  else delete next.status;
  return next;
}

/** Default → validate (422 with schema and metadata errors). */
function defaultAndValidate(t: Target, obj: Obj): void {
  applyDefaults(t.version.schema, obj);
  const errors = [...validateMeta(obj), ...validateObject(t.version.schema, obj)];
  if (errors.length > 0) throw invalid(t.def.kind, t.def.group, obj.metadata.name, errors);
}

function admit(
  env: WriteEnv,
  t: Target,
  operation: AdmissionRequest['operation'],
  next: Obj | undefined,
  old: Obj | undefined,
  opts: { dryRun: boolean; subresource?: 'status' },
): string[] {
  if (!env.admission) return [];
  const subject = (next ?? old)!;
  const req: AdmissionRequest = {
    operation,
    resource: t.def,
    name: subject.metadata.name,
    user: env.user,
    dryRun: opts.dryRun,
  };
  if (subject.metadata.namespace) req.namespace = subject.metadata.namespace;
  if (next) req.object = cloneJson(next);
  if (old) req.oldObject = cloneJson(old);
  if (opts.subresource) req.subresource = opts.subresource;
  const res = env.admission(req);
  // Webhook denials carry no reason (kubectl then prints "Error from server: <message>").
  if (!res.allowed) throw admissionDenied(t.def, subject.metadata.name, res);
  return res.warnings;
}

/** Admission → no-op check → dryRun stop → persist, shared by create, update and apply. */
function commit(
  env: WriteEnv,
  t: Target,
  old: Obj | undefined,
  next: Obj,
  opts: WriteOptions,
  warnings: string[],
  sentRv?: Json,
): WriteResult {
  warnings.push(...admit(env, t, old ? 'UPDATE' : 'CREATE', next, old, opts));
  if (!old) {
    // Storage-level checks come after validation and admission, as in the apiserver's etcd store.
    if (sentRv) throw plainError('resourceVersion should not be set on objects to be created');
    if (env.store.get(t.def.plural, next.metadata.name, next.metadata.namespace))
      throw alreadyExists(t.def, next.metadata.name);
  }
  if (old && sameObject(old, next)) return { object: old, created: false, changed: false, warnings };
  const now = rfc3339(env.clock.now());
  if (!old) {
    next.metadata.uid = newUid();
    next.metadata.creationTimestamp = now;
    next.metadata.generation = 1;
  } else if (specChanged(old, next)) {
    next.metadata.generation = Number(old.metadata.generation ?? 0) + 1;
  }
  if (opts.dryRun) {
    if (!old) delete next.metadata.resourceVersion;
    return { object: next, created: !old, changed: true, warnings };
  }
  const plural = t.def.plural;
  const finalizers = next.metadata.finalizers as Json[] | undefined;
  if (old && next.metadata.deletionTimestamp && (!finalizers || finalizers.length === 0)) {
    // The update that releases the last finalizer deletes the object: one DELETED event.
    const gone = env.store.delete(plural, next.metadata.name, next.metadata.namespace, next)!;
    return { object: gone, created: false, changed: true, warnings };
  }
  return { object: env.store.put(plural, next), created: !old, changed: true, warnings };
}

/** Checks a client-sent resourceVersion against the stored one (optimistic concurrency). */
export function checkResourceVersion(t: Target, old: Obj, sent: Json | undefined): void {
  if (sent !== undefined && sent !== null && sent !== '' && sent !== old.metadata.resourceVersion) {
    throw conflict(t.def, old.metadata.name, MODIFIED);
  }
}

/** POST: creates `body` (name already resolved from generateName by the caller). */
export function createObject(env: WriteEnv, t: Target, body: Obj, opts: WriteOptions): WriteResult {
  const next = cloneJson(body);
  next.apiVersion = apiVersionOf(t);
  next.kind = t.def.kind;
  carrySystemMeta(next, undefined);
  const sentRv = next.metadata.resourceVersion;
  delete next.metadata.resourceVersion;
  const warnings = unknownFields(t, pruneBody(t, next), opts.fieldValidation);
  const reset = resetOtherSubresource(t, next, undefined, undefined);
  defaultAndValidate(t, reset);
  reset.metadata.managedFields = recordUpdate({
    old: undefined,
    updated: reset,
    manager: opts.manager,
    schema: t.version.schema,
    apiVersion: apiVersionOf(t),
    now: rfc3339(env.clock.now()),
  }) as unknown as Json;
  return commit(env, t, undefined, reset, opts, warnings, sentRv);
}

/** PUT, merge patch and JSON patch: `candidate` is the full new object for `old`. */
export function updateObject(env: WriteEnv, t: Target, old: Obj, candidate: Obj, opts: WriteOptions): WriteResult {
  checkResourceVersion(t, old, candidate.metadata.resourceVersion);
  const next = cloneJson(candidate);
  next.apiVersion = apiVersionOf(t);
  next.kind = t.def.kind;
  next.metadata.resourceVersion = old.metadata.resourceVersion!;
  carrySystemMeta(next, old);
  if (!Array.isArray(candidate.metadata.managedFields))
    next.metadata.managedFields = cloneJson(old.metadata.managedFields ?? []);
  const warnings = unknownFields(t, pruneBody(t, next), opts.fieldValidation);
  const reset = resetOtherSubresource(t, next, old, opts.subresource);
  if (old.metadata.deletionTimestamp) keepFinalizersShrinking(t, old, reset);
  defaultAndValidate(t, reset);
  const mfArgs = {
    old,
    updated: reset,
    manager: opts.manager,
    schema: t.version.schema,
    apiVersion: apiVersionOf(t),
    now: rfc3339(env.clock.now()),
  };
  reset.metadata.managedFields = recordUpdate(
    opts.subresource ? { ...mfArgs, subresource: opts.subresource } : mfArgs,
  ) as unknown as Json;
  return commit(env, t, old, reset, opts, warnings);
}

/** Once deletion started, no finalizer may be added (the apiserver forbids it). */
function keepFinalizersShrinking(t: Target, old: Obj, next: Obj): void {
  const before = new Set((old.metadata.finalizers as string[] | undefined) ?? []);
  const added = ((next.metadata.finalizers as string[] | undefined) ?? []).filter((f) => !before.has(f));
  if (added.length > 0) {
    throw invalid(t.def.kind, t.def.group, old.metadata.name, [
      {
        reason: 'FieldValueForbidden',
        field: 'metadata.finalizers',
        message:
          'Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{' +
          added.map((f) => JSON.stringify(f)).join(', ') +
          '}',
      },
    ]);
  }
}

/** Server-side apply of `applied` onto `live` (creates when live is undefined). */
export function applyObject(
  env: WriteEnv,
  t: Target,
  live: Obj | undefined,
  applied: Obj,
  opts: WriteOptions & { force: boolean },
): WriteResult {
  const cfg = cloneJson(applied);
  undeclaredApplyFields(t, pruneBody(t, cfg), applied);
  const warnings: string[] = [];
  if (live) checkResourceVersion(t, live, cfg.metadata.resourceVersion);
  delete cfg.metadata.resourceVersion;
  for (const k of ['uid', 'creationTimestamp', 'generation', 'managedFields']) delete cfg.metadata[k];
  const base = {
    live,
    applied: cfg,
    manager: opts.manager,
    force: opts.force,
    schema: t.version.schema,
    apiVersion: apiVersionOf(t),
    now: rfc3339(env.clock.now()),
  };
  const res = serverSideApply(opts.subresource ? { ...base, subresource: opts.subresource } : base);
  if (!res.ok) throw applyConflictError(t, applied.metadata.name, res.conflicts);
  const next = res.object;
  next.apiVersion = apiVersionOf(t);
  next.kind = t.def.kind;
  carrySystemMeta(next, live);
  if (live) next.metadata.resourceVersion = live.metadata.resourceVersion!;
  const reset = resetOtherSubresource(t, next, live, opts.subresource);
  if (live?.metadata.deletionTimestamp) keepFinalizersShrinking(t, live, reset);
  defaultAndValidate(t, reset);
  return commit(env, t, live, reset, opts, warnings);
}

/** DeleteOptions preconditions. */
export interface Preconditions {
  uid?: string;
  resourceVersion?: string;
}

/** DELETE: finalizers keep the object (deletionTimestamp set); otherwise it is removed. */
export function deleteObject(
  env: WriteEnv,
  t: Target,
  old: Obj,
  opts: { dryRun: boolean; preconditions?: Preconditions },
): WriteResult {
  const pre = opts.preconditions;
  if (pre?.uid && pre.uid !== old.metadata.uid) {
    throw conflict(
      t.def,
      old.metadata.name,
      `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${String(old.metadata.uid ?? '')}`,
    );
  }
  if (pre?.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion) {
    throw conflict(
      t.def,
      old.metadata.name,
      `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${String(old.metadata.resourceVersion ?? '')}`,
    );
  }
  const warnings = admit(env, t, 'DELETE', undefined, old, opts);
  const finalizers = (old.metadata.finalizers as Json[] | undefined) ?? [];
  if (finalizers.length > 0) {
    if (old.metadata.deletionTimestamp) return { object: old, created: false, changed: false, warnings };
    const next = cloneJson(old);
    next.metadata.deletionTimestamp = rfc3339(env.clock.now());
    next.metadata.deletionGracePeriodSeconds = 0;
    next.metadata.generation = Number(old.metadata.generation ?? 0) + 1;
    if (opts.dryRun) return { object: next, created: false, changed: true, warnings };
    return { object: env.store.put(t.def.plural, next), created: false, changed: true, warnings };
  }
  if (opts.dryRun) return { object: old, created: false, changed: true, warnings };
  return {
    object: env.store.delete(t.def.plural, old.metadata.name, old.metadata.namespace)!,
    created: false,
    changed: true,
    warnings,
  };
}
