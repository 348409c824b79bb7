/**
 * GitHub and GitHub Enterprise Server (REST API v3): pull requests on `{owner}/{repo}`,
 * comments through the issues API (a pull request is an issue there).
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

/** The public GitHub API; GHES lives at `https://HOST/api/v3`. */
export const GITHUB_API_URL = 'https://api.github.com';

/** The parts of a GitHub pull request object modsync reads. */
interface GitHubPull {
  number: number;
  html_url: string;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  merged_at: string | null;
  merged?: boolean;
  head: { ref: string; sha: string; repo?: { full_name?: string } | null };
  base: { ref: string; repo?: { full_name?: string } | null };
}

/** An entry of `GET /pulls/{n}/files`; `previous_filename` only on renames. */
interface GitHubFile {
  filename: string;
  previous_filename?: string;
}

/** GitHub's largest page for pull requests and their files. */
const GITHUB_PAGE_SIZE = 100;

interface GitHubComment {
  id: number;
  body?: string | null;
}

/** A GitHub adapter for one repository. */
export function createGitHubApi(opts: ForgeApiOptions & { owner: string; repo: string }): ForgeApi {
  const { owner, repo } = opts;
  const headers: Record<string, string> = {
    Accept: 'application/vnd.github+json',
    'X-GitHub-Api-Version': '2022-11-28',
  };
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  const http = new ForgeHttp({
    ...opts,
    baseUrl: opts.apiUrl,
    headers,
    secrets: opts.token ? [opts.token] : [],
    subject: `github ${owner}/${repo}`,
  });
  const repoPath = `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`;

  return {
    kind: 'github',

    async findOpen(head, base) {
      const { data } = await http.request<GitHubPull[]>('GET', `${repoPath}/pulls`, {
        query: { state: 'open', head: `${owner}:${head}`, base },
      });
      const pull = data.find((p) => p.head.ref === head && p.base.ref === base);
      return pull ? toPullRequest(pull) : null;
    },

    async findLatest(head, base) {
      // `head=owner:branch` keeps forks out; the newest first, and one is all we need.
      const { data } = await http.request<GitHubPull[]>('GET', `${repoPath}/pulls`, {
        query: { state: 'all', head: `${owner}:${head}`, base, sort: 'created', direction: 'desc', per_page: 1 },
      });
      const pulls = data.filter((p) => p.head.ref === head && p.base.ref === base);
      // Numbers grow with creation: the highest is the newest even if the list came unsorted.
      const newest = pulls.reduce<GitHubPull | undefined>((a, p) => (!a || p.number > a.number ? p : a), undefined);
      return newest ? toPullRequest(newest) : null;
    },

    async listOpen(headPrefix, base) {
      const pulls = await http.paginate<GitHubPull>(`${repoPath}/pulls`, { state: 'open', base, per_page: 100 });
      return pulls.filter((p) => p.head.ref.startsWith(headPrefix)).map(toPullRequest);
    },

    async listOpenInto(base, limit) {
      // GitHub's default order is newest created first, so the cap keeps the recent ones.
      const pulls = await readPages(
        async (page) =>
          (
            await http.request<GitHubPull[]>('GET', `${repoPath}/pulls`, {
              query: { state: 'open', base, per_page: GITHUB_PAGE_SIZE, page },
            })
          ).data,
        { pageSize: GITHUB_PAGE_SIZE, limit },
      );
      return pulls.map(toPullRequest);
    },

    async changedFiles(number, limit) {
      const files = await readPages(
        async (page) =>
          (
            await http.request<GitHubFile[]>('GET', `${repoPath}/pulls/${number}/files`, {
              query: { per_page: GITHUB_PAGE_SIZE, page },
            })
          ).data,
        { pageSize: GITHUB_PAGE_SIZE, limit },
      );
      return distinctPaths(files.map((f) => ({ path: f.filename, previous: f.previous_filename })));
    },

    async get(number) {
      const answer = await http.request<GitHubPull>('GET', `${repoPath}/pulls/${number}`, { expect: [404] });
      return answer.status === 404 ? null : toPullRequest(answer.data);
    },

    async create(draft: PullRequestDraft) {
      const answer = await http.request<GitHubPull>('POST', `${repoPath}/pulls`, {
        body: { title: draft.title, head: draft.head, base: draft.base, body: draft.body },
        expect: [422],
      });
      if (answer.status === 201 || answer.status === 200) return toPullRequest(answer.data);
      if (saysAlreadyExists(answer)) return 'exists';
      // Any other validation failure (no commits between the branches, unknown base) is a real error.
      throw http.unexpected('POST', `${repoPath}/pulls`, answer);
    },

    async update(number, change) {
      const { data } = await http.request<GitHubPull>('PATCH', `${repoPath}/pulls/${number}`, { body: change });
      return toPullRequest(data);
    },

    async close(number, body) {
      await http.request('PATCH', `${repoPath}/pulls/${number}`, {
        body: { state: 'closed', ...(body === undefined ? {} : { body }) },
      });
    },

    async listComments(number): Promise<ForgeComment[]> {
      const comments = await http.paginate<GitHubComment>(`${repoPath}/issues/${number}/comments`, { per_page: 100 });
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

function toPullRequest(p: GitHubPull): PullRequest {
  return {
    number: p.number,
    url: p.html_url,
    title: p.title,
    body: p.body ?? '',
    head: p.head.ref,
    base: p.base.ref,
    state: p.merged || p.merged_at ? 'merged' : p.state,
    headSha: p.head.sha,
    ...(isFork(p) ? { fromFork: true } : {}),
  };
}

/** A head in another repository; a deleted fork leaves `head.repo` null. */
function isFork(p: GitHubPull): boolean {
  if (p.head.repo === undefined || !p.base.repo?.full_name) return false;
  return p.head.repo === null || p.head.repo.full_name !== p.base.repo.full_name;
}
