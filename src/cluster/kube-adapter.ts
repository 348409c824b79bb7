/**
 * The cluster adapter: ClusterPort on top of @kubernetes/client-node's KubernetesObjectApi.
 *
 * What it adds to the client:
 * - a deadline on every request (an AbortSignal handed to undici, so a silent server is
 *   really given up) and retries with backoff for answers worth retrying;
 * - the response body exactly as the server sent it. client-node deserializes `metadata`
 *   into a V1ObjectMeta class, which turns timestamps into Dates and drops the `continue`
 *   token of a custom resource list; a response middleware keeps the raw text instead;
 * - every failure as one ClusterError whose message starts with `Kind/name`, like kubectl's.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  ApiException,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  type KubernetesObject,
  ResponseContext,
  ServerConfiguration,
  createConfiguration,
  type RequestContext,
  type V1APIResource,
} from '@kubernetes/client-node';
import { ClusterError, messageOf, type StatusCause } from '../core/errors.ts';
import { apiVersionOf } from '../core/kinds.ts';
import { subjectOf, type JsonObject, type KubeObject, type ObjectId } from '../core/object.ts';
import { FIELD_MANAGER, type ApplyOptions, type ClusterPort, type DeleteOptions, type WriteOptions } from './port.ts';
import { AttemptTimeoutError, parseRetryAfter, withRetry } from './retry.ts';

/** Where adapter diagnostics go (a pino logger fits). */
export interface AdapterLogger {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

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

/** A JSON value straight from a response body. */
export type RawBody = JsonObject;

/** One KubernetesObjectApi with the timeout and raw-body plumbing; shared with the Lease lock. */
export interface KubeClient {
  readonly api: DiscoveringObjectApi;
  /** The API server URL, named in "no answer" messages. */
  readonly server: string;
  /**
   * Runs one client-node call under `signal`: resolves the resource by discovery first
   * (cached; failures become ClusterError), then returns the body the server sent, or
   * rejects with the client's own error (ApiException, abort, network error).
   */
  call(signal: AbortSignal, apiVersion: string, kind: string, run: (api: KubernetesObjectApi) => Promise<unknown>): Promise<RawBody>;
}

/** KubernetesObjectApi with its cached discovery lookup made callable. */
export class DiscoveringObjectApi extends KubernetesObjectApi {
  /** The APIResource of `kind` in `apiVersion` (one discovery GET per group version, then cached). */
  discover(apiVersion: string, kind: string): Promise<V1APIResource | undefined> {
    return this.resource(apiVersion, kind);
  }
}

interface CallScope {
  signal: AbortSignal;
  body?: string;
}

/** Builds the client for `kc`'s current context; one per adapter so discovery stays cached. */
export function createKubeClient(kc: KubeConfig): KubeClient {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new ClusterError('the kubeconfig has no current cluster', { code: 0 });
  const scopes = new AsyncLocalStorage<CallScope>();
  let sharedDispatcher: ReturnType<RequestContext['getDispatcher']>;
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kc },
    promiseMiddleware: [
      {
        pre: async (ctx: RequestContext) => {
          ctx.setHeaderParam('User-Agent', 'modsync');
          // For TLS clusters client-node makes a new undici Agent per request; keep the first so
          // connections are reused and idle agents do not pile up in a long-running daemon.
          const dispatcher = ctx.getDispatcher();
          if (dispatcher && !sharedDispatcher) sharedDispatcher = dispatcher;
          else if (dispatcher && sharedDispatcher && dispatcher !== sharedDispatcher) {
            void dispatcher.close();
            ctx.setDispatcher(sharedDispatcher);
          }
          const scope = scopes.getStore();
          if (scope) ctx.setSignal(scope.signal);
          return ctx;
        },
        post: async (rsp: ResponseContext) => {
          const scope = scopes.getStore();
          if (!scope) return rsp;
          const text = await rsp.body.text();
          scope.body = text;
          return new ResponseContext(rsp.httpStatusCode, rsp.headers, {
            text: async () => text,
            binary: async () => Buffer.from(text),
            stream: () => null,
          });
        },
      },
    ],
  });
  const api = new DiscoveringObjectApi(configuration);
  const server = cluster.server;

  return {
    api,
    server,
    call(signal, apiVersion, kind, run) {
      const scope: CallScope = { signal };
      return scopes.run(scope, async () => {
        await discover(api, server, apiVersion, kind);
        scope.body = undefined;
        await run(api);
        return parseBody(scope.body);
      });
    },
  };
}

/**
 * Turns anything a request threw into a ClusterError about `subject`: the server's Status
 * (code, reason, message, causes) when it answered, code 0 when it did not.
 */
export function toClusterError(err: unknown, subject: string | undefined, server: string): ClusterError {
  if (err instanceof ClusterError) {
    if (err.subject !== undefined || subject === undefined) return err;
    return new ClusterError(err.message, { code: err.code, statusReason: err.statusReason, causes: err.causes, subject, cause: err.cause });
  }
  if (err instanceof ApiException) {
    const status = statusOf(err.body);
    const code = Number(err.code) || 0;
    const message = status?.message || `the server answered HTTP ${code}${bodySnippet(err.body)}`;
    return new ClusterError(message, { code, statusReason: status?.reason, causes: status?.causes, subject, cause: err });
  }
  if (err instanceof AttemptTimeoutError || (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'))) {
    return new ClusterError(`no answer from ${server}: ${messageOf(err)}`, { code: 0, subject, cause: err });
  }
  const reason = networkReason(err);
  return new ClusterError(`cannot reach ${server}: ${reason}`, { code: 0, subject, cause: err });
}

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

async function discover(api: DiscoveringObjectApi, server: string, apiVersion: string, kind: string): Promise<void> {
  let found: unknown;
  try {
    found = await api.discover(apiVersion, kind);
  } catch (err) {
    const mapped = toClusterError(err, undefined, server);
    throw new ClusterError(`API discovery of ${apiVersion} failed: ${mapped.message}`, {
      code: mapped.code,
      statusReason: mapped.statusReason,
      cause: mapped,
    });
  }
  if (!found) {
    throw new ClusterError(`the server doesn't have a resource type for kind ${kind} in ${apiVersion}`, { code: 404, statusReason: 'NotFound' });
  }
}

function parseBody(text: string | undefined): RawBody {
  if (text === undefined || text.trim() === '') return {};
  const parsed: unknown = JSON.parse(text);
  return isObject(parsed) ? parsed : {};
}

function asObject(body: RawBody): KubeObject {
  return body as unknown as KubeObject;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

interface ParsedStatus {
  message?: string;
  reason?: string;
  causes: StatusCause[];
}

/** Reads a Kubernetes `Status` from an error body (a JSON string from client-node, or already parsed). */
function statusOf(body: unknown): ParsedStatus | undefined {
  let value = body;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (!isObject(value) || value.kind !== 'Status') return undefined;
  const details = isObject(value.details) ? value.details : {};
  const causes = Array.isArray(details.causes) ? details.causes.filter(isObject) : [];
  return {
    message: typeof value.message === 'string' ? value.message : undefined,
    reason: typeof value.reason === 'string' ? value.reason : undefined,
    // The wire name of a cause's type is `reason`; accept `type` too, as some writers use it.
    causes: causes.map((c) => ({
      reason: typeof c.reason === 'string' ? c.reason : typeof c.type === 'string' ? c.type : undefined,
      message: typeof c.message === 'string' ? c.message : undefined,
      field: typeof c.field === 'string' ? c.field : undefined,
    })),
  };
}

function bodySnippet(body: unknown): string {
  const text = typeof body === 'string' ? body.trim() : '';
  return text ? `: ${text.length > 200 ? `${text.slice(0, 200)}…` : text}` : '';
}

function networkReason(err: unknown): string {
  const cause = err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  if (cause?.message) return cause.message;
  return messageOf(err);
}

function retryAfterOf(err: unknown): number | undefined {
  const cause = err instanceof ClusterError ? err.cause : err;
  if (!(cause instanceof ApiException) || cause.code !== 429) return undefined;
  const headers = cause.headers as Record<string, string> | undefined;
  return parseRetryAfter(headers?.['retry-after']);
}
