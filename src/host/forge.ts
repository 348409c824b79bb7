/**
 * The contract between the forge adapters (github, gitlab, gitea) and the shared pull-request
 * flow in `create.ts`: the primitives each adapter provides, the options every adapter factory
 * takes, and the helpers that read a forge's error answers.
 */
import type { HttpAnswer, HttpOptions } from './http.ts';
import type { HostKind, PullRequest, PullRequestDraft } from './port.ts';

/** The primitives each forge adapter provides; the shared flow in `create.ts` builds a `GitHost` on them. */
export interface ForgeApi {
  kind: Exclude<HostKind, 'none'>;
  findOpen(head: string, base: string): Promise<PullRequest | null>;
  /** The newest pull request from `head` (a branch of this repository, not a fork) into `base`, any state. */
  findLatest(head: string, base: string): Promise<PullRequest | null>;
  listOpen(headPrefix: string, base: string): Promise<PullRequest[]>;
  /** Open pull requests into `base` from any head (forks included), at most `limit`, newest first where the forge sorts. */
  listOpenInto(base: string, limit: number): Promise<PullRequest[]>;
  /** Paths a pull request adds, changes, deletes or renames (both names of a rename), at most `limit`. */
  changedFiles(number: number, limit: number): Promise<string[]>;
  get(number: number): Promise<PullRequest | null>;
  /** Opens a pull request; `'exists'` when the forge answers that one is already open for the branch. */
  create(draft: PullRequestDraft): Promise<PullRequest | 'exists'>;
  update(number: number, change: { title: string; body: string }): Promise<PullRequest>;
  /** Closes without merging; with `body`, replaces the description in the same write. */
  close(number: number, body?: string): Promise<void>;
  listComments(number: number): Promise<ForgeComment[]>;
  createComment(number: number, body: string): Promise<void>;
  updateComment(number: number, commentId: number, body: string): Promise<void>;
}

/** A comment on a pull request, as far as modsync needs it. */
export interface ForgeComment {
  id: number;
  body: string;
}

/** True when a create was refused because an open pull request already exists for the branch. */
export function saysAlreadyExists(answer: HttpAnswer<unknown>): boolean {
  return /already exists/i.test(forgeMessage(answer.data));
}

/** Transport knobs passed through from `createGitHost` to every adapter. */
export type TransportOptions = Pick<
  HttpOptions,
  'fetch' | 'timeoutMs' | 'retries' | 'retryDelayMs' | 'maxRetryWaitMs' | 'sleep' | 'logger'
>;

/** What every forge adapter factory takes besides the repository it works on. */
export interface ForgeApiOptions extends TransportOptions {
  /** API root, already complete (`…/api/v3`, `…/api/v4`, `…/api/v1` or `https://api.github.com`). */
  apiUrl: string;
  token?: string;
}

/** The forge's own words about a failure, short: GitHub/Gitea `message`, GitLab `message` (string, list or map), `errors[]`. */
export function forgeMessage(data: unknown): string {
  if (typeof data === 'string') return data;
  if (!data || typeof data !== 'object') return '';
  const parts: string[] = [];
  const collect = (v: unknown): void => {
    if (typeof v === 'string') parts.push(v);
    else if (Array.isArray(v)) v.forEach(collect);
    else if (v && typeof v === 'object') Object.values(v).forEach(collect);
  };
  const o = data as Record<string, unknown>;
  collect(o.message);
  collect(o.error);
  if (Array.isArray(o.errors))
    for (const e of o.errors) collect(typeof e === 'object' && e ? (e as Record<string, unknown>).message : e);
  return parts.join('; ');
}

/**
 * Reads a list endpoint page by page (`page` = 1, 2, …) until a short page, `limit` kept items
 * or `maxPages` (default 100). Unlike `ForgeHttp.paginate` it stops early: lists of everybody's pull requests
 * and their files can be long, and modsync only ever needs the first few.
 */
export async function readPages<T>(
  readPage: (page: number) => Promise<T[]>,
  paging: { pageSize: number; limit: number; maxPages?: number; keep?: (item: T) => boolean },
): Promise<T[]> {
  const { pageSize, limit, maxPages = 100, keep = () => true } = paging;
  const items: T[] = [];
  for (let page = 1; page <= maxPages && items.length < limit; page++) {
    const batch = await readPage(page);
    items.push(...batch.filter(keep));
    if (batch.length < pageSize) break;
  }
  return items.slice(0, limit);
}

/** The paths of a changed-file list, both names of a rename, each once. */
export function distinctPaths(entries: { path?: string | null; previous?: string | null }[]): string[] {
  const paths = new Set<string>();
  for (const e of entries) {
    if (e.path) paths.add(e.path);
    if (e.previous) paths.add(e.previous);
  }
  return [...paths];
}
