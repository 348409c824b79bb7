/**
 * The one HTTP client the forge adapters share: plain `fetch` with a timeout on every attempt,
 * bounded retries with backoff for 5xx, network failures and rate limits, pagination, and
 * error wrapping into `HostError` with the token scrubbed from messages.
 * The contract the adapters fulfil on top of it is in `forge.ts`.
 */
import type { LogSink } from '../core/log-sink.ts';
import { HostError, messageOf } from '../core/errors.ts';
import { AttemptTimeoutError, parseRetryAfter, withRetry } from '../core/retry.ts';
import { Redactor } from '../core/redact.ts';
import { forgeMessage } from './forge.ts';

/** Transport settings shared by all adapters; defaults are documented on each field. */
export interface HttpOptions {
  /** API root without a trailing slash, e.g. `https://api.github.com`, `https://HOST/api/v4`. */
  baseUrl: string;
  /** Auth and content headers for every request. */
  headers: Record<string, string>;
  /** Text that must never appear in errors or logs (the token). */
  secrets?: string[];
  /** Prefix of error messages, e.g. `github acme/app`. */
  subject: string;
  fetch?: typeof fetch;
  /** Per attempt, default 30 s. */
  timeoutMs?: number;
  /** Retries after the first attempt, default 3. */
  retries?: number;
  /** First backoff step, doubled on each retry; default 1 s. */
  retryDelayMs?: number;
  /** A rate limit asking to wait longer than this fails at once (transient); default 60 s. */
  maxRetryWaitMs?: number;
  /** How to wait between attempts (tests pass a recorder). */
  sleep?: (ms: number) => Promise<void>;
  logger?: LogSink;
}

/** A finished request whose status the caller asked to see as a value. */
export interface HttpAnswer<T> {
  status: number;
  headers: Headers;
  data: T;
}

/** Per-request knobs: query parameters, JSON body, statuses that are answers rather than errors. */
export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** Non-2xx statuses returned to the caller instead of thrown (404 for "not found", 409/422 for "exists"). */
  expect?: number[];
}

/** Far more than modsync's own pull requests or one pull request's comments ever span. */
const MAX_PAGES = 100;

/** A forge's JSON API reached over `fetch`; one per adapter instance, no global state. */
export class ForgeHttp {
  private readonly opts: HttpOptions;
  private readonly redactor = new Redactor();
  private readonly origin: string;

  constructor(opts: HttpOptions) {
    this.opts = opts;
    for (const s of opts.secrets ?? []) this.redactor.add(s);
    this.origin = new URL(opts.baseUrl).origin;
  }

  /** Sends one request (with retries) and decodes the JSON answer. */
  async request<T>(method: string, path: string, ro: RequestOptions = {}): Promise<HttpAnswer<T>> {
    return this.send<T>(method, this.url(path, ro.query), ro);
  }

  /**
   * Every item of a list endpoint from page 1, following `Link: rel="next"` (or GitLab's
   * `x-next-page`). The adapter puts its own page-size parameter into `query`.
   */
  async paginate<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T[]> {
    const items: T[] = [];
    let url: string | null = this.url(path, { ...query, page: 1 });
    for (let pages = 0; url; pages++) {
      // A bound so a server that keeps answering "next" cannot keep us here forever.
      if (pages === MAX_PAGES) throw this.fail(`GET ${this.pathOf(url)}: more than ${MAX_PAGES} pages`, false);
      const answer: HttpAnswer<T[]> = await this.send<T[]>('GET', url, {});
      if (!Array.isArray(answer.data)) throw this.fail(`GET ${this.pathOf(url)}: expected a JSON list`, false);
      items.push(...answer.data);
      url = this.nextPage(url, answer.headers);
    }
    return items;
  }

  /** The error for an answer the caller asked to see (`expect`) but cannot use. */
  unexpected(method: string, path: string, answer: HttpAnswer<unknown>): HostError {
    const msg = forgeMessage(answer.data).replace(/\s+/g, ' ').trim();
    return this.fail(`${method} ${path}: HTTP ${answer.status}${msg ? `: ${msg.slice(0, 300)}` : ''}`, false);
  }

  private url(path: string, query: RequestOptions['query']): string {
    const u = new URL(this.opts.baseUrl + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u.toString();
  }

  private nextPage(current: string, headers: Headers): string | null {
    const link = headers.get('link');
    const next = link?.split(',').find((part) => /rel="?next"?/.test(part));
    const target = next?.match(/<([^>]+)>/)?.[1];
    if (target) {
      const u = new URL(target, current);
      // Never send the token to another origin, whatever a header says.
      if (u.origin !== this.origin) throw this.fail(`pagination link leads to another origin (${u.origin})`, false);
      return u.toString();
    }
    const nextPage = headers.get('x-next-page');
    if (nextPage) {
      const u = new URL(current);
      u.searchParams.set('page', nextPage);
      return u.toString();
    }
    return null;
  }

  /**
   * One request on the shared retry engine (core/retry.ts): 5xx, rate limits and network
   * failures are tried again after a doubling backoff, or the wait the forge asked for; other
   * answers are final. A POST is not repeated after a network failure: the forge may have acted
   * on it already (a second comment); the caller's next run looks before it writes.
   */
  private async send<T>(method: string, url: string, ro: RequestOptions): Promise<HttpAnswer<T>> {
    const what = `${method} ${this.pathOf(url)}`;
    const backoff = (attempt: number): number => (this.opts.retryDelayMs ?? 1000) * 2 ** attempt;
    try {
      return await withRetry((signal, attempt) => this.attempt<T>(method, url, ro, signal, backoff(attempt)), {
        retries: this.opts.retries ?? 3,
        baseDelayMs: this.opts.retryDelayMs ?? 1000,
        maxDelayMs: Number.MAX_SAFE_INTEGER,
        timeoutMs: this.timeoutMs,
        isTransient: (err) =>
          (err instanceof AttemptFailed && err.retryInMs !== undefined) ||
          (err instanceof AttemptTimeoutError && method !== 'POST'),
        retryAfterMs: (err) => (err instanceof AttemptFailed ? err.retryInMs : undefined),
        maxRetryAfterMs: Number.MAX_SAFE_INTEGER,
        // The timeout's own retry gets the doubling backoff too: no jitter in the forge's waits.
        random: () => 1,
        ...(this.opts.sleep && { sleep: this.opts.sleep }),
        onRetry: ({ attempt, delayMs, error }) => {
          const status = error instanceof AttemptFailed ? error.status : 0;
          const data = { host: this.opts.subject, request: what, status, attempt, waitMs: delayMs };
          this.opts.logger?.warn(data, 'git host request retried');
        },
      });
    } catch (err) {
      if (err instanceof AttemptFailed) throw err.error;
      if (err instanceof AttemptTimeoutError)
        throw this.fail(`${what}: no answer within ${this.timeoutMs} ms`, true, err);
      throw err;
    }
  }

  /** One attempt; a failure says whether (and after how long) another attempt may succeed. */
  private async attempt<T>(
    method: string,
    url: string,
    ro: RequestOptions,
    signal: AbortSignal,
    backoffMs: number,
  ): Promise<HttpAnswer<T>> {
    const what = `${method} ${this.pathOf(url)}`;
    let res: Response;
    let text: string;
    try {
      res = await this.fetchOnce(method, url, ro.body, signal);
      text = await res.text();
    } catch (err) {
      // Timeouts, resets, refused connections.
      const error = this.fail(`${what}: ${networkMessage(err, this.timeoutMs)}`, true, err);
      throw new AttemptFailed(error, 0, method === 'POST' ? undefined : backoffMs);
    }
    this.opts.logger?.debug({ host: this.opts.subject, request: what, status: res.status }, 'git host request');
    if (res.ok || ro.expect?.includes(res.status)) {
      const data = parseJson(text);
      // Every answer modsync reads is a JSON object or list; HTML means a wrong API URL.
      if (res.ok && res.status !== 204 && (data === null || typeof data !== 'object')) {
        throw this.fail(`${what}: HTTP ${res.status} but the answer is not JSON (check the API URL)`, false);
      }
      return { status: res.status, headers: res.headers, data: data as T };
    }
    const limited = isRateLimited(res, text);
    if (!limited && res.status < 500) {
      const location = res.headers.get('location') ?? '?';
      const moved = res.status >= 300 && res.status < 400 ? ` (redirected to ${location}: check the host URL)` : '';
      throw this.fail(`${what}: HTTP ${res.status}${moved}${forgeSays(text)}`, false);
    }
    const wait = limited ? rateLimitWait(res.headers, backoffMs) : backoffMs;
    const why = limited
      ? `rate limited (HTTP ${res.status}, retry in ${Math.ceil(wait / 1000)} s)`
      : `HTTP ${res.status}`;
    const error = this.fail(`${what}: ${why}${forgeSays(text)}`, true);
    // A wait longer than the run should sit through ends the run's attempts; the next run retries.
    throw new AttemptFailed(error, res.status, wait > (this.opts.maxRetryWaitMs ?? 60_000) ? undefined : wait);
  }

  private get timeoutMs(): number {
    return this.opts.timeoutMs ?? 30_000;
  }

  private async fetchOnce(method: string, url: string, body: unknown, signal: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = {
      'User-Agent': 'modsync',
      Accept: 'application/json',
      ...this.opts.headers,
    };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const doFetch = this.opts.fetch ?? fetch;
    return doFetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      // A redirect (renamed repository, wrong base URL) is reported, not followed with the token.
      redirect: 'manual',
    });
  }

  private pathOf(url: string): string {
    const u = new URL(url);
    return u.pathname + u.search;
  }

  private fail(message: string, transient: boolean, cause?: unknown): HostError {
    // The cause is kept for debugging but scrubbed too: fetch errors may echo request details.
    const scrubbedCause = cause === undefined ? undefined : this.redactor.scrub(messageOf(cause));
    return new HostError(this.redactor.scrub(message), {
      subject: this.opts.subject,
      transient,
      cause: scrubbedCause,
    });
  }
}

/**
 * GitHub says 403 or 429 with `x-ratelimit-remaining: 0`, `retry-after`, or (secondary limits)
 * only a message about the rate limit; GitLab and Gitea (or their proxies) say 429.
 */
function isRateLimited(res: Response, text: string): boolean {
  if (res.status === 429) return true;
  if (res.status !== 403) return false;
  return res.headers.get('x-ratelimit-remaining') === '0' || res.headers.has('retry-after') || /rate limit/i.test(text);
}

/** How long a rate-limited answer asks us to wait: `retry-after`, else the reset time, else backoff. */
function rateLimitWait(headers: Headers, fallbackMs: number): number {
  const asked = parseRetryAfter(headers.get('retry-after') ?? undefined);
  if (asked !== undefined) return asked;
  const reset = headers.get('x-ratelimit-reset') ?? headers.get('ratelimit-reset');
  if (reset && Number.isFinite(Number(reset))) return Math.max(0, Number(reset) * 1000 - Date.now());
  return fallbackMs;
}

/** What went wrong below HTTP: undici says "fetch failed" and keeps the reason in `cause`. */
function networkMessage(err: unknown, timeoutMs: number): string {
  if (err instanceof DOMException && (err.name === 'TimeoutError' || err.name === 'AbortError'))
    return `no answer within ${timeoutMs} ms`;
  const cause = err instanceof Error && err.cause !== undefined ? ` (${messageOf(err.cause)})` : '';
  return `${messageOf(err)}${cause}`;
}

function parseJson(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function forgeSays(text: string): string {
  const msg = forgeMessage(parseJson(text)).replace(/\s+/g, ' ').trim();
  return msg ? `: ${msg.length > 300 ? `${msg.slice(0, 300)}…` : msg}` : '';
}

/** A failed attempt: the error to report, the HTTP status (0: no answer), and when to try again. */
class AttemptFailed extends Error {
  readonly error: HostError;
  readonly status: number;
  /** Undefined: do not try again in this run. */
  readonly retryInMs: number | undefined;

  constructor(error: HostError, status: number, retryInMs: number | undefined) {
    super(error.message);
    this.error = error;
    this.status = status;
    this.retryInMs = retryInMs;
  }
}
