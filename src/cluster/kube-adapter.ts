/**
 * The cluster adapter: ClusterPort on top of the Kubernetes client (kube-client.ts).
 *
 * What it adds to the client: a deadline on every request and retries with backoff for
 * answers worth retrying, paged LISTs, and the ClusterPort's verbs (404 on get is null,
 * a delete of something already gone succeeds).
 */
import { ApiException, PatchStrategy, type KubeConfig, type KubernetesObject, type KubernetesObjectApi } from '@kubernetes/client-node';
import { ClusterError, messageOf } from '../core/errors.ts';
import { apiVersionOf } from '../core/kinds.ts';
import { subjectOf, type JsonObject, type KubeObject, type ObjectId } from '../core/object.ts';
import { createKubeClient, isObject, retryAfterOf, toClusterError, type RawBody } from './kube-client.ts';
import { FIELD_MANAGER, type ApplyOptions, type ClusterPort, type DeleteOptions, type WriteOptions } from './port.ts';
import { withRetry } from './retry.ts';

/** Where adapter diagnostics go (a pino logger fits). */
export interface AdapterLogger {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** How createKubeAdapter talks to the cluster: kubeconfig, deadlines, retries, paging, hooks. */
export interface KubeAdapterOptions {
  kc: KubeConfig;
  /** Deadline of one request, in ms. Default 15000. */
  timeoutMs?: number;
  /** Retries after the first attempt for transient failures. Default 4. */
  retries?: number;
  /** First backoff delay; doubles per retry up to `maxDelayMs`. Defaults 250 and 5000. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Page size of LIST requests (`limit`); further pages follow `continue`. Default 500. */
  pageSize?: number;
  logger?: AdapterLogger;
  /** Called for every attempt of a request (discovery not included), e.g. to count API requests by verb in metrics. */
  onRequest?: (verb: string, kind: string) => void;
}

/** The API request verbs the adapter reports to `onRequest` and in logs. */
export type RequestVerb = 'list' | 'get' | 'apply' | 'patch' | 'delete';

/** Creates the ClusterPort over `opts.kc`. Nothing is requested until the first call. */
export function createKubeAdapter(opts: KubeAdapterOptions): ClusterPort {
  const client = createKubeClient(opts.kc);
  const pageSize = opts.pageSize ?? 500;

  /** One request with deadline, retries and error mapping; `transient` may narrow the retried errors. */
  async function request(
    verb: RequestVerb,
    target: { apiVersion: string; kind: string; subject: string },
    run: (api: KubernetesObjectApi) => Promise<unknown>,
    transient: (e: ClusterError) => boolean = (e) => e.transient,
  ): Promise<RawBody> {
    const { apiVersion, kind, subject } = target;
    try {
      return await withRetry(
        async (signal, attempt) => {
          opts.onRequest?.(verb, kind);
          opts.logger?.debug({ verb, subject, attempt }, 'API request');
          return client.call(signal, apiVersion, kind, run);
        },
        {
          retries: opts.retries ?? 4,
          baseDelayMs: opts.baseDelayMs ?? 250,
          maxDelayMs: opts.maxDelayMs ?? 5000,
          timeoutMs: opts.timeoutMs ?? 15_000,
          isTransient: (e) => transient(toClusterError(e, subject, client.server)),
          retryAfterMs: retryAfterOf,
          onRetry: ({ attempt, delayMs, error }) =>
            opts.logger?.warn({ verb, subject, attempt, delayMs, code: toClusterError(error, subject, client.server).code, err: messageOf(error) }, 'retrying API request'),
        },
      );
    } catch (err) {
      throw toClusterError(err, subject, client.server);
    }
  }

  return {
    async list(kind) {
      const apiVersion = apiVersionOf(kind);
      const page = (continueToken: string | undefined) =>
        request('list', { apiVersion, kind, subject: kind }, (api) =>
          api.list(apiVersion, kind, undefined, undefined, undefined, undefined, undefined, undefined, pageSize, continueToken),
        );
      try {
        return await listPages(page, apiVersion, kind);
      } catch (err) {
        // 410 Expired: the snapshot behind the continue token is gone; a fresh list is consistent again.
        if (err instanceof ClusterError && err.code === 410) return listPages(page, apiVersion, kind);
        throw err;
      }
    },

    async get(id) {
      const ref = headerOf(id);
      try {
        return asObject(await request('get', targetOf(id), (api) => api.read(ref)));
      } catch (err) {
        if (err instanceof ClusterError && err.code === 404 && err.cause instanceof ApiException) return null;
        throw err;
      }
    },

    async apply(obj: KubeObject, options: ApplyOptions) {
      // client-node fills in missing fields of the object it is given: hand it a copy.
      // Its KubernetesObject type wants Dates for timestamps; the body is sent as JSON either way.
      const body = { ...obj, metadata: { ...obj.metadata } } as KubernetesObject;
      return asObject(
        await request('apply', { apiVersion: obj.apiVersion, kind: obj.kind, subject: `${obj.kind}/${obj.metadata.name}` }, (api) =>
          api.patch(body, undefined, dryRunOf(options), FIELD_MANAGER, options.force, PatchStrategy.ServerSideApply),
        ),
      );
    },

    async mergePatch(id: ObjectId, patch: JsonObject, options: WriteOptions) {
      const patchMeta = isObject(patch.metadata) ? patch.metadata : {};
      // The object header only routes the request; apiVersion, kind and name are no-ops in a merge patch.
      const body = { ...patch, ...headerOf(id), metadata: { ...patchMeta, name: id.name } };
      return asObject(
        await request('patch', targetOf(id), (api) =>
          api.patch(body, undefined, dryRunOf(options), FIELD_MANAGER, undefined, PatchStrategy.MergePatch),
        ),
      );
    },

    async delete(id: ObjectId, options: DeleteOptions) {
      const preconditions = options.uid || options.resourceVersion ? { uid: options.uid, resourceVersion: options.resourceVersion } : undefined;
      try {
        await request(
          'delete',
          targetOf(id),
          (api) => api.delete(headerOf(id), undefined, dryRunOf(options), undefined, undefined, undefined, preconditions ? { preconditions } : undefined),
          // A failed precondition fails the same way every time: report it, do not retry it.
          (e) => e.transient && e.code !== 409,
        );
      } catch (err) {
        // Gone already (maybe by an attempt whose answer was lost): that is what was asked for.
        if (err instanceof ClusterError && err.code === 404 && err.cause instanceof ApiException) return;
        throw err;
      }
    },
  };
}

function headerOf(id: ObjectId): { apiVersion: string; kind: string; metadata: { name: string } } {
  return { apiVersion: apiVersionOf(id.kind), kind: id.kind, metadata: { name: id.name } };
}

async function listPages(page: (token: string | undefined) => Promise<RawBody>, apiVersion: string, kind: string): Promise<KubeObject[]> {
  const items: KubeObject[] = [];
  let token: string | undefined;
  do {
    const body = await page(token);
    const pageItems = Array.isArray(body.items) ? (body.items as unknown as KubeObject[]) : [];
    // Items of a CRD list carry apiVersion and kind; fill them in should a server omit them.
    for (const item of pageItems) items.push({ ...item, apiVersion: item.apiVersion ?? apiVersion, kind: item.kind ?? kind });
    const meta = isObject(body.metadata) ? body.metadata : {};
    token = typeof meta.continue === 'string' && meta.continue !== '' ? meta.continue : undefined;
  } while (token);
  return items;
}

function targetOf(id: ObjectId): { apiVersion: string; kind: string; subject: string } {
  return { apiVersion: apiVersionOf(id.kind), kind: id.kind, subject: subjectOf(id) };
}

function dryRunOf(options: WriteOptions): 'All' | undefined {
  return options.dryRun ? 'All' : undefined;
}

function asObject(body: RawBody): KubeObject {
  return body as unknown as KubeObject;
}
