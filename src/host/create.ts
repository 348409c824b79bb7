/**
 * Builds the configured GitHost: derives the repository (owner/repo, GitLab project path) and
 * the API root from the git remote URL, and runs the forge-neutral "ensure" flow (find →
 * create → on "already exists" look again → update only what changed) on top of a forge's
 * primitives. The CLI calls `createGitHost` once; the pipeline only sees the `GitHost` port.
 */
import { HostError, ModsyncError } from '../core/errors.ts';
import type { Redactor } from '../core/redact.ts';
import type { ForgeApi, TransportOptions } from './forge.ts';
import { createGiteaApi } from './gitea.ts';
import { createGitHubApi, GITHUB_API_URL } from './github.ts';
import { createGitLabApi } from './gitlab.ts';
import { createNoneHost } from './none.ts';
import type { EnsureOutcome, GitHost, HostKind, PullRequest, PullRequestDraft } from './port.ts';

/** How many open pull requests `listOpenPullRequests` reads at most (newest first). */
export const MAX_OPEN_PULLS = 50;
/** How many changed paths `changedFiles` reads at most (GitHub itself lists no more than 3000). */
export const MAX_CHANGED_FILES = 3000;

/** Options of `createGitHost`; transport knobs (timeout, retries, logger, fetch) pass through. */
export interface GitHostOptions extends TransportOptions {
  kind: HostKind;
  /**
   * API root. Defaults: GitHub `https://api.github.com` (a remote on another host is taken as
   * GHES: `https://HOST/api/v3`); GitLab and Gitea the remote's origin, the adapter adds
   * `/api/v4` or `/api/v1`. For GitLab/Gitea on a sub-path, `https://HOST/sub` also tells where
   * the project path starts in the remote URL.
   */
  apiUrl?: string;
  /** The git remote URL; owner/repo or the GitLab project path come from it. */
  repoUrl: string;
  token?: string;
  /** When given, titles, bodies and comments are scrubbed before they are sent. */
  redactor?: Redactor;
}

/** The repository a remote URL points at. */
export interface RepoRef {
  /** `https://host[:port]` (ssh and scp-style remotes map to https on the same host). */
  origin: string;
  host: string;
  /** A sub-path the forge is served under (`/gitea`), or ''. */
  basePath: string;
  /** Everything before the repository name: GitHub/Gitea owner, GitLab group path with subgroups. */
  owner: string;
  repo: string;
  /** `owner/repo`; for GitLab the full project path, e.g. `group/sub/project`. */
  projectPath: string;
  /** The remote URL without credentials, fit for reports. */
  url: string;
}

/**
 * Reads a git remote URL (`https://[user:token@]host[/sub]/owner/repo[.git]`, `ssh://`, or
 * `git@host:owner/repo.git`). GitHub and Gitea repositories are the last two path segments
 * (anything before them is a sub-path); a GitLab project is every segment after `basePath`.
 */
export function parseRepoUrl(url: string, opts: { kind?: HostKind; basePath?: string } = {}): RepoRef {
  const scp = !url.includes('://') ? url.match(/^(?:[^@/]+@)?([^:/]+):(.+)$/) : null;
  let host: string;
  let origin: string;
  let rawPath: string;
  let clean: string;
  try {
    if (scp) {
      host = scp[1] ?? '';
      origin = `https://${host}`;
      rawPath = scp[2] ?? '';
      clean = `${host}:${rawPath}`;
    } else {
      const u = new URL(url);
      u.username = '';
      u.password = '';
      host = u.hostname;
      origin = u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : `https://${u.hostname}`;
      rawPath = decodeURIComponent(u.pathname);
      clean = u.toString();
    }
  } catch {
    throw new ModsyncError('ConfigInvalid', 'not a git remote URL (expected https://HOST/OWNER/REPO.git)', {
      subject: redactUserinfo(url),
    });
  }
  const basePath = normalizeBase(opts.basePath);
  let path = `/${rawPath.replace(/^\/+|\/+$/g, '').replace(/\.git$/, '')}`;
  if (basePath && (path === basePath || path.startsWith(`${basePath}/`))) path = path.slice(basePath.length);
  const segments = path.split('/').filter(Boolean);
  if (segments.length < 2 || !host) {
    throw new ModsyncError('ConfigInvalid', 'the remote URL names no OWNER/REPO', { subject: clean });
  }
  const repo = segments[segments.length - 1] ?? '';
  if (opts.kind === 'gitlab') {
    return {
      origin,
      host,
      basePath,
      owner: segments.slice(0, -1).join('/'),
      repo,
      projectPath: segments.join('/'),
      url: clean,
    };
  }
  const owner = segments[segments.length - 2] ?? '';
  const prefix = segments
    .slice(0, -2)
    .map((s) => `/${s}`)
    .join('');
  return { origin, host, basePath: basePath + prefix, owner, repo, projectPath: `${owner}/${repo}`, url: clean };
}

/** The GitHost for `kind`, ready to use; `none` never touches the network. */
export function createGitHost(opts: GitHostOptions): GitHost {
  const { kind, apiUrl: rawApiUrl, repoUrl, redactor, ...transport } = opts;
  if (kind === 'none') return createNoneHost();
  const apiUrl = rawApiUrl ? stripCredentials(rawApiUrl).replace(/\/+$/, '') : undefined;
  let api: ForgeApi;
  if (kind === 'github') {
    const ref = parseRepoUrl(repoUrl, { kind });
    const root = apiUrl ?? (ref.host === 'github.com' ? GITHUB_API_URL : `${ref.origin}/api/v3`);
    api = createGitHubApi({ ...transport, apiUrl: root, owner: ref.owner, repo: ref.repo });
  } else {
    const suffix = kind === 'gitlab' ? '/api/v4' : '/api/v1';
    const given = apiUrl?.endsWith(suffix) ? apiUrl.slice(0, -suffix.length) : apiUrl;
    const ref = parseRepoUrl(repoUrl, { kind, basePath: given ? new URL(given).pathname : undefined });
    const root = `${given ?? ref.origin + ref.basePath}${suffix}`;
    api =
      kind === 'gitlab'
        ? createGitLabApi({ ...transport, apiUrl: root, projectPath: ref.projectPath })
        : createGiteaApi({ ...transport, apiUrl: root, owner: ref.owner, repo: ref.repo });
  }
  return forgeHost(api, redactor);
}

/**
 * The forge-neutral GitHost behaviour over a forge's primitives: idempotent `ensure` and
 * `upsertComment` (write only on change), `close` with a comment first.
 */
export function forgeHost(api: ForgeApi, redactor?: Redactor): GitHost {
  const scrub = (text: string): string => (redactor ? redactor.scrub(text) : text);

  const reconcile = async (
    pr: PullRequest,
    draft: PullRequestDraft,
  ): Promise<{ pr: PullRequest; outcome: EnsureOutcome }> => {
    if (sameText(pr.title, draft.title) && sameText(pr.body, draft.body)) return { pr, outcome: 'unchanged' };
    return { pr: await api.update(pr.number, { title: draft.title, body: draft.body }), outcome: 'updated' };
  };

  return {
    kind: api.kind,
    findOpen: (head, base) => api.findOpen(head, base),
    findLatest: (head, base) => api.findLatest(head, base),
    listOpen: (headPrefix, base) => api.listOpen(headPrefix, base),
    get: (number) => api.get(number),
    listOpenPullRequests: (base) => api.listOpenInto(base, MAX_OPEN_PULLS),
    changedFiles: (number) => api.changedFiles(number, MAX_CHANGED_FILES),

    async ensure(input) {
      const draft = { ...input, title: scrub(input.title), body: scrub(input.body) };
      const open = await api.findOpen(draft.head, draft.base);
      if (open) return reconcile(open, draft);
      const created = await api.create(draft);
      if (created !== 'exists') return { pr: created, outcome: 'created' };
      // Someone (a concurrent run, a person) opened it between our look-up and the create.
      const found = await api.findOpen(draft.head, draft.base);
      if (!found) {
        throw new HostError(
          `the ${api.kind} API says a pull request into ${draft.base} already exists, but none is open`,
          {
            subject: draft.head,
            transient: true,
          },
        );
      }
      return reconcile(found, draft);
    },

    async close(pr, comment, body) {
      // A merged or already closed pull request is left alone: a comment there would be noise.
      if (pr.state !== 'open') return;
      await api.createComment(pr.number, scrub(comment));
      await api.close(pr.number, body === undefined ? undefined : scrub(body));
    },

    async upsertComment(number, marker, body) {
      // The marker is what finds the comment next time, so it must be in what we write.
      const text = scrub(body.includes(marker) ? body : `${marker}\n${body}`);
      const mine = (await api.listComments(number)).find((c) => c.body.includes(marker));
      if (!mine) {
        await api.createComment(number, text);
        return 'created';
      }
      if (sameText(mine.body, text)) return 'unchanged';
      await api.updateComment(number, mine.id, text);
      return 'updated';
    },
  };
}

/** Forges may hand text back with CRLF line ends or without the final newline: not a change. */
function sameText(live: string, desired: string): boolean {
  const norm = (s: string): string => s.replace(/\r\n/g, '\n').trimEnd();
  return norm(live) === norm(desired);
}

function normalizeBase(path: string | undefined): string {
  const trimmed = (path ?? '').replace(/^\/+|\/+$/g, '');
  return trimmed ? `/${trimmed}` : '';
}

function stripCredentials(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    throw new ModsyncError('ConfigInvalid', 'not a URL', { subject: redactUserinfo(url) });
  }
}

function redactUserinfo(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//');
}
