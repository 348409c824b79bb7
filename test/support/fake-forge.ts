/**
 * A GitHub-like forge for end-to-end tests: an in-memory store of pull requests and their
 * issue comments, served on GitHub's REST paths through nock interceptors, so modsync's real
 * GitHub adapter reaches it over intercepted `fetch` while real network stays disabled. It
 * answers the way GitHub does where the flow depends on it: 422 for a second open pull request
 * on the same head, 422 when the head branch does not exist, 401 without the token. Every
 * request is recorded, so a test can say "no write reached the forge".
 *
 * nock only sees requests made in the test's own process, so this file also provides the
 * environment that runs modsync in process against it (`startForgeEnv`): dkp-sim, a git server
 * and the real ports built from a config as the CLI builds them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { createClusterWiring, createGitPort, createHostPort } from '../../src/cli/wire.ts';
import { syncOptionsOf } from '../../src/cli/sync-run.ts';
import { loadConfig } from '../../src/config/load.ts';
import { Redactor } from '../../src/core/redact.ts';
import { createLogger } from '../../src/log.ts';
import { runSync } from '../../src/pipeline/run.ts';
import type { RunMode, SyncResult } from '../../src/pipeline/types.ts';
import { EXAMPLE_REPO } from '../dkp-sim/catalog.ts';
import { start, type StartOptions } from '../dkp-sim/index.ts';
import { getObject, modulePhase, waitFor, type SimObject } from '../e2e/helpers.ts';
import { exampleFiles, runModsync, type DemoEnv } from './demo-env.ts';
import { branchHead, createBareRepo } from './git-repo.ts';
import { startGitServer, type GitRequestInfo } from './git-server.ts';

/** A pull request as the forge stores it. */
export interface FakePull {
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  state: 'open' | 'closed';
  merged: boolean;
  comments: { id: number; body: string }[];
}

/** One request the forge answered. */
export interface ForgeRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  status: number;
  body?: unknown;
}

export interface FakeForgeOptions {
  /** API root, e.g. `https://api.github.test` (what `--git-host-url` is set to). */
  apiUrl: string;
  owner: string;
  repo: string;
  token: string;
  /** Whether a branch exists in the git repository (GitHub refuses a PR from a missing head). */
  hasBranch?: (branch: string) => Promise<boolean>;
}

export interface FakeForge {
  readonly apiUrl: string;
  /** Every pull request ever created, oldest first. */
  readonly pulls: readonly FakePull[];
  readonly requests: readonly ForgeRequest[];
  /** The requests that change something (anything but GET). */
  writes(): ForgeRequest[];
  /** Open pull requests. */
  open(): FakePull[];
  /** What GitHub does once the head is merged into the base: the PR becomes closed and merged. */
  markMerged(number: number): void;
  /** A person closes the pull request without merging it (declines). */
  decline(number: number): void;
  /** Removes the interceptors. */
  stop(): void;
}

type Reply = [number, unknown, Record<string, string>?];

/** Starts intercepting `apiUrl` (call `nock.disableNetConnect()` yourself around the test). */
export function startFakeForge(opts: FakeForgeOptions): FakeForge {
  const pulls: FakePull[] = [];
  const requests: ForgeRequest[] = [];
  let nextId = 1;
  const repoPath = `/repos/${opts.owner}/${opts.repo}`;
  const webUrl = `https://github.test/${opts.owner}/${opts.repo}`;

  const pullJson = (p: FakePull): Record<string, unknown> => ({
    url: `${opts.apiUrl}${repoPath}/pulls/${p.number}`,
    id: 5000 + p.number,
    number: p.number,
    html_url: `${webUrl}/pull/${p.number}`,
    state: p.state,
    title: p.title,
    body: p.body,
    user: { login: 'modsync-bot' },
    merged_at: p.merged ? '2026-01-01T00:00:00Z' : null,
    head: { label: `${opts.owner}:${p.head}`, ref: p.head, sha: 'f00dfeed' },
    base: { label: `${opts.owner}:${p.base}`, ref: p.base, sha: 'c0ffee00' },
  });
  const notFound: Reply = [404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' }];
  const invalid = (message: string): Reply => [
    422,
    { message: 'Validation Failed', errors: [{ resource: 'PullRequest', code: 'custom', message }] },
  ];

  const route = async (method: string, url: URL, body: Record<string, unknown>): Promise<Reply> => {
    const path = url.pathname;
    const q = url.searchParams;
    if (method === 'GET' && path === `${repoPath}/pulls`) {
      const head = q.get('head');
      const list = pulls.filter(
        (p) =>
          (q.get('state') === 'all' || p.state === (q.get('state') ?? 'open')) &&
          (!head || `${opts.owner}:${p.head}` === head) &&
          (!q.get('base') || p.base === q.get('base')),
      );
      // GitHub's default order is newest first (sort=created, direction=desc), 30 to a page.
      if (q.get('direction') !== 'asc') list.reverse();
      const perPage = Number(q.get('per_page') ?? 30);
      const page = Number(q.get('page') ?? 1);
      const more = list.length > page * perPage;
      const next = new URL(url);
      next.searchParams.set('page', String(page + 1));
      return [
        200,
        list.slice((page - 1) * perPage, page * perPage).map(pullJson),
        more ? { link: `<${next.toString()}>; rel="next"` } : {},
      ];
    }
    if (method === 'POST' && path === `${repoPath}/pulls`) {
      const head = String(body.head ?? '');
      const base = String(body.base ?? '');
      if (pulls.some((p) => p.state === 'open' && p.head === head && p.base === base))
        return invalid(`A pull request already exists for ${opts.owner}:${head}.`);
      if (opts.hasBranch && !(await opts.hasBranch(head)))
        return [
          422,
          { message: 'Validation Failed', errors: [{ resource: 'PullRequest', field: 'head', code: 'invalid' }] },
        ];
      const pull: FakePull = {
        number: pulls.length + 1,
        title: String(body.title ?? ''),
        body: String(body.body ?? ''),
        head,
        base,
        state: 'open',
        merged: false,
        comments: [],
      };
      pulls.push(pull);
      return [201, pullJson(pull)];
    }
    const one = path.match(/\/pulls\/(\d+)$/) ?? path.match(/\/issues\/(\d+)\/comments$/);
    const pull = one && path.startsWith(repoPath) ? pulls.find((p) => p.number === Number(one[1])) : undefined;
    if (path === `${repoPath}/pulls/${pull?.number}` && pull) {
      if (method === 'GET') return [200, pullJson(pull)];
      if (method === 'PATCH') {
        if (typeof body.title === 'string') pull.title = body.title;
        if (typeof body.body === 'string') pull.body = body.body;
        if (body.state === 'closed' || body.state === 'open') pull.state = body.state;
        return [200, pullJson(pull)];
      }
    }
    if (path === `${repoPath}/issues/${pull?.number}/comments` && pull) {
      if (method === 'GET') return [200, pull.comments];
      if (method === 'POST') {
        const comment = { id: nextId++, body: String(body.body ?? '') };
        pull.comments.push(comment);
        return [201, comment];
      }
    }
    const edit = path.match(new RegExp(`^${repoPath}/issues/comments/(\\d+)$`));
    if (method === 'PATCH' && edit) {
      const comment = pulls.flatMap((p) => p.comments).find((c) => c.id === Number(edit[1]));
      if (!comment) return notFound;
      comment.body = String(body.body ?? '');
      return [200, comment];
    }
    return notFound;
  };

  const find = (number: number): FakePull => {
    const pull = pulls.find((p) => p.number === number);
    if (!pull) throw new Error(`no pull request #${number}`);
    return pull;
  };

  const scope = nock(opts.apiUrl).persist();
  for (const method of ['get', 'post', 'patch', 'put', 'delete'] as const) {
    // nock 15 hands a full reply function the Fetch API Request.
    scope[method](() => true).reply(async (req: Request): Promise<Reply> => {
      const url = new URL(req.url);
      const text = await req.text();
      const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
      const authorized = req.headers.get('authorization') === `Bearer ${opts.token}`;
      const [status, data, headers] = authorized
        ? await route(req.method, url, body)
        : ([401, { message: 'Bad credentials' }] as Reply);
      requests.push({ method: req.method, path: url.pathname, status, ...(req.method === 'GET' ? {} : { body }) });
      return [status, data, { 'content-type': 'application/json; charset=utf-8', ...headers }];
    });
  }

  return {
    apiUrl: opts.apiUrl,
    pulls,
    requests,
    writes: () => requests.filter((r) => r.method !== 'GET'),
    open: () => pulls.filter((p) => p.state === 'open'),
    markMerged(number) {
      const pull = find(number);
      pull.state = 'closed';
      pull.merged = true;
    },
    decline(number) {
      find(number).state = 'closed';
    },
    stop: () => nock.cleanAll(),
  };
}

/** The demo environment with the repository at `acme/fleet.git` and a fake GitHub for it. */
export interface ForgeEnv extends DemoEnv {
  forge: FakeForge;
  /**
   * One sync in this process with the ports the CLI would build (isomorphic-git against the
   * git server, the Kubernetes client against dkp-sim, the GitHub adapter against the fake
   * forge). `flags` are CLI flags by name, as `--<flag>`. Returns the result and its log lines.
   */
  sync(
    mode?: RunMode,
    flags?: Record<string, string | boolean>,
  ): Promise<SyncResult & { logs: Record<string, unknown>[] }>;
  /** Awaited before the git server hands a request to git (to land a concurrent push). */
  onGitRequest: ((info: GitRequestInfo) => void | Promise<void>) | undefined;
}

/** The token the fake forge expects and the in-process runs send. */
export const FORGE_TOKEN = 'ghp_fake_forge_token_0123';

/**
 * Starts dkp-sim, a git server holding `acme/fleet.git` (so the GitHub adapter derives owner
 * `acme`, repo `fleet`) seeded with `files` (default: examples/), and the fake forge. Real
 * network is disabled except 127.0.0.1 until `stop()`.
 */
export async function startForgeEnv(
  opts: { files?: Record<string, string>; sim?: StartOptions } = {},
): Promise<ForgeEnv> {
  const workDir = mkdtempSync(join(tmpdir(), 'modsync-forge-'));
  const sim = await start({ port: 0, tickMs: 50, kubeconfigPath: join(workDir, 'kubeconfig'), ...opts.sim });
  const bareDir = await createBareRepo(join(workDir, 'git'), 'acme/fleet.git', opts.files ?? exampleFiles(), {
    message: 'Desired state',
  });
  const env = {} as ForgeEnv;
  const git = await startGitServer({ root: join(workDir, 'git'), beforeRequest: (info) => env.onGitRequest?.(info) });
  const repoUrl = git.repoUrl('acme/fleet.git');
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  const forge = startFakeForge({
    apiUrl: 'https://api.github.test',
    owner: 'acme',
    repo: 'fleet',
    token: FORGE_TOKEN,
    hasBranch: async (branch) => (await branchHead(bareDir, branch)) !== null,
  });
  const root = 'clusters/demo';
  const common = {
    repo: repoUrl,
    path: root,
    'cache-dir': join(workDir, 'cache'),
    kubeconfig: sim.kubeconfigPath,
    'module-wait': '20',
  };
  Object.assign(env, {
    sim,
    git,
    repoUrl,
    bareDir,
    workDir,
    root,
    forge,
    onGitRequest: undefined,
    modsync: (args: string[], runOpts: { env?: Record<string, string>; timeoutMs?: number } = {}) => {
      const cmd = args[0];
      const extra = cmd === 'plan' || cmd === 'sync' ? Object.entries(common).flatMap(([k, v]) => [`--${k}`, v]) : [];
      return runModsync([...args, ...extra], runOpts);
    },
    async sync(mode: RunMode = 'sync', flags: Record<string, string | boolean> = {}) {
      const { config, problems } = loadConfig({
        flags: { ...common, 'git-host': 'github', 'git-host-url': forge.apiUrl, ...flags },
        env: {},
      });
      if (problems.length) throw new Error(`config: ${problems.join('; ')}`);
      const runEnv = { MODSYNC_GIT_HOST_TOKEN: FORGE_TOKEN };
      const redactor = new Redactor();
      const lines: string[] = [];
      const logger = createLogger({ format: 'json', level: 'info', redactor, write: (line) => void lines.push(line) });
      const git = createGitPort(config, runEnv, redactor, logger);
      const { cluster } = createClusterWiring(config, runEnv, logger);
      // Like the CLI: plan never writes to git, so it gets no host.
      const host = mode === 'plan' ? undefined : createHostPort(config, runEnv, redactor, logger);
      const result = await runSync(syncOptionsOf(config, mode, runEnv), { git, cluster, host, logger, redactor });
      return { ...result, logs: lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
    },
    async stop() {
      forge.stop();
      nock.enableNetConnect();
      await git.stop();
      await sim.stop();
      rmSync(workDir, { recursive: true, force: true });
    },
  });
  return env;
}

/** The message of a release that waits for the approval annotation (and nothing else). */
export const WAITS_FOR_APPROVAL = /^Release is waiting for the 'modules\.deckhouse\.io\/approved: "true"' annotation$/;

/**
 * Publishes a version of a module in the demo registry (Stable) and waits until dkp-sim has
 * its ModuleRelease Pending with a message matching `message`.
 */
export async function publishAndWait(
  env: DemoEnv,
  version: string,
  opts: { module?: string; message?: RegExp } = {},
): Promise<SimObject> {
  const module = opts.module ?? 'module-two';
  const published = env.sim.control.publish({ repo: EXAMPLE_REPO, module, version, channel: 'Stable' });
  if (!published.ok) throw new Error(published.message);
  return waitFor(`${module}-v${version} Pending`, async () => {
    const r = await getObject(env, 'ModuleRelease', `${module}-v${version}`);
    return r?.status?.phase === 'Pending' && (opts.message ?? WAITS_FOR_APPROVAL).test(String(r.status.message))
      ? r
      : null;
  });
}

/** Pushes (not fetches) the git server has seen so far. */
export function pushes(env: DemoEnv): number {
  return env.git.log.filter((r) => r.service === 'git-receive-pack' && !r.advertisement).length;
}

/**
 * `startForgeEnv`, then one sync, waiting until the demo's modules are Ready (module-two on
 * v1.2.3) and a second sync has recorded that in the status report: later runs start clean.
 */
export async function startSyncedForgeEnv(
  opts: { files?: Record<string, string>; sim?: StartOptions } = {},
): Promise<ForgeEnv> {
  const env = await startForgeEnv(opts);
  const first = await env.sync();
  if (!first.ok) throw new Error(`first sync failed: ${JSON.stringify(first.stages.filter((s) => !s.ok))}`);
  await waitFor('module-two Ready', async () => (await modulePhase(env, 'module-two')) === 'Ready');
  await waitFor(
    'module-two v1.2.3 deployed',
    async () => (await getObject(env, 'ModuleRelease', 'module-two-v1.2.3'))?.status?.phase === 'Deployed',
  );
  await env.sync();
  return env;
}
