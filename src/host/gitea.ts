/**
 * Gitea and Forgejo (API v1): pull requests on `{owner}/{repo}`, comments through the issues
 * API. Finding a pull request by branch lists the open ones and filters on `head.ref`: this
 * works on every Gitea and Forgejo version, whereas `GET /pulls/{base}/{head}` (Gitea ≥ 1.22)
 * answers 404 both for "no such pull request" and "endpoint unknown", and also returns closed
 * ones. modsync keeps few PRs open, so the list is short. The newest pull request in any state
 * (`findLatest`) is looked for the same way in the list of all pull requests, newest first, a
 * few pages deep: older history than that counts as "none".
 */
import type { PullRequest, PullRequestDraft } from './port.ts';
import {
  distinctPaths,
  readPages,
  saysAlreadyExists,
  type ForgeApi,
  type ForgeApiOptions,
  type ForgeComment,
} from './forge.ts';
import { ForgeHttp } from './http.ts';

/** Gitea's default `MAX_RESPONSE_ITEMS`; larger `limit`s are cut to it anyway. */
const GITEA_PAGE_SIZE = 50;
/** How deep `findLatest` looks into the repository's pull requests (newest first). */
const LATEST_MAX_PAGES = 3;

/** The parts of a Gitea pull request object modsync reads. */
interface GiteaPull {
  number: number;
  html_url: string;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  merged?: boolean;
  merged_at?: string | null;
  head: { ref: string; sha?: string; repo_id?: number };
  base: { ref: string; repo_id?: number };
}

/** An entry of `GET /pulls/{n}/files` (Gitea ≥ 1.19); `previous_filename` on renames. */
interface GiteaFile {
  filename: string;
  previous_filename?: string;
}

interface GiteaComment {
  id: number;
  body: string;
}

/** A Gitea/Forgejo adapter for one repository. */
export function createGiteaApi(opts: ForgeApiOptions & { owner: string; repo: string }): ForgeApi {
  const { owner, repo } = opts;
  const headers: Record<string, string> = {};
  if (opts.token) headers.Authorization = `token ${opts.token}`;
  const http = new ForgeHttp({
    ...opts,
    baseUrl: opts.apiUrl,
    headers,
    secrets: opts.token ? [opts.token] : [],
    subject: `gitea ${owner}/${repo}`,
  });
  const repoPath = `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`;

  const openInto = async (base: string): Promise<GiteaPull[]> => {
    const pulls = await http.paginate<GiteaPull>(`${repoPath}/pulls`, { state: 'open', limit: GITEA_PAGE_SIZE });
    return pulls.filter((p) => p.base.ref === base && p.state === 'open');
  };

  return {
    kind: 'gitea',

    async findOpen(head, base) {
      const pull = (await openInto(base)).find((p) => p.head.ref === head);
      return pull ? toPullRequest(pull) : null;
    },

    async findLatest(head, base) {
      // No `sort`: Gitea's default order for this list is newest created first.
      for (let page = 1; page <= LATEST_MAX_PAGES; page++) {
        const { data } = await http.request<GiteaPull[]>('GET', `${repoPath}/pulls`, {
          query: { state: 'all', limit: GITEA_PAGE_SIZE, page },
        });
        const own = data.filter((p) => p.head.ref === head && p.base.ref === base && !fromFork(p));
        // Numbers grow with creation: the highest is the newest whatever order the page has.
        const newest = own.reduce<GiteaPull | undefined>((a, p) => (!a || p.number > a.number ? p : a), undefined);
        if (newest) return toPullRequest(newest);
        if (data.length < GITEA_PAGE_SIZE) break;
      }
      return null;
    },

    async listOpen(headPrefix, base) {
      return (await openInto(base)).filter((p) => p.head.ref.startsWith(headPrefix)).map(toPullRequest);
    },

    async listOpenInto(base, limit) {
      // The list cannot be filtered by base on every Gitea version: filter here, count what is kept.
      const pulls = await readPages(
        async (page) =>
          (
            await http.request<GiteaPull[]>('GET', `${repoPath}/pulls`, {
              query: { state: 'open', limit: GITEA_PAGE_SIZE, page },
            })
          ).data,
        { pageSize: GITEA_PAGE_SIZE, limit, keep: (p) => p.base.ref === base && p.state === 'open' },
      );
      return pulls.map(toPullRequest);
    },

    async changedFiles(number, limit) {
      const files = await readPages(
        async (page) =>
          (
            await http.request<GiteaFile[]>('GET', `${repoPath}/pulls/${number}/files`, {
              query: { limit: GITEA_PAGE_SIZE, page },
            })
          ).data,
        { pageSize: GITEA_PAGE_SIZE, limit },
      );
      return distinctPaths(files.map((f) => ({ path: f.filename, previous: f.previous_filename })));
    },

    async get(number) {
      const answer = await http.request<GiteaPull>('GET', `${repoPath}/pulls/${number}`, { expect: [404] });
      return answer.status === 404 ? null : toPullRequest(answer.data);
    },

    async create(draft: PullRequestDraft) {
      const answer = await http.request<GiteaPull>('POST', `${repoPath}/pulls`, {
        body: { title: draft.title, head: draft.head, base: draft.base, body: draft.body },
        expect: [409],
      });
      if (answer.status === 409) {
        if (saysAlreadyExists(answer)) return 'exists';
        throw http.unexpected('POST', `${repoPath}/pulls`, answer);
      }
      return toPullRequest(answer.data);
    },

    async update(number, change) {
      const { data } = await http.request<GiteaPull>('PATCH', `${repoPath}/pulls/${number}`, { body: change });
      return toPullRequest(data);
    },

    async close(number, body) {
      await http.request('PATCH', `${repoPath}/pulls/${number}`, {
        body: { state: 'closed', ...(body === undefined ? {} : { body }) },
      });
    },

    async listComments(number): Promise<ForgeComment[]> {
      // Older Gitea returns every comment at once and ignores paging; newer sends Link headers.
      const comments = await http.paginate<GiteaComment>(`${repoPath}/issues/${number}/comments`, {
        limit: GITEA_PAGE_SIZE,
      });
      return comments.map((c) => ({ id: c.id, body: c.body ?? '' }));
    },

    async createComment(number, body) {
      await http.request('POST', `${repoPath}/issues/${number}/comments`, { body: { body } });
    },

    async updateComment(_number, commentId, body) {
      await http.request('PATCH', `${repoPath}/issues/comments/${commentId}`, { body: { body } });
    },
  };
}

/** A pull request from another repository's branch of the same name is not modsync's. */
function fromFork(p: GiteaPull): boolean {
  return p.head.repo_id !== undefined && p.base.repo_id !== undefined && p.head.repo_id !== p.base.repo_id;
}

function toPullRequest(p: GiteaPull): PullRequest {
  return {
    number: p.number,
    url: p.html_url,
    title: p.title,
    body: p.body ?? '',
    head: p.head.ref,
    base: p.base.ref,
    state: p.merged || p.merged_at ? 'merged' : p.state,
    ...(p.head.sha ? { headSha: p.head.sha } : {}),
    ...(fromFork(p) ? { fromFork: true } : {}),
  };
}
