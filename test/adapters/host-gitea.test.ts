// Gitea/Forgejo adapter against nock, on the API v1's documented request and response shapes.
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HostError } from '../../src/core/errors.ts';
import { createGitHost } from '../../src/host/create.ts';
import type { GitHost } from '../../src/host/port.ts';

const ORIGIN = 'https://git.example.net';
const TOKEN = '9f8e7d6c5b4a39281706f5e4d3c2b1a0deadbeef';
const REPO = '/api/v1/repos/acme/clusters';
const HEAD = 'modsync/approve/console';
const BODY = 'Module console: v1.2.0 → v1.3.0\n\n<!-- modsync:approval {"module":"console"} -->';
const DRAFT = { head: HEAD, base: 'main', title: 'Approve console v1.3.0', body: BODY };

/** A pull request object as Gitea's `/pulls` endpoints return it (trimmed). */
function pull(
  number: number,
  over: { title?: string; body?: string; head?: string; base?: string; state?: string; merged?: boolean } = {},
) {
  return {
    id: 300 + number,
    url: `${ORIGIN}/acme/clusters/pulls/${number}`,
    number,
    user: { login: 'modsync' },
    title: over.title ?? DRAFT.title,
    body: over.body ?? BODY,
    state: over.state ?? 'open',
    html_url: `${ORIGIN}/acme/clusters/pulls/${number}`,
    mergeable: true,
    merged: over.merged ?? false,
    merged_at: over.merged ? '2026-11-20T10:00:00Z' : null,
    base: { label: over.base ?? 'main', ref: over.base ?? 'main', sha: '1111111' },
    head: { label: over.head ?? HEAD, ref: over.head ?? HEAD, sha: 'beadfeed' },
  };
}

let waits: number[] = [];
function host(over: { repoUrl?: string; apiUrl?: string } = {}): GitHost {
  return createGitHost({
    kind: 'gitea',
    repoUrl: over.repoUrl ?? 'https://git.example.net/acme/clusters.git',
    apiUrl: over.apiUrl,
    token: TOKEN,
    retryDelayMs: 5,
    sleep: async (ms) => void waits.push(ms),
  });
}
const gt = () => nock(ORIGIN, { reqheaders: { authorization: `token ${TOKEN}` } });
const listOpen = { state: 'open', limit: 50, page: 1 };

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  waits = [];
  expect(pending).toEqual([]);
});

describe('gitea ensure', () => {
  it('creates a pull request when none is open for the branch', async () => {
    // Open pull requests of other branches or into other bases do not count.
    gt()
      .get(`${REPO}/pulls`)
      .query(listOpen)
      .reply(200, [pull(1, { head: 'feature/x' }), pull(2, { base: 'release' })]);
    gt().post(`${REPO}/pulls`, { title: DRAFT.title, head: HEAD, base: 'main', body: BODY }).reply(201, pull(3));
    const { pr, outcome } = await host().ensure(DRAFT);
    expect(outcome).toBe('created');
    expect(pr).toEqual({
      number: 3,
      url: `${ORIGIN}/acme/clusters/pulls/3`,
      title: DRAFT.title,
      body: BODY,
      head: HEAD,
      base: 'main',
      state: 'open',
      headSha: 'beadfeed',
    });
  });

  it('finds the open pull request by head.ref and writes nothing when it is the same', async () => {
    gt()
      .get(`${REPO}/pulls`)
      .query(listOpen)
      .reply(200, [pull(1, { head: 'feature/x' }), pull(3)]);
    const { pr, outcome } = await host().ensure(DRAFT);
    expect(outcome).toBe('unchanged');
    expect(pr?.number).toBe(3);
  });

  it('updates with PATCH when the body changed', async () => {
    gt()
      .get(`${REPO}/pulls`)
      .query(listOpen)
      .reply(200, [pull(3, { body: 'Module console: v1.2.0 → v1.2.9' })]);
    gt().patch(`${REPO}/pulls/3`, { title: DRAFT.title, body: BODY }).reply(201, pull(3));
    expect((await host().ensure(DRAFT)).outcome).toBe('updated');
  });

  it('treats 409 "pull request already exists" as success and looks it up again', async () => {
    gt().get(`${REPO}/pulls`).query(listOpen).reply(200, []);
    gt()
      .post(`${REPO}/pulls`)
      .reply(409, {
        message: `pull request already exists for these targets [id: 12, issue_id: 5, head_repo_id: 2, base_repo_id: 2, head_branch: ${HEAD}, base_branch: main]`,
        url: `${ORIGIN}/api/swagger`,
      });
    gt()
      .get(`${REPO}/pulls`)
      .query(listOpen)
      .reply(200, [pull(5)]);
    const { pr, outcome } = await host().ensure(DRAFT);
    expect(outcome).toBe('unchanged');
    expect(pr?.number).toBe(5);
  });
});

describe('gitea pull requests and comments', () => {
  it('comments, then closes with state closed', async () => {
    const order: string[] = [];
    gt()
      .post(`${REPO}/issues/3/comments`, { body: 'Deployed another way.' })
      .reply(201, () => {
        order.push('comment');
        return { id: 8, body: 'x' };
      });
    gt()
      .patch(`${REPO}/pulls/3`, { state: 'closed' })
      .reply(201, () => {
        order.push('close');
        return pull(3, { state: 'closed' });
      });
    await host().close({ ...DRAFT, number: 3, url: '', state: 'open' }, 'Deployed another way.');
    expect(order).toEqual(['comment', 'close']);
  });

  it('does not comment on or close a pull request that was merged meanwhile', async () => {
    const calls: string[] = [];
    const recording = createGitHost({
      kind: 'gitea',
      repoUrl: 'https://git.example.net/acme/clusters.git',
      token: TOKEN,
      fetch: async (input) => {
        calls.push(String(input));
        return new Response('{}', { status: 200 });
      },
    });
    await recording.close({ ...DRAFT, number: 3, url: '', state: 'merged' }, 'Deployed another way.');
    expect(calls).toEqual([]);
  });

  it('lists open pull requests across pages (Link header)', async () => {
    gt()
      .get(`${REPO}/pulls`)
      .query(listOpen)
      .reply(200, [pull(1, { head: 'modsync/approve/a' }), pull(2, { head: 'renovate/x' })], {
        link: `<${ORIGIN}${REPO}/pulls?limit=50&page=2&state=open>; rel="next",<${ORIGIN}${REPO}/pulls?limit=50&page=2&state=open>; rel="last"`,
        'x-total-count': '3',
      });
    gt()
      .get(`${REPO}/pulls`)
      .query({ state: 'open', limit: 50, page: 2 })
      .reply(200, [pull(4, { head: 'modsync/approve/b' })], { 'x-total-count': '3' });
    expect((await host().listOpen('modsync/approve/', 'main')).map((p) => p.head)).toEqual([
      'modsync/approve/a',
      'modsync/approve/b',
    ]);
  });

  it('maps merged and missing pull requests', async () => {
    gt()
      .get(`${REPO}/pulls/3`)
      .reply(200, pull(3, { state: 'closed', merged: true }));
    gt()
      .get(`${REPO}/pulls/4`)
      .reply(404, { errors: null, message: "The target couldn't be found.", url: `${ORIGIN}/api/swagger` });
    expect((await host().get(3))?.state).toBe('merged');
    expect(await host().get(4)).toBeNull();
  });

  const MARK = '<!-- modsync:plan -->';
  it('upsertComment creates, updates and leaves the marked comment', async () => {
    const comments = `${REPO}/issues/3/comments`;
    gt()
      .get(comments)
      .query(true)
      .reply(200, [{ id: 1, body: 'looks fine' }]);
    gt()
      .post(comments, { body: `${MARK}\nplan: 1 change` })
      .reply(201, { id: 2 });
    expect(await host().upsertComment(3, MARK, `${MARK}\nplan: 1 change`)).toBe('created');

    gt()
      .get(comments)
      .query(true)
      .reply(200, [{ id: 2, body: `${MARK}\nplan: 1 change` }]);
    gt()
      .patch(`${REPO}/issues/comments/2`, { body: `${MARK}\nplan: no changes` })
      .reply(200, { id: 2 });
    expect(await host().upsertComment(3, MARK, `${MARK}\nplan: no changes`)).toBe('updated');

    gt()
      .get(comments)
      .query(true)
      .reply(200, [{ id: 2, body: `${MARK}\nplan: no changes` }]);
    expect(await host().upsertComment(3, MARK, `${MARK}\nplan: no changes`)).toBe('unchanged');
  });
});

describe('gitea findLatest', () => {
  const page = (n: number) => ({ state: 'all', limit: 50, page: n });

  it('lists all pull requests newest first and maps open, closed and merged ones of the branch', async () => {
    gt()
      .get(`${REPO}/pulls`)
      .query(page(1))
      .reply(200, [pull(9, { head: 'feature/x' }), pull(8)]);
    expect(await host().findLatest(HEAD, 'main')).toMatchObject({ number: 8, state: 'open', body: BODY });
    gt()
      .get(`${REPO}/pulls`)
      .query(page(1))
      .reply(200, [pull(8, { state: 'closed' })]);
    expect((await host().findLatest(HEAD, 'main'))?.state).toBe('closed');
    gt()
      .get(`${REPO}/pulls`)
      .query(page(1))
      .reply(200, [pull(8, { state: 'closed', merged: true })]);
    expect((await host().findLatest(HEAD, 'main'))?.state).toBe('merged');
  });

  it('is null when the branch never had a pull request (a short page ends the search)', async () => {
    gt()
      .get(`${REPO}/pulls`)
      .query(page(1))
      .reply(200, [pull(2, { head: 'feature/x' }), pull(1, { base: 'release' })]);
    expect(await host().findLatest(HEAD, 'main')).toBeNull();
  });

  it('looks a few pages deep at most', async () => {
    const others = (from: number) =>
      Array.from({ length: 50 }, (_, i) => pull(from - i, { head: `feature/${from - i}` }));
    gt().get(`${REPO}/pulls`).query(page(1)).reply(200, others(200));
    gt().get(`${REPO}/pulls`).query(page(2)).reply(200, others(150));
    gt()
      .get(`${REPO}/pulls`)
      .query(page(3))
      .reply(200, [...others(100).slice(1), pull(51, { state: 'closed' })]);
    expect(await host().findLatest(HEAD, 'main')).toMatchObject({ number: 51, state: 'closed' });
    gt().get(`${REPO}/pulls`).query(page(1)).reply(200, others(200));
    gt().get(`${REPO}/pulls`).query(page(2)).reply(200, others(150));
    gt().get(`${REPO}/pulls`).query(page(3)).reply(200, others(100));
    expect(await host().findLatest(HEAD, 'main')).toBeNull();
  });

  it("ignores a fork's pull request from a branch of the same name", async () => {
    const fork = pull(5, { state: 'closed' });
    gt()
      .get(`${REPO}/pulls`)
      .query(page(1))
      .reply(200, [{ ...fork, head: { ...fork.head, repo_id: 9 }, base: { ...fork.base, repo_id: 3 } }]);
    expect(await host().findLatest(HEAD, 'main')).toBeNull();
  });

  it('close with a body replaces the description in the same PATCH that closes', async () => {
    gt().post(`${REPO}/issues/3/comments`, { body: 'done' }).reply(201, { id: 1, body: 'done' });
    gt()
      .patch(`${REPO}/pulls/3`, { state: 'closed', body: 'marked' })
      .reply(201, pull(3, { state: 'closed', body: 'marked' }));
    await host().close({ ...DRAFT, number: 3, url: '', state: 'open' }, 'done', 'marked');
  });
});

describe('gitea transport and addressing', () => {
  it('retries a 429 (reverse-proxy rate limit), then succeeds', async () => {
    gt().get(`${REPO}/pulls/3`).reply(429, 'Too Many Requests', { 'retry-after': '1' });
    gt().get(`${REPO}/pulls/3`).reply(200, pull(3));
    expect((await host().get(3))?.number).toBe(3);
    expect(waits).toEqual([1000]);
  });

  it('retries a 5xx, then succeeds', async () => {
    gt().get(`${REPO}/pulls/3`).reply(503, 'Service Unavailable');
    gt().get(`${REPO}/pulls/3`).reply(200, pull(3));
    expect((await host().get(3))?.number).toBe(3);
  });

  it('fails with a HostError after a persistent 5xx, the token nowhere in the message', async () => {
    gt()
      .get(`${REPO}/pulls/3`)
      .times(4)
      .reply(500, { message: `token ${TOKEN} lookup failed` });
    const err = (await host()
      .get(3)
      .catch((e: unknown) => e)) as HostError;
    expect(err).toBeInstanceOf(HostError);
    expect(err.message).toContain('HTTP 500');
    expect(err.message).not.toContain(TOKEN);
    expect(waits).toEqual([5, 10, 20]);
  });

  it('serves Gitea on a sub-path derived from the remote URL', async () => {
    nock('https://code.example.org', { reqheaders: { authorization: `token ${TOKEN}` } })
      .get('/gitea/api/v1/repos/infra/modules/pulls/1')
      .reply(200, pull(1));
    expect((await host({ repoUrl: 'https://code.example.org/gitea/infra/modules.git' }).get(1))?.number).toBe(1);
  });
});

describe('gitea open pull requests and their files (plan previews)', () => {
  it('lists open pull requests into the base across pages, leaving out other bases', async () => {
    const page1 = Array.from({ length: 50 }, (_, i) =>
      pull(100 - i, { head: `feature/${i}`, base: i % 2 ? 'release' : 'main' }),
    );
    gt().get(`${REPO}/pulls`).query(listOpen).reply(200, page1);
    gt()
      .get(`${REPO}/pulls`)
      .query({ state: 'open', limit: 50, page: 2 })
      .reply(200, [pull(40, { head: 'fix/x' }), pull(39, { head: 'fix/y', base: 'release' })]);
    const list = await host().listOpenPullRequests('main');
    expect(list).toHaveLength(26);
    expect(list.every((p) => p.base === 'main')).toBe(true);
    expect(list.at(-1)).toMatchObject({ number: 40, head: 'fix/x', headSha: 'beadfeed' });
  });

  it('marks pull requests from forks (head repository differs)', async () => {
    const withRepos = (n: number, headRepo: number) => ({
      ...pull(n, { head: `f/${n}` }),
      head: { ...pull(n).head, ref: `f/${n}`, repo_id: headRepo },
      base: { ...pull(n).base, repo_id: 5 },
    });
    gt()
      .get(`${REPO}/pulls`)
      .query(listOpen)
      .reply(200, [withRepos(2, 5), withRepos(1, 6)]);
    const list = await host().listOpenPullRequests('main');
    expect(list.map((p) => [p.number, p.fromFork ?? false])).toEqual([
      [2, false],
      [1, true],
    ]);
  });

  it('reads the changed files page by page, both names of a rename', async () => {
    const files = Array.from({ length: 50 }, (_, i) => ({
      filename: `docs/${i}.md`,
      status: 'changed',
      additions: 1,
      deletions: 0,
      changes: 1,
    }));
    gt().get(`${REPO}/pulls/40/files`).query({ limit: 50, page: 1 }).reply(200, files);
    gt()
      .get(`${REPO}/pulls/40/files`)
      .query({ limit: 50, page: 2 })
      .reply(200, [
        { filename: 'clusters/demo/one.yaml', previous_filename: 'clusters/old/one.yaml', status: 'renamed' },
      ]);
    const paths = await host().changedFiles(40);
    expect(paths).toHaveLength(52);
    expect(paths.slice(-2)).toEqual(['clusters/demo/one.yaml', 'clusters/old/one.yaml']);
  });
});
