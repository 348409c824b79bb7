/**
 * WATCH: a stream of JSON events (one per line). Without a resourceVersion (or "0") it starts
 * with ADDED for every current object; with one it replays history after it, or sends a single
 * 410 Expired ERROR when that position is gone. BOOKMARKs when asked, `timeoutSeconds` honoured.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimContext } from '../context.ts';
import { present } from '../handlers-read.ts';
import { fieldSelector, labelSelector } from '../selectors.ts';
import { badRequest, expired } from '../status.ts';
import type { StoredEvent } from '../store.ts';
import { buildTable, includeObject, wantsTable } from './table.ts';
import type { Json, Obj } from '../types.ts';
import type { Target } from '../write-path.ts';

type WatchType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** Serves one watch request until the client leaves, the timeout passes or the server stops. */
export function handleWatch(
  ctx: SimContext,
  req: IncomingMessage,
  res: ServerResponse,
  t: Target,
  namespace: string | undefined,
  q: URLSearchParams,
  name?: string,
): void {
  const matchLabels = labelSelector(q.get('labelSelector'));
  const matchFields = fieldSelector(q.get('fieldSelector'));
  const matches = (o: Obj): boolean =>
    (namespace === undefined || o.metadata.namespace === namespace) &&
    (name === undefined || o.metadata.name === name) &&
    matchLabels(o) &&
    matchFields(o);
  const rvParam = q.get('resourceVersion') ?? '';
  if (rvParam !== '' && !/^\d+$/.test(rvParam)) throw badRequest(`invalid resource version: ${rvParam}`);
  const table = wantsTable(req.headers.accept);
  const include = includeObject(q);
  const bookmarks = q.get('allowWatchBookmarks') === 'true' || q.get('allowWatchBookmarks') === '1';

  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders();

  const write = (type: WatchType, object: unknown): void => {
    res.write(`${JSON.stringify({ type, object })}\n`);
  };
  const send = (type: WatchType, obj: Obj): void => {
    const o = present(t, obj);
    write(
      type,
      table
        ? buildTable(t.version, [o], include, { resourceVersion: o.metadata.resourceVersion ?? '' }, ctx.clock.now())
        : o,
    );
  };
  const bookmark = (initialEnd = false): void => {
    const metadata: Record<string, Json> = { resourceVersion: String(ctx.store.currentRv()) };
    if (initialEnd) metadata.annotations = { 'k8s.io/initial-events-end': 'true' };
    write('BOOKMARK', {
      kind: t.def.kind,
      apiVersion: t.def.group ? `${t.def.group}/${t.version.name}` : t.version.name,
      metadata,
    });
  };
  const deliver = (e: StoredEvent): void => {
    const now = matches(e.object);
    const before = e.previous !== undefined && matches(e.previous);
    if (e.type === 'ADDED' && now) send('ADDED', e.object);
    else if (e.type === 'DELETED' && before) send('DELETED', e.object);
    else if (e.type === 'MODIFIED') {
      if (now && before) send('MODIFIED', e.object);
      else if (now) send('ADDED', e.object);
      else if (before) send('DELETED', e.object);
    }
  };

  let closed = false;
  const timers: NodeJS.Timeout[] = [];
  let unsubscribe = (): void => {};
  const handle = {
    close: (): void => {
      if (closed) return;
      closed = true;
      unsubscribe();
      for (const tm of timers) clearTimeout(tm);
      ctx.watches.delete(handle);
      res.end();
    },
  };
  ctx.watches.add(handle);
  req.on('close', handle.close);
  res.on('close', handle.close);

  if (rvParam === '' || rvParam === '0') {
    for (const o of ctx.store.list(t.def.plural, namespace)) if (matches(o)) send('ADDED', o);
    if (bookmarks && q.get('sendInitialEvents') === 'true') bookmark(true);
  } else {
    const past = ctx.store.since(t.def.plural, Number(rvParam));
    if (past === 'expired') {
      write('ERROR', expired(rvParam, String(ctx.store.oldestWatchableRv())));
      handle.close();
      return;
    }
    for (const e of past) deliver(e);
  }
  unsubscribe = ctx.store.subscribe((e) => {
    if (e.plural === t.def.plural && !closed) deliver(e);
  });
  if (bookmarks) {
    const tick = (): void => {
      if (closed) return;
      bookmark();
      timers.push(setTimeout(tick, ctx.bookmarkMs));
    };
    timers.push(setTimeout(tick, ctx.bookmarkMs));
  }
  const timeout = Number(q.get('timeoutSeconds') ?? 0);
  if (timeout > 0) timers.push(setTimeout(handle.close, timeout * 1000));
}
