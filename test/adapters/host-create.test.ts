// createGitHost wiring, parseRepoUrl, the `none` host and transport edge cases shared by all forges.
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HostError, ModsyncError } from '../../src/core/errors.ts';
import { Redactor } from '../../src/core/redact.ts';
import { createGitHost, parseRepoUrl } from '../../src/host/create.ts';

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

describe('parseRepoUrl', () => {
  it('reads https remotes with and without .git', () => {
    for (const url of [
      'https://github.com/acme/clusters.git',
      'https://github.com/acme/clusters',
      'https://github.com/acme/clusters/',
    ]) {
      expect(parseRepoUrl(url)).toMatchObject({
        origin: 'https://github.com',
        host: 'github.com',
        owner: 'acme',
        repo: 'clusters',
        projectPath: 'acme/clusters',
        basePath: '',
      });
    }
  });

  it('strips credentials from the URL it reports', () => {
    const ref = parseRepoUrl('https://x-access-token:ghs_abcdef123456@github.com/acme/clusters.git');
    expect(ref.url).toBe('https://github.com/acme/clusters.git');
    expect(JSON.stringify(ref)).not.toContain('ghs_abcdef123456');
    expect(ref.owner).toBe('acme');
  });

  it('keeps a port and maps ssh and scp-style remotes to https on the same host', () => {
    expect(parseRepoUrl('http://127.0.0.1:3000/acme/app.git')).toMatchObject({
      origin: 'http://127.0.0.1:3000',
      owner: 'acme',
      repo: 'app',
    });
    expect(parseRepoUrl('ssh://git@gitea.example.com:2222/acme/app.git')).toMatchObject({
      origin: 'https://gitea.example.com',
      owner: 'acme',
      repo: 'app',
    });
    expect(parseRepoUrl('git@github.com:acme/app.git')).toMatchObject({
      origin: 'https://github.com',
      owner: 'acme',
      repo: 'app',
      url: 'github.com:acme/app.git',
    });
  });

  it('keeps GitLab subgroups in the project path', () => {
    expect(parseRepoUrl('https://gitlab.com/platform/dkp/prod/clusters.git', { kind: 'gitlab' })).toMatchObject({
      owner: 'platform/dkp/prod',
      repo: 'clusters',
      projectPath: 'platform/dkp/prod/clusters',
      basePath: '',
    });
  });

  it('takes the project path after a GitLab sub-path only when told the sub-path', () => {
    expect(
      parseRepoUrl('https://example.org/gitlab/infra/modules.git', { kind: 'gitlab', basePath: '/gitlab' }).projectPath,
    ).toBe('infra/modules');
    expect(parseRepoUrl('https://example.org/gitlab/infra/modules.git', { kind: 'gitlab' }).projectPath).toBe(
      'gitlab/infra/modules',
    );
  });

  it('finds Gitea on a sub-path: owner/repo are the last two segments', () => {
    expect(parseRepoUrl('https://example.org/tools/gitea/acme/app.git', { kind: 'gitea' })).toMatchObject({
      basePath: '/tools/gitea',
      owner: 'acme',
      repo: 'app',
    });
  });

  it('rejects URLs without owner and repository, without echoing credentials', () => {
    const err = (() => {
      try {
        parseRepoUrl('https://bot:hunter2secret@github.com/acme');
      } catch (e) {
        return e;
      }
    })() as ModsyncError;
    expect(err).toBeInstanceOf(ModsyncError);
    expect(err.reason).toBe('ConfigInvalid');
    expect(err.message).toContain('OWNER/REPO');
    expect(err.message).not.toContain('hunter2secret');
  });
});

describe('createGitHost', () => {
  it('the none host answers "nothing there" and never makes a request', async () => {
    const calls: string[] = [];
    const host = createGitHost({
      kind: 'none',
      repoUrl: 'https://github.com/acme/clusters.git',
      fetch: async (input) => {
        calls.push(String(input));
        return new Response('[]');
      },
    });
    expect(host.kind).toBe('none');
    const draft = { head: 'modsync/approve/console', base: 'main', title: 't', body: 'b' };
    expect(await host.ensure(draft)).toEqual({ pr: null, outcome: 'unchanged' });
    expect(await host.findOpen(draft.head, 'main')).toBeNull();
    expect(await host.findLatest(draft.head, 'main')).toBeNull();
    expect(await host.listOpen('modsync/', 'main')).toEqual([]);
    expect(await host.get(1)).toBeNull();
    expect(await host.upsertComment(1, '<!-- m -->', 'x')).toBe('unchanged');
    expect(await host.listOpenPullRequests('main')).toEqual([]);
    expect(await host.changedFiles(1)).toEqual([]);
    await host.close({ ...draft, number: 1, url: '', state: 'open' }, 'bye');
    expect(calls).toEqual([]);
  });

  it('appends /api/v4 and /api/v1 to a given base URL once', async () => {
    nock('https://gl.example.com')
      .get('/api/v4/projects/a%2Fb/merge_requests/1')
      .reply(404, { message: '404 Not found' });
    nock('https://gt.example.com').get('/api/v1/repos/a/b/pulls/1').reply(404, { message: 'not found' });
    expect(
      await createGitHost({
        kind: 'gitlab',
        repoUrl: 'https://gl.example.com/a/b.git',
        apiUrl: 'https://gl.example.com/api/v4',
      }).get(1),
    ).toBeNull();
    expect(
      await createGitHost({
        kind: 'gitea',
        repoUrl: 'https://gt.example.com/a/b.git',
        apiUrl: 'https://gt.example.com/',
      }).get(1),
    ).toBeNull();
  });

  it('scrubs registered secrets from titles and bodies before sending them', async () => {
    const redactor = new Redactor();
    redactor.add('dockercfg-s3cret-value');
    nock('https://api.github.com').get('/repos/acme/app/pulls').query(true).reply(200, []);
    nock('https://api.github.com')
      .post('/repos/acme/app/pulls', {
        title: 'Approve x v1.0.0',
        head: 'modsync/approve/x',
        base: 'main',
        body: 'auth: (secret)',
      })
      .reply(201, {
        number: 1,
        html_url: 'u',
        title: 'Approve x v1.0.0',
        body: 'auth: (secret)',
        state: 'open',
        merged_at: null,
        head: { ref: 'modsync/approve/x', sha: 's' },
        base: { ref: 'main' },
      });
    const host = createGitHost({
      kind: 'github',
      repoUrl: 'https://github.com/acme/app',
      token: 'ghp_tokenvalue99',
      redactor,
    });
    const { outcome } = await host.ensure({
      head: 'modsync/approve/x',
      base: 'main',
      title: 'Approve x v1.0.0',
      body: 'auth: dockercfg-s3cret-value',
    });
    expect(outcome).toBe('created');
  });

  it('puts the marker into a comment that lacks it, so the next run finds the same comment', async () => {
    nock('https://api.github.com').get('/repos/acme/app/issues/2/comments').query(true).reply(200, []);
    nock('https://api.github.com')
      .post('/repos/acme/app/issues/2/comments', { body: '<!-- modsync:plan -->\nplan' })
      .reply(201, { id: 1 });
    const host = createGitHost({ kind: 'github', repoUrl: 'https://github.com/acme/app', token: 'ghp_tokenvalue99' });
    expect(await host.upsertComment(2, '<!-- modsync:plan -->', 'plan')).toBe('created');
  });
});

describe('shared transport', () => {
  const host = () =>
    createGitHost({
      kind: 'gitea',
      repoUrl: 'https://gt.example.com/a/b.git',
      token: 'tok-abcdef-123',
      retryDelayMs: 1,
      sleep: async () => {},
    });

  it('retries a refused connection on reads but never repeats a POST that may have landed', async () => {
    const calls: string[] = [];
    const refusing = createGitHost({
      kind: 'gitea',
      repoUrl: 'https://gt.example.com/a/b.git',
      token: 'tok-abcdef-123',
      retries: 2,
      sleep: async () => {},
      fetch: async (input, init) => {
        calls.push(`${init?.method} ${String(input)}`);
        throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 10.0.0.7:443') });
      },
    });
    const read = (await refusing.get(1).catch((e: unknown) => e)) as HostError;
    expect(read.message).toContain('fetch failed (connect ECONNREFUSED 10.0.0.7:443)');
    expect(read.transient).toBe(true);
    expect(calls).toHaveLength(3);

    // Reads succeed, the POST's connection resets: one attempt only, reported as transient.
    const posts: string[] = [];
    const resetting = createGitHost({
      kind: 'gitea',
      repoUrl: 'https://gt.example.com/a/b.git',
      retries: 2,
      sleep: async () => {},
      fetch: async (input, init) => {
        if (init?.method !== 'POST') return new Response('[]', { status: 200 });
        posts.push(String(input));
        throw new TypeError('fetch failed', { cause: new Error('read ECONNRESET') });
      },
    });
    const write = (await resetting.upsertComment(1, '<!-- m -->', 'x').catch((e: unknown) => e)) as HostError;
    expect(write).toBeInstanceOf(HostError);
    expect(write.transient).toBe(true);
    expect(posts).toEqual(['https://gt.example.com/api/v1/repos/a/b/issues/1/comments']);
  });

  it('refuses a pagination link to another origin (the token would go there)', async () => {
    nock('https://gt.example.com')
      .get('/api/v1/repos/a/b/pulls')
      .query(true)
      .reply(200, [], { link: '<https://evil.example.com/api/v1/repos/a/b/pulls?page=2>; rel="next"' });
    await expect(host().listOpen('modsync/', 'main')).rejects.toThrow(/another origin/);
  });

  it('reports an HTML answer as a wrong API URL instead of crashing on it', async () => {
    nock('https://gt.example.com')
      .get('/api/v1/repos/a/b/pulls/1')
      .reply(200, '<!doctype html><title>Sign in</title>', { 'content-type': 'text/html' });
    await expect(host().get(1)).rejects.toThrow(/not JSON \(check the API URL\)/);
  });

  it('does not follow redirects with the token, and says where they lead', async () => {
    nock('https://gt.example.com')
      .get('/api/v1/repos/a/b/pulls/1')
      .reply(301, '', { location: 'https://gt.example.com/api/v1/repos/a/renamed/pulls/1' });
    const err = (await host()
      .get(1)
      .catch((e: unknown) => e)) as HostError;
    expect(err.message).toContain('HTTP 301 (redirected to https://gt.example.com/api/v1/repos/a/renamed/pulls/1');
    expect(err.transient).toBe(false);
  });
});
