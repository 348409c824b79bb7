/**
 * The daemon's plan-preview refresh end to end, in process: the function `modsync run` calls
 * after each sync, wired from a real configuration against dkp-sim and a `git http-backend`
 * server over loopback, with GitHub's REST API answered by nock (real network disabled).
 * Open pull requests that change the root get one sticky plan comment; others, and modsync's
 * own approval branches, get nothing; comments are written only when the plan changed.
 */
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandContext } from '../../src/cli/command.ts';
import { previewRefresher } from '../../src/cli/run.ts';
import { syncOptionsOf } from '../../src/cli/sync-run.ts';
import { createClusterWiring, createHostPort } from '../../src/cli/wire.ts';
import { loadConfig } from '../../src/config/load.ts';
import { Redactor } from '../../src/core/redact.ts';
import { createLogger } from '../../src/log.ts';
import type { RefreshResult } from '../../src/pipeline/preview-refresh.ts';
import type { SyncResult } from '../../src/pipeline/types.ts';
import { branchHead, createBareRepo, pushFiles } from '../support/git-repo.ts';
import { exampleFiles, startDemoEnv, type DemoEnv } from '../support/demo-env.ts';

const API = 'https://api.github.test';
const REPO = '/repos/acme/demo';
const TOKEN = 'ghp_fake_refresh_token_0123';
const MC_ONE = 'clusters/demo/modules/module-one.yaml';

/** Pull requests by number: 7 changes the root, 8 only the README, 9 is modsync's own approval branch. */
const PULLS: Record<number, { head: string; files: string[] }> = {
  7: { head: 'feature/scale-module-one', files: [MC_ONE] },
  8: { head: 'docs/readme', files: ['README.md', 'clusters/other/x.yaml'] },
  9: { head: 'modsync/approve/module-two', files: ['clusters/demo/approvals/module-two-v1.2.6.yaml'] },
};

function moduleOne(replicas: number): string {
  return `apiVersion: deckhouse.io/v1alpha1\nkind: ModuleConfig\nmetadata:\n  name: module-one\nspec:\n  enabled: true\n  source: example\n  updatePolicy: stable-auto\n  version: 1\n  settings:\n    replicas: ${replicas}\n`;
}

/** A sync result that wrote nothing (the cluster did not change). */
const QUIET: SyncResult = { commit: null, changes: [], issues: [], stages: [], ok: true, requests: [] };

interface Forge {
  comments: Map<number, { id: number; body: string }[]>;
  /** Writes as `POST #7`, `PATCH #7/100`. */
  writes: string[];
  /** Pull requests whose files were listed, in order. */
  fileLists: number[];
  /** Answer the open-pull-request list with 401 (a revoked token). */
  failList: boolean;
}

/** A tiny GitHub serving PULLS with head commits from the bare repository. */
function fakeGitHub(bare: string): Forge {
  const state: Forge = { comments: new Map(), writes: [], fileLists: [], failList: false };
  let nextId = 100;
  const pull = async (n: number) => ({
    number: n,
    html_url: `https://github.test/acme/demo/pull/${n}`,
    title: `PR ${n}`,
    body: '',
    state: 'open',
    merged_at: null,
    head: { ref: PULLS[n]!.head, sha: await branchHead(bare, PULLS[n]!.head) },
    base: { ref: 'main' },
  });
  const numberIn = (req: Request, index: number): number => Number(new URL(req.url).pathname.split('/')[index]);
  nock(API, { reqheaders: { authorization: `Bearer ${TOKEN}` } })
    .persist()
    .get(`${REPO}/pulls`)
    .query({ state: 'open', base: 'main', per_page: 100, page: 1 })
    .reply(async () =>
      state.failList ? [401, { message: 'Bad credentials' }] : [200, await Promise.all([9, 8, 7].map(pull))],
    )
    .get(/\/repos\/acme\/demo\/pulls\/\d+\/files/)
    .query(true)
    .reply((req: Request) => {
      const n = numberIn(req, 5);
      state.fileLists.push(n);
      return [
        200,
        PULLS[n]!.files.map((filename) => ({
          sha: 'f00',
          filename,
          status: 'modified',
          additions: 1,
          deletions: 1,
          changes: 2,
        })),
      ];
    })
    .get(/\/repos\/acme\/demo\/pulls\/\d+$/)
    .reply(async (req: Request) => [200, await pull(numberIn(req, 5))])
    .get(/\/repos\/acme\/demo\/issues\/\d+\/comments/)
    .query(true)
    .reply((req: Request) => [200, state.comments.get(numberIn(req, 5)) ?? []])
    .post(/\/repos\/acme\/demo\/issues\/\d+\/comments$/)
    .reply(async (req: Request) => {
      const n = numberIn(req, 5);
      const comment = { id: nextId++, body: ((await req.json()) as { body: string }).body };
      state.comments.set(n, [...(state.comments.get(n) ?? []), comment]);
      state.writes.push(`POST #${n}`);
      return [201, comment];
    })
    .patch(/\/repos\/acme\/demo\/issues\/comments\/\d+$/)
    .reply(async (req: Request) => {
      const id = numberIn(req, 6);
      for (const [n, list] of state.comments) {
        const comment = list.find((c) => c.id === id);
        if (!comment) continue;
        comment.body = ((await req.json()) as { body: string }).body;
        state.writes.push(`PATCH #${n}/${id}`);
        return [200, comment];
      }
      return [404, { message: 'Not Found' }];
    });
  return state;
}

describe('daemon: plan previews of open pull requests', () => {
  let env: DemoEnv;
  let bare: string;
  let forge: Forge;
  let refresh: (after: SyncResult) => Promise<RefreshResult[]>;
  const logLines: string[] = [];

  const byNumber = (results: RefreshResult[]) => Object.fromEntries(results.map((r) => [r.number, r.outcome]));

  beforeAll(async () => {
    env = await startDemoEnv();
    // GitHub needs OWNER/REPO in the remote URL: serve the same content as acme/demo.git.
    bare = await createBareRepo(join(env.workDir, 'git'), 'acme/demo.git', exampleFiles(), {
      message: 'Desired state',
    });
    const repoUrl = env.git.repoUrl('acme/demo.git');
    const synced = await env.modsync(['sync', '--repo', repoUrl, '--no-status']);
    expect(synced.code, synced.stderr).toBe(0);
    await pushFiles(bare, PULLS[7]!.head, { [MC_ONE]: moduleOne(3) }, 'Scale module-one');
    await pushFiles(bare, PULLS[8]!.head, { 'README.md': '# Fleet\n' }, 'Docs');
    await pushFiles(
      bare,
      PULLS[9]!.head,
      { 'clusters/demo/approvals/module-two-v1.2.6.yaml': 'approve: yes\n' },
      'Approve module-two',
    );
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    forge = fakeGitHub(bare);

    // The daemon's wiring, from a configuration as `modsync run` loads it.
    const flags = {
      repo: repoUrl,
      path: 'clusters/demo',
      'cache-dir': join(env.workDir, 'daemon-cache'),
      kubeconfig: env.sim.kubeconfigPath,
      'git-host': 'github',
      'git-host-url': API,
      'git-host-token-env': 'GH_TOKEN',
    };
    const runEnv = { GH_TOKEN: TOKEN };
    const { config, problems } = loadConfig({ flags, env: {} });
    expect(problems).toEqual([]);
    const redactor = new Redactor();
    const logger = createLogger({ format: 'json', level: 'info', redactor, write: (line) => void logLines.push(line) });
    const ctx: CommandContext = {
      config,
      args: [],
      flags: {},
      env: runEnv,
      out: () => {},
      err: () => {},
      redactor,
      logger,
      tty: false,
    };
    const host = createHostPort(config, runEnv, redactor, logger);
    const { cluster } = createClusterWiring(config, runEnv, logger);
    refresh = previewRefresher(ctx, host, cluster, syncOptionsOf(config, 'sync', runEnv));
  }, 120_000);

  afterAll(async () => {
    nock.cleanAll();
    nock.enableNetConnect();
    await env?.stop();
  });

  it('comments the plan on the pull request that changes the root, and on no other', async () => {
    env.sim.control.resetRequests();
    const results = await refresh(QUIET);
    expect(byNumber(results)).toEqual({ 7: 'created', 8: 'not-touching' });
    expect(forge.writes).toEqual(['POST #7']);
    // modsync's own approval branch is not even looked at.
    expect([...forge.fileLists].sort()).toEqual([7, 8]);
    const body = forge.comments.get(7)![0]!.body;
    expect(body).toContain('<!-- modsync:plan-preview instance=modsync root=clusters/demo -->');
    expect(body).toContain(`commit \`${(await branchHead(bare, PULLS[7]!.head))!.slice(0, 12)}\``);
    expect(body).toContain('| ~ | `ModuleConfig/module-one` | update | planned |');
    expect(body).toMatch(/```diff\n- spec\.settings\.replicas: 2\n\+ spec\.settings\.replicas: 3\n```/);
    expect(body).not.toContain(TOKEN);
    // The preview only reads the cluster.
    expect(env.sim.control.requests().writes).toBe(0);
  });

  it('writes nothing, and plans nothing, on the next tick when no head moved and the cluster did not change', async () => {
    const lists = forge.fileLists.length;
    env.sim.control.resetRequests();
    const results = await refresh(QUIET);
    expect(byNumber(results)).toEqual({ 7: 'fresh', 8: 'not-touching' });
    expect(forge.writes).toEqual(['POST #7']);
    expect(forge.fileLists).toHaveLength(lists);
    expect(env.sim.control.requests().dryRuns).toBe(0);
  });

  it('plans again after a sync that changed the cluster, leaving an equal comment alone', async () => {
    const changed: SyncResult = { ...QUIET, ok: false };
    const results = await refresh(changed);
    expect(byNumber(results)).toEqual({ 7: 'unchanged', 8: 'not-touching' });
    expect(forge.writes).toEqual(['POST #7']);
  });

  it('updates the same comment when a new commit lands on the pull request', async () => {
    const sha = await pushFiles(bare, PULLS[7]!.head, { [MC_ONE]: moduleOne(4) }, 'Scale module-one to 4');
    const results = await refresh(QUIET);
    expect(byNumber(results)).toEqual({ 7: 'updated', 8: 'not-touching' });
    expect(forge.writes).toEqual(['POST #7', 'PATCH #7/100']);
    expect(forge.comments.get(7)).toHaveLength(1);
    const body = forge.comments.get(7)![0]!.body;
    expect(body).toContain(`commit \`${sha.slice(0, 12)}\``);
    expect(body).toContain('+ spec.settings.replicas: 4');
    expect(body).not.toContain('+ spec.settings.replicas: 3');
  });

  it('logs a forge failure and goes on: nothing thrown, nothing written', async () => {
    forge.failList = true;
    try {
      await expect(refresh(QUIET)).resolves.toEqual([]);
    } finally {
      forge.failList = false;
    }
    expect(forge.writes).toEqual(['POST #7', 'PATCH #7/100']);
    const warning = logLines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === 'plan previews not refreshed');
    expect(String(warning?.err)).toContain('HTTP 401');
    expect(logLines.join('\n')).not.toContain(TOKEN);
  });
});
