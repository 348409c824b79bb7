/**
 * The cluster adapter: ClusterPort over the HTTP client (kube-client.ts).
 *
 * What it adds to the client: the URLs of modsync's kinds (known in advance, so no discovery),
 * a deadline on every request and retries with backoff for answers worth retrying, LISTs that
 * follow `continue`, and the ClusterPort's verbs (404 on get is null, a delete of something
 * already gone succeeds).
 */
import { isPlainObject } from '../core/values.ts';
import type { LogSink } from '../core/log-sink.ts';
import { ClusterError, messageOf } from '../core/errors.ts';
import { KIND_INFO, type ClusterKind } from '../core/kinds.ts';
import { subjectOf, type JsonObject, type JsonValue, type KubeObject, type ObjectId } from '../core/object.ts';
import type { KubeConfigLike } from './kube-access.ts';
import {
  ApiStatusError,
  createKubeClient,
  retryAfterOf,
  toClusterError,
  type KubeRequest,
  type RawBody,
} from './kube-client.ts';
import { readOpenApiSchemas } from './openapi.ts';
import { FIELD_MANAGER, type ApplyOptions, type ClusterPort, type DeleteOptions, type WriteOptions } from './port.ts';
import { withRetry } from '../core/retry.ts';

/** How createKubeAdapter talks to the cluster: kubeconfig, deadlines, retries, paging, hooks. */
export interface KubeAdapterOptions {
  /** The kubeconfig (kube-access.ts's KubeAccess, or client-node's KubeConfig). */
  kc: KubeConfigLike;
  /** Deadline of one request, in ms. Default 15000. */
  timeoutMs?: number;
  /** Retries after the first attempt for transient failures. Default 4. */
  retries?: number;
  /** First backoff delay; doubles per retry up to `maxDelayMs`. Defaults 250 and 5000. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /**
   * Page size of LIST requests (`limit`); further pages follow `continue`. Default: none, so
   * a LIST is one request unless the server pages on its own (it is followed then too).
   */
  pageSize?: number;
  /** Where `openApiSchemas` keeps the documents it fetched, by hash; none: fetched every time. */
  openApiCacheDir?: string;
  logger?: LogSink;
  /** Called for every attempt of a request, e.g. to count API requests by verb in metrics. */
  onRequest?: (verb: string, kind: string) => void;
}

/** The API request verbs the adapter reports to `onRequest` and in logs. */
export type RequestVerb = 'list' | 'get' | 'apply' | 'patch' | 'delete' | 'openapi';

/** Creates the ClusterPort over `opts.kc`. Nothing is requested until the first call. */
export function createKubeAdapter(opts: KubeAdapterOptions): ClusterPort {
  const client = createKubeClient(opts.kc);

  /** One request with deadline, retries and error mapping; `transient` may narrow the retried errors. */
  async function request(
    verb: RequestVerb,
    kind: string,
    subject: string,
    req: KubeRequest,
    transient: (e: ClusterError) => boolean = (e) => e.transient,
  ): Promise<RawBody> {
    try {
      return await withRetry(
        async (signal, attempt) => {
          opts.onRequest?.(verb, kind);
          opts.logger?.debug({ verb, subject, attempt }, 'API request');
          return client.send(signal, req);
        },
        {
          retries: opts.retries ?? 4,
          baseDelayMs: opts.baseDelayMs ?? 250,
          maxDelayMs: opts.maxDelayMs ?? 5000,
          timeoutMs: opts.timeoutMs ?? 15_000,
          isTransient: (e) => transient(toClusterError(e, subject, client.server)),
          retryAfterMs: retryAfterOf,
          onRetry: ({ attempt, delayMs, error }) =>
            opts.logger?.warn(
              {
                verb,
                subject,
                attempt,
                delayMs,
                code: toClusterError(error, subject, client.server).code,
                err: messageOf(error),
              },
              'retrying API request',
            ),
        },
      );
    } catch (err) {
      throw toClusterError(err, subject, client.server);
    }
  }

  /** A write (apply, patch): PATCH of the object with `dryRun` and the field manager. */
  async function patch(
    verb: RequestVerb,
    id: ObjectId,
    contentType: string,
    body: unknown,
    dryRun: boolean,
    force?: boolean,
  ): Promise<KubeObject> {
    const query = {
      fieldManager: FIELD_MANAGER,
      dryRun: dryRun ? 'All' : undefined,
      force: force ? 'true' : undefined,
    };
    const req: KubeRequest = { method: 'PATCH', path: objectPath(id), query, body, contentType };
    return asObject(await request(verb, id.kind, subjectOf(id), req));
  }

  return {
    async list(kind) {
      const page = (token: string | undefined) =>
        request('list', kind, kind, {
          method: 'GET',
          path: kindPath(kind),
          query: { limit: opts.pageSize?.toString(), continue: token },
        });
      try {
        return await listPages(page, kind);
      } catch (err) {
        // 410 Expired: the snapshot behind the continue token is gone; a fresh list is consistent again.
        if (err instanceof ClusterError && err.code === 410) return listPages(page, kind);
        throw err;
      }
    },

    async get(id) {
      try {
        return asObject(await request('get', id.kind, subjectOf(id), { method: 'GET', path: objectPath(id) }));
      } catch (err) {
        if (err instanceof ClusterError && err.code === 404 && err.cause instanceof ApiStatusError) return null;
        throw err;
      }
    },

    async apply(obj: KubeObject, options: ApplyOptions) {
      const id = { kind: obj.kind as ClusterKind, name: obj.metadata.name };
      return patch('apply', id, 'application/apply-patch+yaml', obj, options.dryRun, options.force);
    },

    async mergePatch(id: ObjectId, body: JsonObject, options: WriteOptions) {
      return patch('patch', id, 'application/merge-patch+json', body, options.dryRun);
    },

    async jsonPatch(id, ops, options) {
      return patch('patch', id, 'application/json-patch+json', ops, options.dryRun);
    },

    async delete(id: ObjectId, options: DeleteOptions) {
      const { uid, resourceVersion } = options;
      const preconditions = uid || resourceVersion ? { uid, resourceVersion } : undefined;
      const body = { kind: 'DeleteOptions', apiVersion: 'v1', ...(preconditions ? { preconditions } : {}) };
      try {
        await request(
          'delete',
          id.kind,
          subjectOf(id),
          { method: 'DELETE', path: objectPath(id), query: { dryRun: options.dryRun ? 'All' : undefined }, body },
          // A failed precondition fails the same way every time: report it, do not retry it.
          (e) => e.transient && e.code !== 409,
        );
      } catch (err) {
        // Gone already (maybe by an attempt whose answer was lost): that is what was asked for.
        if (err instanceof ClusterError && err.code === 404 && err.cause instanceof ApiStatusError) return;
        throw err;
      }
    },

    async deckhouseVersion() {
      const req: KubeRequest = { method: 'GET', path: '/apis/deckhouse.io/v1alpha1/deckhousereleases' };
      const body = await request('list', 'DeckhouseRelease', 'DeckhouseRelease', req).catch(() => undefined);
      const items = (body?.items ?? []) as KubeObject[];
      const deployed = items.find((r) => (r.status as { phase?: string } | undefined)?.phase === 'Deployed');
      const version = deployed?.spec?.version;
      return typeof version === 'string' ? version : undefined;
    },

    openApiSchemas(groupVersions) {
      return readOpenApiSchemas(groupVersions, {
        cacheDir: opts.openApiCacheDir,
        get: (path, subject) => request('openapi', 'OpenAPI', subject, { method: 'GET', path }),
      });
    },
  };
}

/** `/apis/deckhouse.io/v1alpha1/moduleconfigs`: every modsync kind is cluster-scoped. */
function kindPath(kind: ClusterKind): string {
  const info = KIND_INFO[kind];
  if (!info) throw new ClusterError(`modsync does not know the kind ${String(kind)}`, { code: 0, transient: false });
  return `/apis/${info.group}/${info.version}/${info.plural}`;
}

function objectPath(id: ObjectId): string {
  return `${kindPath(id.kind)}/${encodeURIComponent(id.name)}`;
}

async function listPages(
  page: (token: string | undefined) => Promise<RawBody>,
  kind: ClusterKind,
): Promise<KubeObject[]> {
  const info = KIND_INFO[kind];
  const apiVersion = `${info.group}/${info.version}`;
  const items: KubeObject[] = [];
  let token: string | undefined;
  do {
    const body = await page(token);
    const pageItems = Array.isArray(body.items) ? (body.items as unknown as KubeObject[]) : [];
    // Items of a CRD list carry apiVersion and kind; fill them in should a server omit them.
    for (const item of pageItems) {
      const complete = item.apiVersion && item.kind;
      items.push(complete ? item : { ...item, apiVersion: item.apiVersion ?? apiVersion, kind: item.kind ?? kind });
    }
    const meta = isPlainObject<JsonValue>(body.metadata) ? body.metadata : {};
    token = typeof meta.continue === 'string' && meta.continue !== '' ? meta.continue : undefined;
  } while (token);
  return items;
}

function asObject(body: RawBody): KubeObject {
  return body as unknown as KubeObject;
}
