/**
 * GET and LIST answered as a `meta.k8s.io/v1 Table` (`kubectl get` sends
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`): the same objects, selectors and
 * paging as the JSON reads in handlers-read.ts, rendered through the CRD's printer columns.
 */
import type { ServerResponse } from 'node:http';
import type { SimContext } from '../context.ts';
import { getObject, listObjects } from '../handlers-read.ts';
import { sendJson } from '../request.ts';
import type { Target } from '../write-path.ts';
import { buildTable, includeObject } from './table.ts';

/** GET of one object as a one-row Table. */
export function handleTableGet(
  ctx: SimContext,
  res: ServerResponse,
  t: Target,
  name: string,
  namespace: string | undefined,
  q: URLSearchParams,
): void {
  const obj = getObject(ctx, t, name, namespace);
  const meta = { resourceVersion: obj.metadata.resourceVersion ?? '' };
  sendJson(res, 200, buildTable(t.version, [obj], includeObject(q), meta, ctx.clock.now()));
}

/** LIST as a Table; its metadata carries the list's resourceVersion and continue token. */
export function handleTableList(
  ctx: SimContext,
  res: ServerResponse,
  t: Target,
  namespace: string | undefined,
  q: URLSearchParams,
): void {
  const { items, meta } = listObjects(ctx, t, namespace, q);
  sendJson(res, 200, buildTable(t.version, items, includeObject(q), meta, ctx.clock.now()));
}
