/**
 * The Kubernetes client under the cluster adapter and the Lease lock: one
 * @kubernetes/client-node KubernetesObjectApi with the plumbing both need.
 *
 * - every call runs under an AbortSignal handed to undici, so a deadline really gives up on a
 *   silent server;
 * - the response body exactly as the server sent it. client-node deserializes `metadata`
 *   into a V1ObjectMeta class, which turns timestamps into Dates and drops the `continue`
 *   token of a custom resource list; a response middleware keeps the raw text instead;
 * - every failure as one ClusterError whose message starts with `Kind/name`, like kubectl's.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  ApiException,
  type KubeConfig,
  KubernetesObjectApi,
  ResponseContext,
  ServerConfiguration,
  createConfiguration,
  type RequestContext,
  type V1APIResource,
} from '@kubernetes/client-node';
import { ClusterError, messageOf, type StatusCause } from '../core/errors.ts';
import type { JsonObject } from '../core/object.ts';
import { AttemptTimeoutError, parseRetryAfter } from './retry.ts';

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

/** True for a JSON object (not an array, not null). */
export function isObject(value: unknown): value is JsonObject {
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

/** The Retry-After delay of a 429 answer, in ms, for the retry loop. */
export function retryAfterOf(err: unknown): number | undefined {
  const cause = err instanceof ClusterError ? err.cause : err;
  if (!(cause instanceof ApiException) || cause.code !== 429) return undefined;
  const headers = cause.headers as Record<string, string> | undefined;
  return parseRetryAfter(headers?.['retry-after']);
}
