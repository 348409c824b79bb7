// GitHub adapter against nock, on the REST API's documented request and response shapes.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { HostError, type ModsyncError } from '../../src/core/errors.ts';
import { createGitHost } from '../../src/host/create.ts';
import type { GitHost } from '../../src/host/port.ts';

const API = 'https://api.github.com';
const TOKEN = 'ghp_fake_s3cret_token_1234';
const REPO = '/repos/acme/clusters';
const HEAD = 'modsync/approve/console';
const BODY = 'Module console: v1.2.0 → v1.3.0\n\n<!-- modsync:approval {"module":"console"} -->';
const DRAFT = { head: HEAD, base: 'main', title: 'Approve console v1.3.0', body: BODY };

/** A pull request object as `GET /repos/{o}/{r}/pulls` returns it (the fields modsync reads, plus some it ignores). */
function pull(
  number: number,
  over: { title?: string; body?: string | null; head?: string; state?: string; merged_at?: string | null } = {},
) {
  return {
    url: `${API}${REPO}/pulls/${number}`,
    id: 1000 + number,
    number,
    html_url: `https://github.com/acme/clusters/pull/${number}`,
    state: over.state ?? 'open',
    title: over.title ?? DRAFT.title,
    body: over.body === undefined ? BODY : over.body,
    user: { login: 'modsync-bot' },
    merged_at: over.merged_at ?? null,
    head: { label: `acme:${over.head ?? HEAD}`, ref: over.head ?? HEAD, sha: 'a1b2c3d4e5' },
    base: { label: 'acme:main', ref: 'main', sha: '0f0f0f0f' },
  };
}

let waits: number[] = [];
function host(over: { repoUrl?: string; apiUrl?: string } = {}): GitHost {
  return createGitHost({
    kind: 'github',
    repoUrl: over.repoUrl ?? 'https://github.com/acme/clusters.git',
    apiUrl: over.apiUrl,
    token: TOKEN,
    retries: 3,
    retryDelayMs: 5,
    timeoutMs: 2000,
    sleep: async (ms) => {
      waits.push(ms);
    },
  });
}

const gh = () =>
  nock(API, {
    reqheaders: {
      authorization: `Bearer ${TOKEN}`,
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      'user-agent': 'modsync',
    },
  });
const findQuery = { state: 'open', head: `acme:${HEAD}`, base: 'main' };

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  waits = [];
  expect(pending).toEqual([]);
});

describe('github ensure', () => {
  it('creates a pull request when none is open and maps the answer', async () => {
    gh().get(`${REPO}/pulls`).query(findQuery).reply(200, []);
    gh().post(`${REPO}/pulls`, { title: DRAFT.title, head: HEAD, base: 'main', body: BODY }).reply(201, pull(12));
    const { pr, outcome } = await host().ensure(DRAFT);
    expect(outcome).toBe('created');
    expect(pr).toEqual({
      number: 12,
      url: 'https://github.com/acme/clusters/pull/12',
      title: DRAFT.title,
      body: BODY,
      head: HEAD,
      base: 'main',
      state: 'open',
      headSha: 'a1b2c3d4e5',
    });
  });

  it('leaves an open pull request with the same content alone (no write request)', async () => {
    // GitHub hands bodies edited in the web UI back with CRLF line ends: still the same content.
    gh()
      .get(`${REPO}/pulls`)
      .query(findQuery)
      .reply(200, [pull(12, { body: BODY.replace(/\n/g, '\r\n') })]);
    const { pr, outcome } = await host().ensure(DRAFT);
    expect(outcome).toBe('unchanged');
    expect(pr?.number).toBe(12);
  });

  it('updates title and body when they changed', async () => {
    gh()
      .get(`${REPO}/pulls`)
      .query(findQuery)
      .reply(200, [pull(12, { title: 'Approve console v1.2.5', body: 'old' })]);
    gh().patch(`${REPO}/pulls/12`, { title: DRAFT.title, body: BODY }).reply(200, pull(12));
    const { pr, outcome } = await host().ensure(DRAFT);
    expect(outcome).toBe('updated');
    expect(pr?.body).toBe(BODY);
  });

  it('treats 422 "A pull request already exists" as success and looks the pull request up again', async () => {
    gh().get(`${REPO}/pulls`).query(findQuery).reply(200, []);
    gh()
      .post(`${REPO}/pulls`)
      .reply(422, {
        message: 'Validation Failed',
        errors: [
          { resource: 'PullRequest', code: 'custom', message: `A pull request already exists for acme:${HEAD}.` },
        ],
        documentation_url: 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request',
      });
    gh()
      .get(`${REPO}/pulls`)
      .query(findQuery)
      .reply(200, [pull(15)]);
    const { pr, outcome } = await host().ensure(DRAFT);
    expect(outcome).toBe('unchanged');
    expect(pr?.number).toBe(15);
  });

  it('reports other 422 answers as errors, without retrying', async () => {
    gh().get(`${REPO}/pulls`).query(findQuery).reply(200, []);
    gh()
      .post(`${REPO}/pulls`)
      .reply(422, {
        message: 'Validation Failed',
        errors: [{ resource: 'PullRequest', code: 'custom', message: `No commits between main and ${HEAD}` }],
      });
    const err = await host()
      .ensure(DRAFT)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostError);
    expect((err as ModsyncError).message).toContain('No commits between main');
    expect((err as ModsyncError).transient).toBe(false);
    expect(waits).toEqual([]);
  });
});

describe('github pull requests and comments', () => {
  it('comments, then closes', async () => {
    const order: string[] = [];
    gh()
      .post(`${REPO}/issues/12/comments`, { body: 'console v1.3.0 was deployed another way.' })
      .reply(201, () => {
        order.push('comment');
        return { id: 1, body: 'x' };
      });
    gh()
      .patch(`${REPO}/pulls/12`, { state: 'closed' })
      .reply(200, () => {
        order.push('close');
        return pull(12, { state: 'closed' });
      });
    await host().close({ ...DRAFT, number: 12, url: '', state: 'open' }, 'console v1.3.0 was deployed another way.');
    expect(order).toEqual(['comment', 'close']);
  });

  it('lists open pull requests across pages and keeps the ones on modsync branches', async () => {
    gh()
      .get(`${REPO}/pulls`)
      .query({ state: 'open', base: 'main', per_page: 100, page: 1 })
      .reply(200, [pull(1, { head: 'modsync/approve/a' }), pull(2, { head: 'feature/x' })], {
        link: `<${API}${REPO}/pulls?state=open&base=main&per_page=100&page=2>; rel="next", <${API}${REPO}/pulls?state=open&base=main&per_page=100&page=2>; rel="last"`,
      });
    gh()
      .get(`${REPO}/pulls`)
      .query({ state: 'open', base: 'main', per_page: 100, page: 2 })
      .reply(200, [pull(3, { head: 'modsync/approve/b' })]);
    const list = await host().listOpen('modsync/approve/', 'main');
    expect(list.map((p) => [p.number, p.head])).toEqual([
      [1, 'modsync/approve/a'],
      [3, 'modsync/approve/b'],
    ]);
  });

  it('gets a pull request by number: merged ones say so, missing ones are null', async () => {
    gh()
      .get(`${REPO}/pulls/7`)
      .reply(200, { ...pull(7, { state: 'closed', merged_at: '2026-11-20T10:00:00Z' }), merged: true });
    gh().get(`${REPO}/pulls/8`).reply(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
    expect((await host().get(7))?.state).toBe('merged');
    expect(await host().get(8)).toBeNull();
  });

  const MARK = '<!-- modsync:plan -->';
  it('upsertComment creates the marked comment when there is none (comments read across pages)', async () => {
    gh()
      .get(`${REPO}/issues/4/comments`)
      .query({ per_page: 100, page: 1 })
      .reply(200, [{ id: 1, body: 'LGTM' }], {
        link: `<${API}${REPO}/issues/4/comments?per_page=100&page=2>; rel="next"`,
      });
    gh()
      .get(`${REPO}/issues/4/comments`)
      .query({ per_page: 100, page: 2 })
      .reply(200, [{ id: 2, body: 'ship it' }]);
    gh()
      .post(`${REPO}/issues/4/comments`, { body: `${MARK}\nplan: 1 change` })
      .reply(201, { id: 3 });
    expect(await host().upsertComment(4, MARK, `${MARK}\nplan: 1 change`)).toBe('created');
  });

  it('upsertComment updates the marked comment when the body differs, and leaves it when equal', async () => {
    gh()
      .get(`${REPO}/issues/4/comments`)
      .query(true)
      .reply(200, [
        { id: 1, body: 'LGTM' },
        { id: 9, body: `${MARK}\nplan: 2 changes` },
      ]);
    gh()
      .patch(`${REPO}/issues/comments/9`, { body: `${MARK}\nplan: 1 change` })
      .reply(200, { id: 9 });
    expect(await host().upsertComment(4, MARK, `${MARK}\nplan: 1 change`)).toBe('updated');

    gh()
      .get(`${REPO}/issues/4/comments`)
      .query(true)
      .reply(200, [{ id: 9, body: `${MARK}\nplan: 1 change` }]);
    expect(await host().upsertComment(4, MARK, `${MARK}\nplan: 1 change`)).toBe('unchanged');
  });
});

describe('github findLatest', () => {
  const latestQuery = {
    state: 'all',
    head: `acme:${HEAD}`,
    base: 'main',
    sort: 'created',
    direction: 'desc',
    per_page: 1,
  };

  it('asks for the newest pull request of the branch in any state and maps an open one', async () => {
    gh()
      .get(`${REPO}/pulls`)
      .query(latestQuery)
      .reply(200, [pull(21)]);
    expect(await host().findLatest(HEAD, 'main')).toMatchObject({
      number: 21,
      state: 'open',
      body: BODY,
      head: HEAD,
      base: 'main',
    });
  });

  it('a pull request closed without merging is closed; a merged one (merged_at set) is merged', async () => {
    gh()
      .get(`${REPO}/pulls`)
      .query(latestQuery)
      .reply(200, [pull(22, { state: 'closed' })]);
    expect((await host().findLatest(HEAD, 'main'))?.state).toBe('closed');
    gh()
      .get(`${REPO}/pulls`)
      .query(latestQuery)
      .reply(200, [pull(23, { state: 'closed', merged_at: '2026-11-20T10:00:00Z' })]);
    expect((await host().findLatest(HEAD, 'main'))?.state).toBe('merged');
  });

  it('is null when the branch never had a pull request', async () => {
    gh().get(`${REPO}/pulls`).query(latestQuery).reply(200, []);
    expect(await host().findLatest(HEAD, 'main')).toBeNull();
  });

  it('takes the highest number when a server ignores sort and page size, and ignores other branches', async () => {
    gh()
      .get(`${REPO}/pulls`)
      .query(latestQuery)
      .reply(200, [
        pull(3, { state: 'closed' }),
        pull(9, { head: 'feature/x' }),
        pull(7, { state: 'closed', merged_at: '2026-11-20T10:00:00Z' }),
      ]);
    expect(await host().findLatest(HEAD, 'main')).toMatchObject({ number: 7, state: 'merged' });
  });

  it('close with a body replaces the description in the same PATCH that closes', async () => {
    gh().post(`${REPO}/issues/12/comments`, { body: 'done' }).reply(201, { id: 1, body: 'done' });
    gh()
      .patch(`${REPO}/pulls/12`, { state: 'closed', body: 'marked' })
      .reply(200, pull(12, { state: 'closed', body: 'marked' }));
    await host().close({ ...DRAFT, number: 12, url: '', state: 'open' }, 'done', 'marked');
  });
});

describe('github transport', () => {
  it('waits out a primary rate limit (403, x-ratelimit-remaining: 0) until the reset, then succeeds', async () => {
    const reset = Math.floor(Date.now() / 1000) + 3;
    gh()
      .get(`${REPO}/pulls/5`)
      .reply(
        403,
        { message: 'API rate limit exceeded for installation ID 1.' },
        {
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(reset),
        },
      );
    gh().get(`${REPO}/pulls/5`).reply(200, pull(5));
    expect((await host().get(5))?.number).toBe(5);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(1000);
    expect(waits[0]).toBeLessThanOrEqual(3000);
  });

  it('honours retry-after on a secondary rate limit (429)', async () => {
    gh()
      .get(`${REPO}/pulls/5`)
      .reply(429, { message: 'You have exceeded a secondary rate limit.' }, { 'retry-after': '7' });
    gh().get(`${REPO}/pulls/5`).reply(200, pull(5));
    expect((await host().get(5))?.number).toBe(5);
    expect(waits).toEqual([7000]);
  });

  it('backs off on a 403 secondary rate limit that carries no headers, but not on a plain 403', async () => {
    gh().get(`${REPO}/pulls/5`).reply(403, {
      message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
    });
    gh().get(`${REPO}/pulls/5`).reply(200, pull(5));
    expect((await host().get(5))?.number).toBe(5);
    expect(waits).toEqual([5]);

    gh().get(`${REPO}/pulls/6`).reply(403, { message: 'Resource not accessible by integration' });
    const err = (await host()
      .get(6)
      .catch((e: unknown) => e)) as HostError;
    expect(err.message).toContain('HTTP 403: Resource not accessible by integration');
    expect(err.transient).toBe(false);
    expect(waits).toEqual([5]);
  });

  it('gives up at once, as a transient error, when the rate limit resets too far ahead', async () => {
    gh()
      .get(`${REPO}/pulls/5`)
      .reply(
        403,
        { message: 'API rate limit exceeded' },
        {
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
        },
      );
    const err = (await host()
      .get(5)
      .catch((e: unknown) => e)) as HostError;
    expect(err).toBeInstanceOf(HostError);
    expect(err.transient).toBe(true);
    expect(err.message).toMatch(/rate limited/);
    expect(waits).toEqual([]);
  });

  it('retries a 5xx with backoff, then succeeds', async () => {
    gh().get(`${REPO}/pulls/5`).reply(502, 'Bad Gateway');
    gh().get(`${REPO}/pulls/5`).reply(503, { message: 'Service Unavailable' });
    gh().get(`${REPO}/pulls/5`).reply(200, pull(5));
    expect((await host().get(5))?.number).toBe(5);
    expect(waits).toEqual([5, 10]);
  });

  it('fails with a HostError after bounded retries of a persistent 5xx, the token nowhere in the message', async () => {
    gh()
      .get(`${REPO}/pulls/5`)
      .times(4)
      .reply(500, { message: `internal error for token ${TOKEN}` });
    const err = (await host()
      .get(5)
      .catch((e: unknown) => e)) as HostError;
    expect(err).toBeInstanceOf(HostError);
    expect(err.transient).toBe(true);
    expect(err.message).toMatch(/^github acme\/clusters: GET \/repos\/acme\/clusters\/pulls\/5: HTTP 500/);
    expect(err.message).not.toContain(TOKEN);
    expect(String(err.stack)).not.toContain(TOKEN);
    expect(waits).toHaveLength(3);
  });

  it('does not retry other 4xx answers', async () => {
    gh().get(`${REPO}/pulls/5`).reply(401, { message: 'Bad credentials' });
    const err = (await host()
      .get(5)
      .catch((e: unknown) => e)) as HostError;
    expect(err.message).toContain('HTTP 401: Bad credentials');
    expect(err.transient).toBe(false);
    expect(waits).toEqual([]);
  });

  it('times out a request that gets no answer, and retries it', async () => {
    // A real server on loopback: the first request never gets an answer, the second does.
    nock.enableNetConnect('127.0.0.1');
    let seen = 0;
    const server = createServer((_req, res) => {
      seen++;
      if (seen === 1) return; // hang
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(pull(5, { title: 'second try' })));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const h = createGitHost({
        kind: 'github',
        apiUrl: `http://127.0.0.1:${port}/api/v3`,
        repoUrl: 'https://ghe.corp.example/acme/clusters',
        token: TOKEN,
        timeoutMs: 200,
        retryDelayMs: 1,
        sleep: async (ms) => void waits.push(ms),
      });
      expect((await h.get(5))?.title).toBe('second try');
      expect(seen).toBe(2);
      expect(waits).toEqual([1]);
    } finally {
      server.closeAllConnections();
      server.close();
      nock.disableNetConnect();
    }
  });

  it('talks to GitHub Enterprise Server under https://HOST/api/v3', async () => {
    const ghes = nock('https://ghe.corp.example', { reqheaders: { authorization: `Bearer ${TOKEN}` } });
    ghes
      .get('/api/v3/repos/platform/dkp/pulls')
      .query({ state: 'open', head: `platform:${HEAD}`, base: 'main' })
      .reply(200, []);
    expect(await host({ repoUrl: 'https://ghe.corp.example/platform/dkp.git' }).findOpen(HEAD, 'main')).toBeNull();

    ghes.get('/api/v3/repos/platform/dkp/pulls/3').reply(200, pull(3));
    const explicit = host({
      repoUrl: 'git@ghe.corp.example:platform/dkp.git',
      apiUrl: 'https://ghe.corp.example/api/v3/',
    });
    expect((await explicit.get(3))?.number).toBe(3);
  });
});

describe('github open pull requests and their files (plan previews)', () => {
  it('lists open pull requests into the base from every head, with their head commits', async () => {
    gh()
      .get(`${REPO}/pulls`)
      .query({ state: 'open', base: 'main', per_page: 100, page: 1 })
      .reply(200, [pull(21, { head: 'feature/scale' }), pull(20, { head: 'modsync/approve/console' })]);
    const list = await host().listOpenPullRequests('main');
    expect(list.map((p) => [p.number, p.head, p.headSha, p.state])).toEqual([
      [21, 'feature/scale', 'a1b2c3d4e5', 'open'],
      [20, 'modsync/approve/console', 'a1b2c3d4e5', 'open'],
    ]);
  });

  it('marks pull requests from forks (and from deleted forks)', async () => {
    const own = { full_name: 'acme/clusters' };
    const withRepos = (n: number, headRepo: { full_name: string } | null) => ({
      ...pull(n, { head: `f/${n}` }),
      head: { ...pull(n).head, ref: `f/${n}`, repo: headRepo },
      base: { ...pull(n).base, repo: own },
    });
    gh()
      .get(`${REPO}/pulls`)
      .query({ state: 'open', base: 'main', per_page: 100, page: 1 })
      .reply(200, [withRepos(3, own), withRepos(2, { full_name: 'mallory/clusters' }), withRepos(1, null)]);
    const list = await host().listOpenPullRequests('main');
    expect(list.map((p) => [p.number, p.fromFork ?? false])).toEqual([
      [3, false],
      [2, true],
      [1, true],
    ]);
  });

  it('stops at 50 pull requests without reading further pages', async () => {
    const full = Array.from({ length: 100 }, (_, i) => pull(500 - i, { head: `feature/${i}` }));
    gh()
      .get(`${REPO}/pulls`)
      .query({ state: 'open', base: 'main', per_page: 100, page: 1 })
      .reply(200, full, { link: `<${API}${REPO}/pulls?state=open&base=main&per_page=100&page=2>; rel="next"` });
    const list = await host().listOpenPullRequests('main');
    expect(list).toHaveLength(50);
    expect(list[0]?.number).toBe(500);
  });

  it('lists the changed files across pages, both names of a rename', async () => {
    const files = Array.from({ length: 100 }, (_, i) => ({
      sha: 'f00',
      filename: `docs/page-${i}.md`,
      status: 'modified',
      additions: 1,
      deletions: 0,
      changes: 1,
    }));
    gh().get(`${REPO}/pulls/21/files`).query({ per_page: 100, page: 1 }).reply(200, files);
    gh()
      .get(`${REPO}/pulls/21/files`)
      .query({ per_page: 100, page: 2 })
      .reply(200, [
        {
          sha: 'f01',
          filename: 'clusters/demo/modules/one.yaml',
          previous_filename: 'clusters/old/one.yaml',
          status: 'renamed',
          additions: 0,
          deletions: 0,
          changes: 0,
        },
      ]);
    const paths = await host().changedFiles(21);
    expect(paths).toHaveLength(102);
    expect(paths.slice(-2)).toEqual(['clusters/demo/modules/one.yaml', 'clusters/old/one.yaml']);
  });

  it('fails with RequestFailed when the files cannot be read', async () => {
    gh().get(`${REPO}/pulls/22/files`).query(true).reply(404, { message: 'Not Found' });
    await expect(host().changedFiles(22)).rejects.toBeInstanceOf(HostError);
  });
});
