/**
 * Credentials for the git remote. Tokens come from a mounted Secret file or an env var, never
 * from the config file or the URL stored on disk, and are registered with the run's Redactor
 * the moment they are read so no later output can leak them.
 */
import { readFileSync } from 'node:fs';
import { ModsyncError } from '../core/errors.ts';
import type { Redactor } from '../core/redact.ts';

/** HTTPS credentials: a token (or password) sent as basic auth. */
export interface GitAuth {
  /** Default `x-access-token` (GitHub; GitLab and Gitea accept any name with a token). */
  username?: string;
  token?: string;
}

export interface LoadGitAuthOptions {
  /** File holding the token (trailing newline and spaces are trimmed). Wins over `tokenEnv`. */
  tokenFile?: string;
  /** Name of the env var holding the token. */
  tokenEnv?: string;
  username?: string;
  env: Record<string, string | undefined>;
  /** Receives the token so every output boundary masks it. */
  redactor?: Redactor;
}

/** Default username for token auth; GitHub requires this one, other forges ignore it. */
export const TOKEN_USERNAME = 'x-access-token';

/**
 * Reads the git token from `tokenFile` (wins) or `tokenEnv`. Returns undefined for anonymous
 * access: nothing configured, or the env var unset or empty (the default config names an env
 * var, and public repositories need no token). A configured token file that is missing or
 * empty is a ConfigInvalid error: the user asked for it, and a mounted Secret that is not
 * there should not turn into a vaguer 401 later.
 */
export function loadGitAuth(opts: LoadGitAuthOptions): GitAuth | undefined {
  let token: string | undefined;
  if (opts.tokenFile) {
    try {
      token = readFileSync(opts.tokenFile, 'utf8').trim();
    } catch (err) {
      throw new ModsyncError(
        'ConfigInvalid',
        `cannot read the git token file: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
        {
          subject: opts.tokenFile,
          cause: err,
        },
      );
    }
    if (!token) throw new ModsyncError('ConfigInvalid', 'the git token file is empty', { subject: opts.tokenFile });
  } else if (opts.tokenEnv) {
    token = opts.env[opts.tokenEnv]?.trim() || undefined;
  }
  if (!token) return opts.username ? { username: opts.username } : undefined;
  opts.redactor?.add(token);
  return { username: opts.username || TOKEN_USERNAME, token };
}

/** The `Authorization` header value for `auth`, or undefined for anonymous access. */
export function basicAuthHeader(auth: GitAuth | undefined): string | undefined {
  if (!auth?.token) return undefined;
  return `Basic ${Buffer.from(`${auth.username || TOKEN_USERNAME}:${auth.token}`).toString('base64')}`;
}

/**
 * Splits credentials out of a URL such as `https://user:token@host/repo.git`, so the token
 * is only ever sent as a header and the URL can be logged and stored. The credentials in the
 * URL are used only when no other auth is configured.
 */
export function splitUrlCredentials(
  url: string,
  auth: GitAuth | undefined,
  redactor?: Redactor,
): { url: string; auth: GitAuth | undefined } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url, auth };
  }
  if (!parsed.username && !parsed.password) return { url, auth };
  // `https://TOKEN@host/...` (no password) is the common way to put a bare token in a URL.
  const fromUrl: GitAuth = parsed.password
    ? { username: decodeURIComponent(parsed.username) || TOKEN_USERNAME, token: decodeURIComponent(parsed.password) }
    : { username: TOKEN_USERNAME, token: decodeURIComponent(parsed.username) };
  redactor?.add(fromUrl.token);
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString(), auth: auth?.token ? auth : fromUrl.token ? fromUrl : auth };
}
