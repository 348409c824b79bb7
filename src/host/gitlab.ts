/**
 * GitLab (gitlab.com or self-hosted, REST API v4): merge requests on a project addressed by
 * its URL-encoded full path (`group/subgroup/project` → `group%2Fsubgroup%2Fproject`), comments
 * as merge request notes. `PullRequest.number` is the merge request's IID.
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

/** The parts of a GitLab merge request object modsync reads. */
interface GitLabMergeRequest {
  iid: number;
  web_url: string;
  title: string;
  description: string | null;
  state: 'opened' | 'closed' | 'merged' | 'locked';
  source_branch: string;
  target_branch: string;
  sha?: string | null;
  /** The target project; differs from `source_project_id` for a merge request from a fork. */
  project_id?: number;
  source_project_id?: number;
}

/** An entry of `GET /merge_requests/{iid}/diffs` (GitLab ≥ 15.7) or of `changes` in the older `/changes`. */
interface GitLabDiff {
  old_path: string;
  new_path: string;
}

/** GitLab's largest page. */
const GITLAB_PAGE_SIZE = 100;

interface GitLabNote {
  id: number;
  body: string;
  /** System notes ("added 1 commit", "changed the description") are GitLab's, never ours. */
  system?: boolean;
}

/** A GitLab adapter for one project (`projectPath` as in the clone URL, subgroups included). */
export function createGitLabApi(opts: ForgeApiOptions & { projectPath: string }): ForgeApi {
  const headers: Record<string, string> = {};
  if (opts.token) headers['PRIVATE-TOKEN'] = opts.token;
  const http = new ForgeHttp({
    ...opts,
    baseUrl: opts.apiUrl,
    headers,
    secrets: opts.token ? [opts.token] : [],
    subject: `gitlab ${opts.projectPath}`,
  });
  const project = `/projects/${encodeURIComponent(opts.projectPath)}`;
  const mrs = `${project}/merge_requests`;

  const olderChanges = async (number: number): Promise<GitLabDiff[]> => {
    const { data } = await http.request<{ changes?: GitLabDiff[] }>('GET', `${mrs}/${number}/changes`);
    return data.changes ?? [];
  };

  return {
    kind: 'gitlab',

    async findOpen(head, base) {
      const { data } = await http.request<GitLabMergeRequest[]>('GET', mrs, {
        query: { state: 'opened', source_branch: head, target_branch: base },
      });
      const mr = data.find((m) => m.source_branch === head && m.target_branch === base);
      return mr ? toPullRequest(mr) : null;
    },

    async findLatest(head, base) {
      const { data } = await http.request<GitLabMergeRequest[]>('GET', mrs, {
        query: {
          state: 'all',
          source_branch: head,
          target_branch: base,
          order_by: 'created_at',
          sort: 'desc',
          per_page: 1,
        },
      });
      // A fork's branch of the same name is someone else's merge request, not modsync's.
      const own = data.filter((m) => m.source_branch === head && m.target_branch === base && !fromFork(m));
      // IIDs grow with creation: the highest is the newest even if the list came unsorted.
      const newest = own.reduce<GitLabMergeRequest | undefined>((a, m) => (!a || m.iid > a.iid ? m : a), undefined);
      return newest ? toPullRequest(newest) : null;
    },

    async listOpen(headPrefix, base) {
      const list = await http.paginate<GitLabMergeRequest>(mrs, {
        state: 'opened',
        target_branch: base,
        per_page: 100,
      });
      return list.filter((m) => m.source_branch.startsWith(headPrefix)).map(toPullRequest);
    },

    async listOpenInto(base, limit) {
      // GitLab's default order is newest created first, so the cap keeps the recent ones.
      const list = await readPages(
        async (page) =>
          (
            await http.request<GitLabMergeRequest[]>('GET', mrs, {
              query: { state: 'opened', target_branch: base, per_page: GITLAB_PAGE_SIZE, page },
            })
          ).data,
        { pageSize: GITLAB_PAGE_SIZE, limit },
      );
      return list.map(toPullRequest);
    },

    async changedFiles(number, limit) {
      const path = `${mrs}/${number}/diffs`;
      let missing = false;
      const diffs = await readPages(
        async (page) => {
          const answer = await http.request<GitLabDiff[]>('GET', path, {
            query: { per_page: GITLAB_PAGE_SIZE, page },
            expect: [404],
          });
          missing = answer.status === 404;
          return missing ? [] : answer.data;
        },
        { pageSize: GITLAB_PAGE_SIZE, limit },
      );
      // A GitLab before 15.7 has no `/diffs`; its `/changes` (one answer, no paging) says the same.
      const all = missing ? await olderChanges(number) : diffs;
      return distinctPaths(all.slice(0, limit).map((d) => ({ path: d.new_path, previous: d.old_path })));
    },

    async get(number) {
      const answer = await http.request<GitLabMergeRequest>('GET', `${mrs}/${number}`, { expect: [404] });
      return answer.status === 404 ? null : toPullRequest(answer.data);
    },

    async create(draft: PullRequestDraft) {
      const answer = await http.request<GitLabMergeRequest>('POST', mrs, {
        body: { source_branch: draft.head, target_branch: draft.base, title: draft.title, description: draft.body },
        expect: [409],
      });
      if (answer.status === 409) {
        if (saysAlreadyExists(answer)) return 'exists';
        throw http.unexpected('POST', mrs, answer);
      }
      return toPullRequest(answer.data);
    },

    async update(number, change) {
      const { data } = await http.request<GitLabMergeRequest>('PUT', `${mrs}/${number}`, {
        body: { title: change.title, description: change.body },
      });
      return toPullRequest(data);
    },

    async close(number, body) {
      await http.request('PUT', `${mrs}/${number}`, {
        body: { state_event: 'close', ...(body === undefined ? {} : { description: body }) },
      });
    },

    async listComments(number): Promise<ForgeComment[]> {
      const notes = await http.paginate<GitLabNote>(`${mrs}/${number}/notes`, { per_page: 100 });
      return notes.filter((n) => !n.system).map((n) => ({ id: n.id, body: n.body }));
    },

    async createComment(number, body) {
      await http.request('POST', `${mrs}/${number}/notes`, { body: { body } });
    },

    async updateComment(number, commentId, body) {
      await http.request('PUT', `${mrs}/${number}/notes/${commentId}`, { body: { body } });
    },
  };
}

function fromFork(m: GitLabMergeRequest): boolean {
  return m.project_id !== undefined && m.source_project_id !== undefined && m.project_id !== m.source_project_id;
}

function toPullRequest(m: GitLabMergeRequest): PullRequest {
  return {
    number: m.iid,
    url: m.web_url,
    title: m.title,
    body: m.description ?? '',
    head: m.source_branch,
    base: m.target_branch,
    // `locked` is the short state while GitLab merges; it is still open until `merged`.
    state: m.state === 'opened' || m.state === 'locked' ? 'open' : m.state,
    ...(m.sha ? { headSha: m.sha } : {}),
    ...(fromFork(m) ? { fromFork: true } : {}),
  };
}
