// GitLab adapter against nock, on the REST API v4's documented request and response shapes.
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HostError } from '../../src/core/errors.ts';
import { createGitHost } from '../../src/host/create.ts';
import type { GitHost } from '../../src/host/port.ts';

const ORIGIN = 'https://gitlab.example.com';
const TOKEN = 'glpat-fake.s3cret.token.1';
// platform/dkp/clusters: a project in a subgroup, URL-encoded as one path segment.
const MRS = '/api/v4/projects/platform%2Fdkp%2Fclusters/merge_requests';
const HEAD = 'modsync/approve/console';
const BODY = 'Module console: v1.2.0 → v1.3.0\n\n<!-- modsync:approval {"module":"console"} -->';
const DRAFT = { head: HEAD, base: 'main', title: 'Approve console v1.3.0', body: BODY };

/** A merge request object as GitLab's list and single endpoints return it (trimmed). */
function mr(iid: number, over: { title?: string; description?: string | null; source?: string; state?: string } = {}) {
  return {
    id: 5000 + iid,
    iid,
    project_id: 42,
    title: over.title ?? DRAFT.title,
    description: over.description === undefined ? BODY : over.description,
    state: over.state ?? 'opened',
    target_branch: 'main',
    source_branch: over.source ?? HEAD,
    author: { username: 'modsync-bot' },
    sha: 'c0ffee12',
    merge_status: 'can_be_merged',
    web_url: `${ORIGIN}/platform/dkp/clusters/-/merge_requests/${iid}`,
  };
}

let waits: number[] = [];
function host(over: { repoUrl?: string; apiUrl?: string } = {}): GitHost {
  return createGitHost({
    kind: 'gitlab',
    repoUrl: over.repoUrl ?? 'https://gitlab.example.com/platform/dkp/clusters.git',
    apiUrl: over.apiUrl,
    token: TOKEN,
    retryDelayMs: 5,
    sleep: async (ms) => void waits.push(ms),
  });
}
const gl = () => nock(ORIGIN, { reqheaders: { 'private-token': TOKEN, 'user-agent': 'modsync' } });
const findQuery = { state: 'opened', source_branch: HEAD, target_branch: 'main' };

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  waits = [];
  expect(pending).toEqual([]);
});

describe('gitlab ensure', () => {
  it('creates a merge request (subgroup project path encoded) and maps it', async () => {
    gl().get(MRS).query(findQuery).reply(200, []);
    gl()
      .post(MRS, { source_branch: HEAD, target_branch: 'main', title: DRAFT.title, description: BODY })
      .reply(201, mr(4));
    const { pr, outcome } = await host().ensure(DRAFT);
    expect(outcome).toBe('created');
    expect(pr).toEqual({
      number: 4,
      url: `${ORIGIN}/platform/dkp/clusters/-/merge_requests/4`,
      title: DRAFT.title,
      body: BODY,
      head: HEAD,
      base: 'main',
      state: 'open',
      headSha: 'c0ffee12',
    });
  });

  it('leaves an open merge request with the same content alone (no write request)', async () => {
    gl()
      .get(MRS)
      .query(findQuery)
      .reply(200, [mr(4, { description: `${BODY}\n` })]);
    expect((await host().ensure(DRAFT)).outcome).toBe('unchanged');
  });

  it('updates title and description with PUT when they changed', async () => {
    gl()
      .get(MRS)
      .query(findQuery)
      .reply(200, [mr(4, { description: null })]);
    gl().put(`${MRS}/4`, { title: DRAFT.title, description: BODY }).reply(200, mr(4));
    const { pr, outcome } = await host().ensure(DRAFT);
    expect(outcome).toBe('updated');
    expect(pr?.body).toBe(BODY);
  });

  it('treats 409 "Another open merge request already exists" as success and looks it up again', async () => {
    gl().get(MRS).query(findQuery).reply(200, []);
    gl()
      .post(MRS)
      .reply(409, { message: ['Another open merge request already exists for this source branch: !6'] });
    gl()
      .get(MRS)
      .query(findQuery)
      .reply(200, [mr(6, { title: 'Approve console v1.2.9' })]);
    gl().put(`${MRS}/6`, { title: DRAFT.title, description: BODY }).reply(200, mr(6));
    const { pr, outcome } = await host().ensure(DRAFT);
    expect(outcome).toBe('updated');
    expect(pr?.number).toBe(6);
  });
});

describe('gitlab merge requests and notes', () => {
  it('notes, then closes with state_event', async () => {
    const order: string[] = [];
    gl()
      .post(`${MRS}/4/notes`, { body: 'Superseded by console v1.4.0.' })
      .reply(201, () => {
        order.push('note');
        return { id: 77, body: 'x' };
      });
    gl()
      .put(`${MRS}/4`, { state_event: 'close' })
      .reply(200, () => {
        order.push('close');
        return mr(4, { state: 'closed' });
      });
    await host().close({ ...DRAFT, number: 4, url: '', state: 'open' }, 'Superseded by console v1.4.0.');
    expect(order).toEqual(['note', 'close']);
  });

  it('lists open merge requests across pages (x-next-page) and keeps modsync branches', async () => {
    gl()
      .get(MRS)
      .query({ state: 'opened', target_branch: 'main', per_page: 100, page: 1 })
      .reply(200, [mr(1, { source: 'modsync/approve/a' }), mr(2, { source: 'feature/x' })], {
        'x-next-page': '2',
        'x-page': '1',
      });
    gl()
      .get(MRS)
      .query({ state: 'opened', target_branch: 'main', per_page: 100, page: 2 })
      .reply(200, [mr(3, { source: 'modsync/approve/b' })], { 'x-next-page': '', 'x-page': '2' });
    const list = await host().listOpen('modsync/approve/', 'main');
    expect(list.map((p) => p.number)).toEqual([1, 3]);
  });

  it('maps merged and missing merge requests', async () => {
    gl()
      .get(`${MRS}/9`)
      .reply(200, mr(9, { state: 'merged' }));
    gl().get(`${MRS}/10`).reply(404, { message: '404 Not found' });
    expect((await host().get(9))?.state).toBe('merged');
    expect(await host().get(10)).toBeNull();
  });

  const MARK = '<!-- modsync:plan -->';
  it('upsertComment creates, updates and leaves the marked note, ignoring system notes', async () => {
    const notes = `${MRS}/4/notes`;
    gl()
      .get(notes)
      .query(true)
      .reply(200, [{ id: 1, body: `added 1 commit ${MARK}`, system: true }]);
    gl()
      .post(notes, { body: `${MARK}\nplan: 1 change` })
      .reply(201, { id: 2 });
    expect(await host().upsertComment(4, MARK, `${MARK}\nplan: 1 change`)).toBe('created');

    gl()
      .get(notes)
      .query(true)
      .reply(200, [{ id: 2, body: `${MARK}\nplan: 1 change`, system: false }]);
    gl()
      .put(`${notes}/2`, { body: `${MARK}\nplan: 3 changes` })
      .reply(200, { id: 2 });
    expect(await host().upsertComment(4, MARK, `${MARK}\nplan: 3 changes`)).toBe('updated');

    gl()
      .get(notes)
      .query(true)
      .reply(200, [{ id: 2, body: `${MARK}\nplan: 3 changes`, system: false }]);
    expect(await host().upsertComment(4, MARK, `${MARK}\nplan: 3 changes`)).toBe('unchanged');
  });
});

describe('gitlab findLatest', () => {
  const latestQuery = {
    state: 'all',
    source_branch: HEAD,
    target_branch: 'main',
    order_by: 'created_at',
    sort: 'desc',
    per_page: 1,
  };

  it('asks for the newest merge request of the branch in any state and maps opened, closed and merged', async () => {
    gl()
      .get(MRS)
      .query(latestQuery)
      .reply(200, [mr(7)]);
    expect(await host().findLatest(HEAD, 'main')).toMatchObject({ number: 7, state: 'open', body: BODY });
    gl()
      .get(MRS)
      .query(latestQuery)
      .reply(200, [mr(8, { state: 'closed' })]);
    expect((await host().findLatest(HEAD, 'main'))?.state).toBe('closed');
    gl()
      .get(MRS)
      .query(latestQuery)
      .reply(200, [mr(9, { state: 'merged' })]);
    expect((await host().findLatest(HEAD, 'main'))?.state).toBe('merged');
  });

  it('is null when the branch never had a merge request', async () => {
    gl().get(MRS).query(latestQuery).reply(200, []);
    expect(await host().findLatest(HEAD, 'main')).toBeNull();
  });

  it("ignores a fork's merge request from a branch of the same name", async () => {
    gl()
      .get(MRS)
      .query(latestQuery)
      .reply(200, [{ ...mr(10, { state: 'closed' }), source_project_id: 77 }]);
    expect(await host().findLatest(HEAD, 'main')).toBeNull();
    gl()
      .get(MRS)
      .query(latestQuery)
      .reply(200, [{ ...mr(11, { state: 'closed' }), source_project_id: 42 }]);
    expect((await host().findLatest(HEAD, 'main'))?.number).toBe(11);
  });

  it('close with a body replaces the description in the same PUT that closes', async () => {
    gl().post(`${MRS}/4/notes`, { body: 'done' }).reply(201, { id: 1, body: 'done' });
    gl()
      .put(`${MRS}/4`, { state_event: 'close', description: 'marked' })
      .reply(200, mr(4, { state: 'closed', description: 'marked' }));
    await host().close({ ...DRAFT, number: 4, url: '', state: 'open' }, 'done', 'marked');
  });
});

describe('gitlab transport and addressing', () => {
  it('waits for Retry-After on 429, then succeeds', async () => {
    gl().get(`${MRS}/4`).reply(429, 'Retry later', { 'retry-after': '2', 'ratelimit-remaining': '0' });
    gl().get(`${MRS}/4`).reply(200, mr(4));
    expect((await host().get(4))?.number).toBe(4);
    expect(waits).toEqual([2000]);
  });

  it('retries a 5xx, then succeeds', async () => {
    gl().get(`${MRS}/4`).reply(500, { message: '500 Internal Server Error' });
    gl().get(`${MRS}/4`).reply(200, mr(4));
    expect((await host().get(4))?.number).toBe(4);
    expect(waits).toEqual([5]);
  });

  it('fails with a HostError after a persistent 5xx, the token nowhere in the message', async () => {
    gl().get(`${MRS}/4`).times(4).reply(502, `<html>bad gateway for PRIVATE-TOKEN ${TOKEN}</html>`);
    const err = (await host()
      .get(4)
      .catch((e: unknown) => e)) as HostError;
    expect(err).toBeInstanceOf(HostError);
    expect(err.transient).toBe(true);
    expect(err.message).toContain('HTTP 502');
    expect(err.message).not.toContain(TOKEN);
  });

  it('serves a self-hosted GitLab on a sub-path: project path starts after it', async () => {
    nock('https://code.example.org', { reqheaders: { 'private-token': TOKEN } })
      .get('/gitlab/api/v4/projects/infra%2Fk8s%2Fprod%2Fmodules/merge_requests/2')
      .reply(200, mr(2));
    const h = host({
      repoUrl: 'https://ci:pw@code.example.org/gitlab/infra/k8s/prod/modules.git',
      apiUrl: 'https://code.example.org/gitlab',
    });
    expect((await h.get(2))?.number).toBe(2);
  });
});

describe('gitlab open merge requests and their files (plan previews)', () => {
  it('lists open merge requests into the target branch from every source branch', async () => {
    gl()
      .get(MRS)
      .query({ state: 'opened', target_branch: 'main', per_page: 100, page: 1 })
      .reply(200, [mr(8, { source: 'feature/scale' }), mr(7, { source: 'modsync/approve/console' })]);
    const list = await host().listOpenPullRequests('main');
    expect(list.map((p) => [p.number, p.head, p.headSha])).toEqual([
      [8, 'feature/scale', 'c0ffee12'],
      [7, 'modsync/approve/console', 'c0ffee12'],
    ]);
  });

  it('marks merge requests from forks (source project differs)', async () => {
    gl()
      .get(MRS)
      .query({ state: 'opened', target_branch: 'main', per_page: 100, page: 1 })
      .reply(200, [
        { ...mr(8, { source: 'feature/a' }), source_project_id: 42 },
        { ...mr(7, { source: 'feature/b' }), source_project_id: 99 },
      ]);
    const list = await host().listOpenPullRequests('main');
    expect(list.map((p) => [p.number, p.fromFork ?? false])).toEqual([
      [8, false],
      [7, true],
    ]);
  });

  it('reads the changed paths from /diffs across pages, old and new path of a rename', async () => {
    const diff = (n: number) => ({
      old_path: `docs/${n}.md`,
      new_path: `docs/${n}.md`,
      new_file: false,
      renamed_file: false,
      deleted_file: false,
      diff: '@@',
    });
    gl()
      .get(`${MRS}/8/diffs`)
      .query({ per_page: 100, page: 1 })
      .reply(
        200,
        Array.from({ length: 100 }, (_, i) => diff(i)),
      );
    gl()
      .get(`${MRS}/8/diffs`)
      .query({ per_page: 100, page: 2 })
      .reply(200, [
        { old_path: 'clusters/old/one.yaml', new_path: 'clusters/demo/one.yaml', renamed_file: true, diff: '' },
      ]);
    const paths = await host().changedFiles(8);
    expect(paths).toHaveLength(102);
    expect(paths.slice(-2)).toEqual(['clusters/demo/one.yaml', 'clusters/old/one.yaml']);
  });

  it('falls back to /changes on a GitLab without /diffs (before 15.7)', async () => {
    gl().get(`${MRS}/8/diffs`).query(true).reply(404, { error: '404 Not Found' });
    gl()
      .get(`${MRS}/8/changes`)
      .reply(200, {
        ...mr(8),
        changes: [{ old_path: 'clusters/demo/a.yaml', new_path: 'clusters/demo/a.yaml', diff: '' }],
      });
    expect(await host().changedFiles(8)).toEqual(['clusters/demo/a.yaml']);
  });

  it('fails when the merge request does not exist at all', async () => {
    gl().get(`${MRS}/99/diffs`).query(true).reply(404, { message: '404 Not found' });
    gl().get(`${MRS}/99/changes`).reply(404, { message: '404 Not found' });
    await expect(host().changedFiles(99)).rejects.toBeInstanceOf(HostError);
  });
});
