/**
 * POST, PUT, PATCH (apply, merge, JSON patch) and DELETE over HTTP: request decoding and
 * checks, then the shared write path.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CLIENT_USER, type SimContext } from './context.ts';
import { listObjects, present } from './handlers-read.ts';
import { generateName } from './metadata.ts';
import { applyJsonPatch, applyMergePatch, PatchError } from './patch.ts';
import { decodeBody, mediaType, readBody, sendJson } from './request.ts';
import { ApiError, badRequest, failure, methodNotAllowed, notFound, unsupportedMediaType } from './status.ts';
import type { Json, JsonMap, Obj } from './types.ts';
import {
  applyObject,
  createObject,
  deleteObject,
  updateObject,
  type FieldValidation,
  type Preconditions,
  type Target,
  type WriteEnv,
  type WriteOptions,
} from './write-path.ts';
import { cloneJson } from './clone.ts';

/** Media types PATCH accepts for custom resources (strategic merge is not among them). */
export const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/apply-patch+yaml',
];

/** True when the query asks for a dry run. */
export function isDryRun(q: URLSearchParams): boolean {
  return q.getAll('dryRun').includes('All');
}

/** The apiserver's default field manager: the User-Agent up to the first `/`, at most 128 characters. */
export function managerFromUserAgent(userAgent: string | undefined): string {
  const prefix = (userAgent ?? '').split('/')[0] ?? '';
  return (prefix || 'unknown').slice(0, 128);
}

function writeOptions(req: IncomingMessage, q: URLSearchParams, subresource: string | undefined): WriteOptions {
  const fv = q.get('fieldValidation') ?? 'Warn';
  if (fv !== 'Strict' && fv !== 'Warn' && fv !== 'Ignore') {
    throw badRequest(`fieldValidation must be one of "Ignore", "Warn", or "Strict" (got ${JSON.stringify(fv)})`);
  }
  for (const d of q.getAll('dryRun')) {
    if (d !== 'All') throw badRequest(`Invalid dryRun value: ${JSON.stringify(d)}: supported values: "All"`);
  }
  const opts: WriteOptions = {
    dryRun: isDryRun(q),
    fieldValidation: fv as FieldValidation,
    manager: q.get('fieldManager') || managerFromUserAgent(req.headers['user-agent']),
  };
  if (subresource === 'status') opts.subresource = 'status';
  return opts;
}

function env(ctx: SimContext): WriteEnv {
  return { store: ctx.store, clock: ctx.clock, admission: ctx.admission, user: CLIENT_USER };
}

function asObject(t: Target, body: unknown): Obj {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw badRequest("Object 'Kind' is missing in the request body");
  const o = body as Obj;
  const expected = t.def.group ? `${t.def.group}/${t.version.name}` : t.version.name;
  if (o.apiVersion !== undefined && o.apiVersion !== expected) {
    throw badRequest(
      `the API version in the data (${String(o.apiVersion)}) does not match the expected API version (${expected})`,
    );
  }
  if (o.kind !== undefined && o.kind !== t.def.kind) {
    throw badRequest(`the kind in the data (${String(o.kind)}) does not match the expected kind (${t.def.kind})`);
  }
  if (o.metadata === undefined || o.metadata === null) o.metadata = { name: '' };
  if (typeof o.metadata !== 'object' || Array.isArray(o.metadata)) throw badRequest('metadata must be an object');
  return o;
}

function checkNamespace(ctx: SimContext, t: Target, obj: Obj, namespace: string | undefined): void {
  if (!t.def.namespaced) {
    delete obj.metadata.namespace;
    return;
  }
  if (obj.metadata.namespace && obj.metadata.namespace !== namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  obj.metadata.namespace = namespace!;
  if (!ctx.store.get('namespaces', namespace!)) {
    throw new ApiError(
      failure(404, 'NotFound', `namespaces "${namespace}" not found`, { name: namespace!, kind: 'namespaces' }),
    );
  }
}

function checkName(obj: Obj, name: string): void {
  if (obj.metadata.name && obj.metadata.name !== name) {
    throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
  }
  obj.metadata.name = name;
}

function readOnly(t: Target): void {
  if (t.def.group === '' && t.def.plural === 'namespaces') throw methodNotAllowed();
}

function subresourceTarget(t: Target, subresource: string | undefined): void {
  if (subresource !== undefined && (subresource !== 'status' || !t.version.statusSubresource))
    throw notFound(t.def, '');
}

/** POST to a collection. */
export async function handleCreate(
  ctx: SimContext,
  req: IncomingMessage,
  res: ServerResponse,
  t: Target,
  namespace: string | undefined,
  q: URLSearchParams,
): Promise<void> {
  readOnly(t);
  const opts = writeOptions(req, q, undefined);
  const obj = asObject(t, decodeBody(await readBody(req)));
  checkNamespace(ctx, t, obj, namespace);
  if (!obj.metadata.name && typeof obj.metadata.generateName === 'string' && obj.metadata.generateName) {
    do obj.metadata.name = generateName(obj.metadata.generateName);
    while (ctx.store.get(t.def.plural, obj.metadata.name, namespace));
  }
  const r = createObject(env(ctx), t, obj, opts);
  sendJson(res, 201, present(t, r.object), r.warnings);
}

/** PUT of an object or its status. */
export async function handleUpdate(
  ctx: SimContext,
  req: IncomingMessage,
  res: ServerResponse,
  t: Target,
  name: string,
  namespace: string | undefined,
  subresource: string | undefined,
  q: URLSearchParams,
): Promise<void> {
  readOnly(t);
  subresourceTarget(t, subresource);
  const opts = writeOptions(req, q, subresource);
  const obj = asObject(t, decodeBody(await readBody(req)));
  checkName(obj, name);
  checkNamespace(ctx, t, obj, namespace);
  const old = ctx.store.get(t.def.plural, name, namespace);
  if (!old) throw notFound(t.def, name);
  const r = updateObject(env(ctx), t, old, obj, opts);
  sendJson(res, 200, present(t, r.object), r.warnings);
}

/** PATCH: server-side apply, JSON merge patch or JSON patch; strategic merge is refused with 415. */
export async function handlePatch(
  ctx: SimContext,
  req: IncomingMessage,
  res: ServerResponse,
  t: Target,
  name: string,
  namespace: string | undefined,
  subresource: string | undefined,
  q: URLSearchParams,
): Promise<void> {
  readOnly(t);
  subresourceTarget(t, subresource);
  const type = mediaType(req);
  if (!PATCH_TYPES.includes(type)) throw unsupportedMediaType(type, PATCH_TYPES);
  const apply = type === 'application/apply-patch+yaml';
  if (apply && !q.get('fieldManager')) {
    throw new ApiError(
      failure(
        422,
        'Invalid',
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
        {
          group: 'meta.k8s.io',
          kind: 'PatchOptions',
          causes: [
            {
              reason: 'FieldValueRequired',
              message: 'Required value: is required for apply patch',
              field: 'fieldManager',
            },
          ],
        },
      ),
    );
  }
  if (!apply && q.has('force')) {
    throw new ApiError(
      failure(
        422,
        'Invalid',
        'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch',
        {
          group: 'meta.k8s.io',
          kind: 'PatchOptions',
          causes: [
            {
              reason: 'FieldValueForbidden',
              message: 'Forbidden: may not be specified for non-apply patch',
              field: 'force',
            },
          ],
        },
      ),
    );
  }
  const opts = writeOptions(req, q, subresource);
  const body = decodeBody(await readBody(req), apply);
  const old = ctx.store.get(t.def.plural, name, namespace);
  if (apply) {
    const applied = asObject(t, body);
    if (applied.metadata.managedFields !== undefined && applied.metadata.managedFields !== null)
      throw badRequest('metadata.managedFields must be nil');
    checkName(applied, name);
    checkNamespace(ctx, t, applied, namespace);
    if (!old && subresource === 'status') throw notFound(t.def, name);
    const force = q.get('force') === 'true';
    const r = applyObject(env(ctx), t, old, applied, { ...opts, force });
    sendJson(res, r.created ? 201 : 200, present(t, r.object), r.warnings);
    return;
  }
  if (!old) throw notFound(t.def, name);
  let patched: Json;
  try {
    patched =
      type === 'application/merge-patch+json'
        ? applyMergePatch(cloneJson(old) as unknown as Json, body as Json)
        : applyJsonPatch(cloneJson(old) as unknown as Json, body as Json);
  } catch (e) {
    if (e instanceof PatchError) throw new ApiError(failure(422, 'Invalid', e.message));
    throw e;
  }
  const candidate = asObject(t, patched);
  checkName(candidate, name);
  if (t.def.namespaced) candidate.metadata.namespace = namespace!;
  const r = updateObject(env(ctx), t, old, candidate, opts);
  sendJson(res, 200, present(t, r.object), r.warnings);
}

/** The parts of DeleteOptions dkp-sim honours. */
export interface DeleteOptions {
  dryRun: boolean;
  preconditions?: Preconditions;
}

function deleteOptions(text: string): DeleteOptions {
  if (text.trim() === '') return { dryRun: false };
  const body = decodeBody(text) as JsonMap;
  const out: DeleteOptions = { dryRun: Array.isArray(body.dryRun) && body.dryRun.includes('All') };
  const pre = body.preconditions as JsonMap | undefined | null;
  if (pre && typeof pre === 'object') {
    out.preconditions = {};
    if (typeof pre.uid === 'string') out.preconditions.uid = pre.uid;
    if (typeof pre.resourceVersion === 'string') out.preconditions.resourceVersion = pre.resourceVersion;
  }
  return out;
}

/** DeleteOptions from the body, with `dryRun=All` from the query folded in; the body is read once. */
export async function readDeleteOptions(req: IncomingMessage, q: URLSearchParams): Promise<DeleteOptions> {
  const opts = deleteOptions(await readBody(req));
  if (isDryRun(q)) opts.dryRun = true;
  return opts;
}

/** DELETE of one object. */
export function handleDelete(
  ctx: SimContext,
  res: ServerResponse,
  t: Target,
  name: string,
  namespace: string | undefined,
  opts: DeleteOptions,
): void {
  readOnly(t);
  const old = ctx.store.get(t.def.plural, name, namespace);
  if (!old) throw notFound(t.def, name);
  const r = deleteObject(env(ctx), t, old, opts);
  sendJson(res, 200, present(t, r.object), r.warnings);
}

/** DELETE of a collection (selectors apply): deletes each match, answers the list of them. */
export function handleDeleteCollection(
  ctx: SimContext,
  res: ServerResponse,
  t: Target,
  namespace: string | undefined,
  q: URLSearchParams,
  opts: { dryRun: boolean },
): void {
  readOnly(t);
  const all = new URLSearchParams(q);
  all.delete('limit');
  all.delete('continue');
  const { items, meta } = listObjects(ctx, t, namespace, all);
  const deleted = items.map((o) => present(t, deleteObject(env(ctx), t, o, opts).object));
  const apiVersion = t.def.group ? `${t.def.group}/${t.version.name}` : t.version.name;
  sendJson(res, 200, { apiVersion, kind: t.def.listKind, metadata: meta, items: deleted as unknown as Json });
}
