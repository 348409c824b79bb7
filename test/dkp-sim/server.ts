/**
 * The HTTP server: routes Kubernetes API paths to the handlers, counts requests, applies
 * injected faults, and answers every error as a `Status` object. `/_sim/*` goes to the control API.
 * The one core file that imports kubectl/ (discovery, Table output, watch), to route to it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { SimContext } from './context.ts';
import type { CountedVerb } from './counters.ts';
import type { FaultRule } from './faults.ts';
import { handleGet, handleList } from './handlers-read.ts';
import {
  handleCreate,
  handleDelete,
  handleDeleteCollection,
  handlePatch,
  handleUpdate,
  isDryRun,
  readDeleteOptions,
  type DeleteOptions,
} from './handlers-write.ts';
import { isOpenApiV3Path, serveOpenApiV3 } from './openapi-handler.ts';
import { discoveryDocument } from './kubectl/discovery.ts';
import { wantsTable } from './kubectl/table.ts';
import { handleTableGet, handleTableList } from './kubectl/table-read.ts';
import { handleWatch } from './kubectl/watch.ts';
import { mediaType, parseApiPath, sendError, sendJson, type ApiPath } from './request.ts';
import {
  conflict,
  internalError,
  methodNotAllowed,
  MODIFIED,
  pathNotFound,
  serviceUnavailable,
  tooManyRequests,
} from './status.ts';

/** Handler for `/_sim/*` requests (control API), supplied by control.ts. */
export type ControlHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

type Resource = Extract<ApiPath, { type: 'resource' }>;

/** Which counted verb a request is. */
function verbOf(req: IncomingMessage, path: ApiPath, q: URLSearchParams): CountedVerb | undefined {
  if (path.type === 'discovery') return 'discovery';
  if (path.type !== 'resource') return undefined;
  const watch = q.get('watch') === 'true' || q.get('watch') === '1';
  switch (req.method) {
    case 'GET':
      return watch ? 'watch' : path.name ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return mediaType(req) === 'application/apply-patch+yaml' ? 'apply' : 'patch';
    case 'DELETE':
      return 'delete';
    default:
      return undefined;
  }
}

/** Carries out a matched fault; returns true when the request was answered (or dropped) by it. */
async function applyFault(
  ctx: SimContext,
  rule: FaultRule,
  req: IncomingMessage,
  res: ServerResponse,
  path: ApiPath,
): Promise<boolean> {
  if (rule.latencyMs) await new Promise((r) => setTimeout(r, rule.latencyMs));
  if (rule.reset) {
    req.socket.destroy();
    return true;
  }
  if (rule.timeout) {
    // Never answer; the client's own timeout (or server stop) ends it.
    const hold = { close: () => res.destroy() };
    ctx.watches.add(hold);
    req.on('close', () => ctx.watches.delete(hold));
    return true;
  }
  if (!rule.status) return false;
  const r = path.type === 'resource' ? path : undefined;
  const def = r ? ctx.registry.get(r.plural) : undefined;
  if (rule.status === 429) sendError(res, tooManyRequests(1));
  else if (rule.status === 503) sendError(res, serviceUnavailable());
  else if (rule.status === 409 && def) sendError(res, conflict(def, r?.name ?? '', MODIFIED));
  else sendError(res, internalError('injected fault'));
  return true;
}

async function routeResource(
  ctx: SimContext,
  req: IncomingMessage,
  res: ServerResponse,
  p: Resource,
  q: URLSearchParams,
  deleteOpts: DeleteOptions,
): Promise<void> {
  const found = ctx.registry.find(p.group, p.version, p.plural);
  if (!found) throw pathNotFound();
  const t = found;
  if (t.def.namespaced === false && p.namespace !== undefined) throw pathNotFound();
  const ns = t.def.namespaced ? p.namespace : undefined;
  const watch = q.get('watch') === 'true' || q.get('watch') === '1';
  if (p.subresource !== undefined && (p.subresource !== 'status' || !t.version.statusSubresource)) throw pathNotFound();
  if (t.def.namespaced && !ns && req.method !== 'GET') throw pathNotFound();
  switch (req.method) {
    case 'GET':
      // kubectl's ways of reading first (kubectl/): a watch stream, Table output.
      if (watch) return handleWatch(ctx, req, res, t, ns, q, p.name);
      if (wantsTable(req.headers.accept)) {
        return p.name ? handleTableGet(ctx, res, t, p.name, ns, q) : handleTableList(ctx, res, t, ns, q);
      }
      if (p.name) return handleGet(ctx, res, t, p.name, ns);
      return handleList(ctx, res, t, ns, q);
    case 'POST':
      if (p.name) throw methodNotAllowed();
      return handleCreate(ctx, req, res, t, ns, q);
    case 'PUT':
      if (!p.name) throw methodNotAllowed();
      return handleUpdate(ctx, req, res, t, p.name, ns, p.subresource, q);
    case 'PATCH':
      if (!p.name) throw methodNotAllowed();
      return handlePatch(ctx, req, res, t, p.name, ns, p.subresource, q);
    case 'DELETE':
      if (p.subresource) throw methodNotAllowed();
      if (!p.name) return handleDeleteCollection(ctx, res, t, ns, q, deleteOpts);
      return handleDelete(ctx, res, t, p.name, ns, deleteOpts);
    default:
      throw methodNotAllowed();
  }
}

/** Counts, faults, then routes one request. */
async function handle(
  ctx: SimContext,
  control: ControlHandler,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://dkp-sim');
  if (url.pathname === '/_sim' || url.pathname.startsWith('/_sim/')) return control(req, res, url);
  const path = parseApiPath(url.pathname);
  const q = url.searchParams;
  const verb = verbOf(req, path, q);
  // DeleteOptions may carry dryRun in the body (kubectl sends it there), so read it before counting.
  const deleteOpts: DeleteOptions = verb === 'delete' ? await readDeleteOptions(req, q) : { dryRun: false };
  if (verb) {
    const resource = path.type === 'resource' ? path.plural : undefined;
    ctx.counters.record(verb, resource, isDryRun(q) || deleteOpts.dryRun);
    const info = {
      verb,
      ...(resource ? { resource } : {}),
      ...(path.type === 'resource' && path.name ? { name: path.name } : {}),
    };
    const rule = ctx.faults.match(info);
    if (rule && (await applyFault(ctx, rule, req, res, path))) return;
  }
  if (path.type === 'discovery') {
    if (isOpenApiV3Path(url.pathname)) return serveOpenApiV3(ctx.registry, req, res, url);
    const doc = req.method === 'GET' ? discoveryDocument(ctx.registry, url.pathname, ctx.address()) : undefined;
    if (!doc) throw pathNotFound();
    sendJson(res, 200, doc);
    return;
  }
  if (path.type !== 'resource') throw pathNotFound();
  return routeResource(ctx, req, res, path, q, deleteOpts);
}

/** Creates (does not start) the HTTP server of one dkp-sim instance. */
export function createSimServer(ctx: SimContext, control: ControlHandler): Server {
  return createServer((req, res) => {
    handle(ctx, control, req, res).catch((err: unknown) => sendError(res, err));
  });
}
