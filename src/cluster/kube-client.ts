/**
 * The HTTP client under the cluster adapter and the Lease lock: one request to the API server
 * with the kubeconfig's credentials, over node:http(s) with keep-alive.
 *
 * - no discovery: the callers know their group, version and plural (core/kinds.ts), so a
 *   request is one HTTP exchange;
 * - every request runs under an AbortSignal, so a deadline really gives up on a silent server;
 * - the response body exactly as the server sent it (plain JSON, timestamps as strings);
 * - every failure as one ClusterError whose message starts with `Kind/name`, like kubectl's,
 *   and whose `transient` says whether another attempt can succeed.
 */
import { isPlainObject } from '../core/values.ts';
import type { IncomingHttpHeaders } from 'node:http';
import type { RequestOptions } from 'node:https';
import { nodeHttpModules } from '../core/node-http-modules.ts';
import { ClusterError, messageOf, type StatusCause } from '../core/errors.ts';
import type { JsonObject, JsonValue } from '../core/object.ts';
import type { KubeConfigLike } from './kube-access.ts';
import { AttemptTimeoutError, parseRetryAfter } from '../core/retry.ts';

/** A JSON value straight from a response body. */
export type RawBody = JsonObject;

/** One API request: method, path (with the query already in it or in `query`), optional body. */
export interface KubeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | undefined>;
  /** Sent as JSON. */
  body?: unknown;
  /** Content type of the body; default `application/json`. */
  contentType?: string;
}

/** The raw answer of a request that succeeded: parsed body and the headers. */
export interface KubeResponse {
  body: RawBody;
  headers: IncomingHttpHeaders;
}

/** One API server connection; shared by the adapter's verbs and the Lease lock. */
export interface KubeClient {
  /** The API server URL, named in "no answer" messages. */
  readonly server: string;
  /** One request; resolves with the body of a 2xx answer, rejects with ApiStatusError or a network/abort error. */
  send(signal: AbortSignal, req: KubeRequest): Promise<RawBody>;
  /** Like send, with the response headers (ETag and friends). */
  exchange(signal: AbortSignal, req: KubeRequest): Promise<KubeResponse>;
}

/** An answer outside 2xx: status code, raw body text and headers. */
export class ApiStatusError extends Error {
  readonly code: number;
  readonly body: string;
  readonly headers: IncomingHttpHeaders;

  constructor(code: number, body: string, headers: IncomingHttpHeaders) {
    super(`HTTP ${code}`);
    this.name = 'ApiStatusError';
    this.code = code;
    this.body = body;
    this.headers = headers;
  }
}

/** Builds the client for `kc`'s current context. */
export function createKubeClient(kc: KubeConfigLike): KubeClient {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new ClusterError('the kubeconfig has no current cluster', { code: 0 });
  const server = cluster.server.replace(/\/+$/, '');
  const base = new URL(server);
  const plain = base.protocol === 'http:';
  const node = nodeHttpModules();
  const httpAgent = plain ? new node.http.Agent({ keepAlive: true }) : undefined;

  async function exchange(signal: AbortSignal, req: KubeRequest): Promise<KubeResponse> {
    const opts: RequestOptions = { headers: { 'User-Agent': 'modsync', Accept: 'application/json' } };
    await kc.applyToHTTPSOptions(opts);
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) query.set(k, v);
    const search = query.size ? `${req.path.includes('?') ? '&' : '?'}${query}` : '';
    const payload = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
    const headers: Record<string, string | number> = { ...(opts.headers as Record<string, string>) };
    if (payload) {
      headers['Content-Type'] = req.contentType ?? 'application/json';
      headers['Content-Length'] = payload.length;
    }
    const options: RequestOptions = {
      ...opts,
      method: req.method,
      protocol: base.protocol,
      hostname: base.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: base.port || (plain ? 80 : 443),
      path: `${base.pathname.replace(/\/$/, '')}${req.path}${search}`,
      headers,
      signal,
      agent: plain ? httpAgent : opts.agent,
    };
    return new Promise<KubeResponse>((resolve, reject) => {
      const call = (plain ? node.http.request : node.https.request)(options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const code = res.statusCode ?? 0;
          if (code < 200 || code >= 300) return reject(new ApiStatusError(code, text, res.headers));
          try {
            resolve({ body: parseBody(text), headers: res.headers });
          } catch (err) {
            const message = `the server answered HTTP ${code} with a body that is not JSON: ${messageOf(err)}`;
            reject(new ClusterError(message, { code }));
          }
        });
      });
      call.on('error', (err) => reject(signal.aborted && signal.reason instanceof Error ? signal.reason : err));
      call.end(payload);
    });
  }

  return { server, exchange, send: async (signal, req) => (await exchange(signal, req)).body };
}

/**
 * Turns anything a request threw into a ClusterError about `subject`: the server's Status
 * (code, reason, message, causes) when it answered, code 0 when it did not.
 */
export function toClusterError(err: unknown, subject: string | undefined, server: string): ClusterError {
  if (err instanceof ClusterError) {
    if (err.subject !== undefined || subject === undefined) return err;
    const { code, statusReason, causes, transient } = err;
    return new ClusterError(err.message, { code, statusReason, causes, subject, cause: err.cause, transient });
  }
  if (err instanceof ApiStatusError) {
    const status = statusOf(err.body);
    const message = status?.message || `the server answered HTTP ${err.code}${bodySnippet(err.body)}`;
    const transient = isTransientStatus(err.code, message, status?.causes ?? []);
    const statusReason = status?.reason;
    const causes = status?.causes;
    return new ClusterError(message, { code: err.code, statusReason, causes, subject, cause: err, transient });
  }
  const noAnswer = { code: 0, subject, cause: err, transient: true };
  const aborted = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
  if (err instanceof AttemptTimeoutError || aborted) {
    return new ClusterError(`no answer from ${server}: ${messageOf(err)}`, noAnswer);
  }
  return new ClusterError(`cannot reach ${server}: ${networkReason(err)}`, noAnswer);
}

/**
 * Whether another attempt of a request the server answered with `code` can succeed.
 *
 * 5xx and 429 usually can, except the 500s the apiserver returns for a request that fails the
 * same way every time:
 * - `failed to create typed patch object` / `typed live object`: the server-side apply field
 *   manager could not convert the object to the schema's types, e.g. a field the CRD does not
 *   declare (apiserver pkg/endpoints/handlers/fieldmanager, structured-merge-diff);
 * - `admission webhook "…" denied the request`: a webhook's verdict, which the apiserver
 *   reports with the code the webhook chose, 500 included
 *   (apiserver pkg/admission/plugin/webhook/errors/statuserror.go, ToStatusErr).
 * `failed calling webhook` (the webhook could not be reached) stays transient.
 * 409 is a resourceVersion race worth another attempt, unless it is a field manager conflict.
 */
export function isTransientStatus(code: number, message: string, causes: readonly StatusCause[]): boolean {
  if (code === 409) return !causes.some((c) => c.reason === 'FieldManagerConflict');
  if (code === 429) return true;
  if (code < 500) return false;
  return !DETERMINISTIC_5XX.some((re) => re.test(message));
}

const DETERMINISTIC_5XX = [
  /failed to create typed (patch|live) object/,
  /admission webhook "[^"]*" denied the request/,
];

function parseBody(text: string): RawBody {
  if (text.trim() === '') return {};
  const parsed: unknown = JSON.parse(text);
  return isObject(parsed) ? parsed : {};
}

/** True for a JSON object (not an array, not null). */
const isObject = (value: unknown): value is JsonObject => isPlainObject<JsonValue>(value);

interface ParsedStatus {
  message?: string;
  reason?: string;
  causes: StatusCause[];
}

/** Reads a Kubernetes `Status` from an error body. */
function statusOf(body: string): ParsedStatus | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
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

function bodySnippet(body: string): string {
  const text = body.trim();
  return text ? `: ${text.length > 200 ? `${text.slice(0, 200)}…` : text}` : '';
}

function networkReason(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } } | undefined;
  const cause = e?.code ? e : e?.cause;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  if (cause?.message) return cause.message;
  return messageOf(err);
}

/** The Retry-After delay of a 429 answer, in ms, for the retry loop. */
export function retryAfterOf(err: unknown): number | undefined {
  const cause = err instanceof ClusterError ? err.cause : err;
  if (!(cause instanceof ApiStatusError) || cause.code !== 429) return undefined;
  const value = cause.headers['retry-after'];
  return parseRetryAfter(Array.isArray(value) ? value[0] : value);
}
