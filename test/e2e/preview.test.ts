/**
 * `modsync plan --pull-request N` end to end, in process: the real CLI entry point against
 * dkp-sim and a `git http-backend` server over loopback, GitHub's REST API answered by nock
 * (real network disabled). The pull request's head is planned against the live cluster and
 * shown in one sticky comment that is written only when its text changes.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { branchHead, createBareRepo, pushFiles } from '../support/git-repo.ts';
import { exampleFiles, startDemoEnv, type DemoEnv } from '../support/demo-env.ts';

const API = 'https://api.github.test';
const REPO = '/repos/acme/demo';
const PR = 7;
const HEAD = 'feature/scale-module-one';
const TOKEN = 'ghp_fake_preview_token_0123';
// The registry credential the PR adds through a placeholder, resolved from the env.
const DOCKER_CFG = Buffer.from(
  JSON.stringify({ auths: { 'registry.example.com': { auth: Buffer.from('robot:s3cr3t-pass').toString('base64') } } }),
).toString('base64');

const MC_ONE = 'clusters/demo/modules/module-one.yaml';
const SOURCE = 'clusters/demo/sources/example.yaml';

function moduleOne(replicas: number): string {
  return `apiVersion: deckhouse.io/v1alpha1\nkind: ModuleConfig\nmetadata:\n  name: module-one\nspec:\n  enabled: true\n  source: example\n  updatePolicy: stable-auto\n  version: 1\n  settings:\n    replicas: ${replicas}\n`;
}

const SOURCE_WITH_SECRET = `apiVersion: deckhouse.io/v1alpha1\nkind: ModuleSource\nmetadata:\n  name: example\nspec:\n  registry:\n    repo: registry.example.com/deckhouse/modules\n    dockerCfg: \${secret:example-registry}\n`;

interface Comment {
  id: number;
  body: string;
}

/**
 * A tiny GitHub: one pull request and its comments, with every write recorded. (nock 15 hands
 * reply functions the fetch `Request`.)
 */
function fakeGitHub(headSha: () => string): { comments: Comment[]; writes: string[] } {
  const state = { comments: [] as Comment[], writes: [] as string[] };
  const pull = () => ({
    number: PR,
    html_url: `https://github.test/acme/demo/pull/${PR}`,
    title: 'Scale module-one',
    body: '',
    state: 'open',
    merged_at: null,
    head: { ref: HEAD, sha: headSha() },
    base: { ref: 'main' },
  });
  // Only requests carrying the token match: anything else fails like a refused connection.
  nock(API, { reqheaders: { authorization: `Bearer ${TOKEN}` } })
    .persist()
    .get(`${REPO}/pulls/${PR}`)
    .reply(() => [200, pull()])
    .get(`${REPO}/issues/${PR}/comments`)
    .query(true)
    .reply(() => [200, state.comments])
    .post(`${REPO}/issues/${PR}/comments`)
    .reply(async (req: Request) => {
      const comment = { id: 100 + state.comments.length, body: ((await req.json()) as { body: string }).body };
      state.comments.push(comment);
      state.writes.push(`POST ${comment.id}`);
      return [201, comment];
    })
    .patch(/\/repos\/acme\/demo\/issues\/comments\/\d+$/)
    .reply(async (req: Request) => {
      const id = Number(new URL(req.url).pathname.split('/').pop());
      const comment = state.comments.find((c) => c.id === id);
      if (!comment) return [404, { message: 'Not Found' }];
      comment.body = ((await req.json()) as { body: string }).body;
      state.writes.push(`PATCH ${id}`);
      return [200, comment];
    });
  return state;
}

describe('plan preview on a pull request', () => {
  let env: DemoEnv;
  let bare: string;
  let repoUrl: string;
  let github: { comments: Comment[]; writes: string[] };
  let sha = '';

  const preview = (extra: string[] = []) =>
    main(
      [
        'plan',
        '--pull-request',
        String(PR),
        '--repo',
        repoUrl,
        '--path',
        'clusters/demo',
        '--kubeconfig',
        env.sim.kubeconfigPath,
        '--cache-dir',
        join(env.workDir, 'preview-cache'),
        '--git-host',
        'github',
        '--git-host-url',
        API,
        '--git-host-token-env',
        'GH_TOKEN',
        '--log-level',
        'warn',
        ...extra,
      ],
      { GH_TOKEN: TOKEN, MODSYNC_SECRET_EXAMPLE_REGISTRY: DOCKER_CFG },
    );

  beforeAll(async () => {
    env = await startDemoEnv();
    // GitHub needs OWNER/REPO in the remote URL: serve the same content as acme/demo.git.
    bare = await createBareRepo(join(env.workDir, 'git'), 'acme/demo.git', exampleFiles(), {
      message: 'Desired state',
    });
    repoUrl = env.git.repoUrl('acme/demo.git');
    const synced = await env.modsync(['sync', '--repo', repoUrl, '--no-status']);
    expect(synced.code, synced.stderr).toBe(0);
    sha = await pushFiles(
      bare,
      HEAD,
      { [MC_ONE]: moduleOne(3), [SOURCE]: SOURCE_WITH_SECRET },
      'Scale module-one, registry credentials',
    );
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    github = fakeGitHub(() => sha);
  }, 120_000);

  afterAll(async () => {
    nock.cleanAll();
    nock.enableNetConnect();
    await env?.stop();
  });

  it('plans the head against the live cluster and creates one comment with the table and field diffs', async () => {
    env.sim.control.resetRequests();
    const code = await preview();
    expect(code).toBe(2);
    expect(github.writes).toEqual(['POST 100']);
    const body = github.comments[0]!.body;
    expect(body).toContain('<!-- modsync:plan-preview instance=modsync root=clusters/demo -->');
    expect(body).toContain(`commit \`${sha.slice(0, 12)}\``);
    expect(body).toContain('**Plan: 0 to create, 2 to update, 0 to delete, 3 unchanged, 0 held**');
    expect(body).toContain('| ~ | `ModuleConfig/module-one` | update | planned |');
    expect(body).toContain('| ~ | `ModuleSource/example` | update | planned |');
    expect(body).toMatch(/```diff\n- spec\.settings\.replicas: 2\n\+ spec\.settings\.replicas: 3\n```/);
    // Read-only: planned locally from the LISTs, no writes and no dry runs.
    expect(env.sim.control.requests().writes).toBe(0);
    expect(env.sim.control.requests().dryRuns).toBe(0);
    // A pull request's head does not replace the tracked branch's cached desired state.
    expect(existsSync(join(env.workDir, 'preview-cache', 'desired'))).toBe(false);
  });

  it('never puts the resolved secret (or its decoded parts) in the comment', () => {
    const body = github.comments[0]!.body;
    expect(body).toContain('spec.registry.dockerCfg');
    expect(body).not.toContain(DOCKER_CFG);
    expect(body).not.toContain(Buffer.from(DOCKER_CFG, 'base64').toString());
    expect(body).not.toContain('s3cr3t-pass');
    expect(body).not.toContain(TOKEN);
  });

  it('leaves the comment alone when nothing changed', async () => {
    const code = await preview();
    expect(code).toBe(2);
    expect(github.writes).toEqual(['POST 100']);
    expect(github.comments).toHaveLength(1);
  });

  it('updates the same comment when the head of the pull request moves', async () => {
    sha = await pushFiles(bare, HEAD, { [MC_ONE]: moduleOne(4) }, 'Scale module-one to 4');
    expect(await branchHead(bare, HEAD)).toBe(sha);
    const code = await preview();
    expect(code).toBe(2);
    expect(github.writes).toEqual(['POST 100', 'PATCH 100']);
    expect(github.comments).toHaveLength(1);
    const body = github.comments[0]!.body;
    expect(body).toContain(`commit \`${sha.slice(0, 12)}\``);
    expect(body).toContain('+ spec.settings.replicas: 4');
    expect(body).not.toContain('+ spec.settings.replicas: 3');
  });

  it('shows validation errors in the comment and exits 1 when the head is invalid', async () => {
    sha = await pushFiles(
      bare,
      HEAD,
      { [MC_ONE]: moduleOne(4).replace('enabled: true', 'enabled: maybe') },
      'Break module-one',
    );
    const code = await preview();
    expect(code).toBe(1);
    expect(github.writes).toEqual(['POST 100', 'PATCH 100', 'PATCH 100']);
    const body = github.comments[0]!.body;
    expect(body).toContain('**validate failed** (ValidationFailed)');
    expect(body).toContain('**Validation errors (1)**');
    expect(body).toContain('clusters/demo/modules/module-one.yaml:6:');
  });

  it('leaves a merged pull request alone and fails on a missing one, writing no comment', async () => {
    nock(API)
      .get(`${REPO}/pulls/8`)
      .reply(200, {
        number: 8,
        html_url: 'https://github.test/acme/demo/pull/8',
        title: 'Old',
        body: '',
        state: 'closed',
        merged_at: '2026-11-20T10:00:00Z',
        head: { ref: 'old', sha: sha },
        base: { ref: 'main' },
      });
    nock(API).get(`${REPO}/pulls/9`).reply(404, { message: 'Not Found' });
    const args = (n: number) => [
      'plan',
      '--pull-request',
      String(n),
      '--repo',
      repoUrl,
      '--kubeconfig',
      env.sim.kubeconfigPath,
      '--cache-dir',
      join(env.workDir, 'preview-cache'),
      '--git-host',
      'github',
      '--git-host-url',
      API,
      '--git-host-token-env',
      'GH_TOKEN',
    ];
    expect(await main(args(8), { GH_TOKEN: TOKEN })).toBe(0);
    expect(await main(args(9), { GH_TOKEN: TOKEN })).toBe(1);
    expect(github.writes).toHaveLength(3);
  });

  it('refuses to run without a git host (usage error), writing nothing', async () => {
    const code = await main(
      [
        'plan',
        '--pull-request',
        String(PR),
        '--repo',
        repoUrl,
        '--kubeconfig',
        env.sim.kubeconfigPath,
        '--cache-dir',
        join(env.workDir, 'preview-cache'),
      ],
      {},
    );
    expect(code).toBe(64);
    expect(github.writes).toHaveLength(3);
  });
});
