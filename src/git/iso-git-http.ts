/**
 * The network edge of the isomorphic-git adapter: an HTTP client bound to a deadline, fresh
 * request headers per call, and the one place where git/network failures become
 * `GitError`s (with the credential-free URL as subject and a transient flag).
 */
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import { GitError, ModsyncError } from '../core/errors.ts';
import type { Redactor } from '../core/redact.ts';
import { basicAuthHeader, type GitAuth } from './auth.ts';
import { nodeHttp } from './node-http.ts';

/** Thrown (as the abort reason) when an operation runs past its deadline. */
export class GitTimeoutError extends Error {
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`);
    this.name = 'GitTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/**
 * Runs `fn` with an HTTP client whose every request (and response body) is aborted once
 * `timeoutMs` has passed since the start. The race on top guarantees the caller gets an
 * answer in time even if something inside isomorphic-git does not observe the abort.
 */
export async function withDeadline<T>(timeoutMs: number, fn: (http: HttpClient) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new GitTimeoutError(timeoutMs);
      controller.abort(err);
      reject(err);
    }, timeoutMs);
  });
  const http: HttpClient = {
    request: (req: GitHttpRequest): Promise<GitHttpResponse> => nodeHttp.request({ ...req, signal: controller.signal }),
  };
  try {
    return await Promise.race([fn(http), expired]);
  } finally {
    clearTimeout(timer);
    expired.catch(() => undefined);
  }
}

/**
 * A new headers object for one isomorphic-git call. isomorphic-git mutates the object it is
 * given (adds Authorization, Git-Protocol), so sharing one across calls breaks later calls.
 */
export function freshHeaders(auth: GitAuth | undefined): Record<string, string> {
  const headers: Record<string, string> = { 'User-Agent': 'modsync' };
  const authorization = basicAuthHeader(auth);
  if (authorization) headers.Authorization = authorization;
  return headers;
}

/** A git HTTP answer outside 200, in the shape of isomorphic-git's HttpError (wrapGitError explains both). */
export function httpStatusError(statusCode: number, statusMessage: string): Error {
  return Object.assign(new Error(`HTTP Error: ${statusCode} ${statusMessage}`), {
    code: 'HttpError',
    data: { statusCode, statusMessage },
  });
}

/** An answer that is not git's smart HTTP protocol, in the shape of isomorphic-git's SmartHttpError. */
export function notSmartHttpError(message: string): Error {
  return Object.assign(new Error(message), { code: 'SmartHttpError' });
}

/** Context for turning a failure into a GitError. */
export interface WrapContext {
  /** Credential-free repository URL, used as the subject. */
  url: string;
  /** What was being done, e.g. `fetch branch main`. */
  action: string;
  redactor?: Redactor;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** Wraps any failure of a git operation once; GitErrors (and configuration errors) pass through. */
export function wrapGitError(err: unknown, ctx: WrapContext): GitError | ModsyncError {
  if (err instanceof GitError || err instanceof ModsyncError) return err;
  const { message, transient } = describe(err);
  const text = `${ctx.action} failed: ${message}`;
  return new GitError(ctx.redactor ? ctx.redactor.scrub(text) : text, { subject: ctx.url, transient, cause: err });
}

function describe(err: unknown): { message: string; transient: boolean } {
  if (err instanceof GitTimeoutError) return { message: err.message, transient: true };
  const e = err as { code?: string; name?: string; message?: string; data?: Record<string, unknown>; cause?: unknown };
  if (e?.name === 'AbortError' && e.cause instanceof GitTimeoutError)
    return { message: e.cause.message, transient: true };
  if (e?.code === 'HttpError') {
    const status = Number(e.data?.statusCode ?? 0);
    if (status === 401)
      return { message: 'authentication failed (HTTP 401): check the git token and username', transient: false };
    if (status === 403)
      return { message: 'access denied (HTTP 403): the token lacks permission for this repository', transient: false };
    if (status === 404) return { message: 'repository not found (HTTP 404)', transient: false };
    return {
      message: `the server answered HTTP ${status} ${String(e.data?.statusMessage ?? '')}`.trim(),
      transient: status >= 500 || status === 429,
    };
  }
  if (e?.code === 'NotFoundError')
    return { message: `not found on the remote: ${String(e.data?.what ?? e.message)}`, transient: false };
  if (e?.code === 'SmartHttpError' || e?.code === 'ParseError') {
    return { message: `the server did not answer like a git smart-HTTP server (${e.message})`, transient: false };
  }
  const code = networkCode(err);
  if (code) return { message: `network error (${code})`, transient: true };
  return { message: e?.message ?? String(err), transient: false };
}

function networkCode(err: unknown): string | undefined {
  for (let cur: unknown = err, depth = 0; cur && depth < 5; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}
