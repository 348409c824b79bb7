/**
 * GET and LIST as JSON, with label/field selectors and limit/continue paging. The Table forms
 * kubectl asks for are kubectl/table-read.ts's, on top of `present` and `listObjects`.
 */
import type { ServerResponse } from 'node:http';
import type { SimContext } from './context.ts';
import { sendJson } from './request.ts';
import { fieldSelector, labelSelector } from './selectors.ts';
import { badRequest, failure, ApiError, notFound } from './status.ts';
import type { Json, JsonMap, Obj } from './types.ts';
import type { Target } from './write-path.ts';

/**
 * The object as presented in the requested version (conversion strategy None): a shallow copy
 * with that apiVersion, so a stored object served as it is (a LIST, a watch event) stays unchanged.
 */
export function present(t: Target, obj: Obj): Obj {
  return { ...obj, apiVersion: t.def.group ? `${t.def.group}/${t.version.name}` : t.version.name };
}

/** The object a GET names, presented in the requested version; NotFound when there is none. */
export function getObject(ctx: SimContext, t: Target, name: string, namespace: string | undefined): Obj {
  const obj = ctx.store.get(t.def.plural, name, namespace);
  if (!obj) throw notFound(t.def, name);
  return present(t, obj);
}

/** GET of one object. */
export function handleGet(
  ctx: SimContext,
  res: ServerResponse,
  t: Target,
  name: string,
  namespace: string | undefined,
): void {
  sendJson(res, 200, getObject(ctx, t, name, namespace));
}

interface ContinueToken {
  rv: number;
  after: string;
}

function encodeContinue(tok: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'dkp-sim/1', ...tok })).toString('base64url');
}

function decodeContinue(text: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as {
      v?: string;
      rv?: number;
      after?: string;
    };
    if (t.v === 'dkp-sim/1' && typeof t.rv === 'number' && typeof t.after === 'string')
      return { rv: t.rv, after: t.after };
  } catch {
    // fall through to the error below
  }
  throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}

/** Objects of a LIST after selectors, with the paging result. */
export function listObjects(
  ctx: SimContext,
  t: Target,
  namespace: string | undefined,
  q: URLSearchParams,
): { items: Obj[]; meta: JsonMap } {
  const matchLabels = labelSelector(q.get('labelSelector'));
  const matchFields = fieldSelector(q.get('fieldSelector'));
  // The stored objects, not copies: only their presented (shallow) copies leave this function.
  let items = ctx.store.shared(t.def.plural, namespace).filter((o) => matchLabels(o) && matchFields(o));
  let rv = ctx.store.currentRv();
  const cont = q.get('continue');
  if (cont) {
    const tok = decodeContinue(cont);
    if (tok.rv < ctx.store.oldestWatchableRv()) {
      throw new ApiError(
        failure(
          410,
          'Expired',
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
        ),
      );
    }
    rv = tok.rv;
    items = items.filter((o) => keyOf(o) > tok.after);
  }
  const meta: JsonMap = { resourceVersion: String(rv) };
  const limit = Number(q.get('limit') ?? 0);
  if (Number.isInteger(limit) && limit > 0 && items.length > limit) {
    const remaining = items.length - limit;
    items = items.slice(0, limit);
    meta.continue = encodeContinue({ rv, after: keyOf(items[items.length - 1]!) });
    meta.remainingItemCount = remaining;
  }
  return { items: items.map((o) => present(t, o)), meta };
}

function keyOf(o: Obj): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** LIST as `<Kind>List`. */
export function handleList(
  ctx: SimContext,
  res: ServerResponse,
  t: Target,
  namespace: string | undefined,
  q: URLSearchParams,
): void {
  const { items, meta } = listObjects(ctx, t, namespace, q);
  const apiVersion = t.def.group ? `${t.def.group}/${t.version.name}` : t.version.name;
  sendJson(res, 200, { apiVersion, kind: t.def.listKind, metadata: meta, items: items as unknown as Json });
}
