/**
 * `modsync run` end to end: the real daemon (child process, Node 24) against dkp-sim and a
 * `git http-backend` server. Readiness follows the first successful fetch, /metrics shows the
 * runs, a signed push webhook syncs at once, SIGTERM lets the running sync finish.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKubeConfig } from '../../src/cluster/kubeconfig.ts';
import { createLeaseLock } from '../../src/cluster/lease.ts';
import { createBareRepo, pushFiles } from '../support/git-repo.ts';
import { exampleFiles, startDemoEnv, type DemoEnv } from '../support/demo-env.ts';
import { getObject, waitFor } from './helpers.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const SECRET = 'daemon-webhook-secret-1';

interface Daemon {
  url: string;
  child: ChildProcess;
  /** Parsed JSON log lines so far. */
  logs(): Record<string, unknown>[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `modsync run` on a port of its choosing and waits for the 'listening' log line. */
async function startDaemon(env: DemoEnv, extra: string[]): Promise<Daemon> {
  const secretFile = join(env.workDir, 'webhook-secret');
  writeFileSync(secretFile, SECRET + '\n');
  const args = [
    MAIN,
    'run',
    '--listen',
    '127.0.0.1:0',
    '--jitter',
    '0',
    '--webhook-secret-file',
    secretFile,
    '--path',
    env.root,
    '--kubeconfig',
    env.sim.kubeconfigPath,
    '--cache-dir',
    join(env.workDir, 'cache'),
    '--module-wait',
    '20',
    ...extra,
  ];
  if (!extra.includes('--repo')) args.push('--repo', env.repoUrl);
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', MODSYNC_LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const logs = (): Record<string, unknown>[] =>
    stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const listening = await waitFor(
    'the daemon to listen',
    async () =>
      logs().find((l) => l.msg === 'modsync daemon listening') ??
      (child.exitCode !== null ? Promise.reject(new Error(stderr)) : null),
    15_000,
  );
  return { url: String(listening.url), child, logs, exited };
}

/** Stops a daemon that a test left running (SIGKILL: the test already failed or is done). */
async function kill(d: Daemon | undefined): Promise<void> {
  if (d && d.child.exitCode === null && d.child.signalCode === null) {
    d.child.kill('SIGKILL');
    await d.exited;
  }
}

async function metricsText(d: Daemon): Promise<string> {
  return (await fetch(d.url + '/metrics')).text();
}

function sample(text: string, prefix: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

const MODULE_ONE_SCALED =
  'apiVersion: deckhouse.io/v1alpha1\nkind: ModuleConfig\nmetadata:\n  name: module-one\nspec:\n  enabled: true\n  source: example\n  updatePolicy: stable-auto\n  version: 1\n  settings:\n    replicas: 4\n';

describe('daemon readiness and metrics', () => {
  let env: DemoEnv;
  let daemon: Daemon | undefined;
  beforeAll(async () => {
    env = await startDemoEnv();
  });
  afterAll(async () => {
    await kill(daemon);
    await env?.stop();
  });

  it('is live but not ready while git cannot be fetched, and ready after the first successful fetch', async () => {
    // The repository does not exist yet: every fetch fails until the test creates it.
    daemon = await startDaemon(env, ['--repo', env.git.repoUrl('late.git'), '--schedule', '*/2 * * * * *']);
    expect((await fetch(daemon.url + '/healthz')).status).toBe(200);
    await waitFor('a failed sync', async () => daemon!.logs().some((l) => l.msg === 'sync failed'));
    const before = await fetch(daemon.url + '/readyz');
    expect([before.status, await before.text()]).toEqual([503, 'no successful fetch yet\n']);
    // Slow cluster reads keep the first successful sync busy long after its fetch.
    env.sim.control.setFaults([{ verb: 'list', latencyMs: 1500, count: 5 }]);
    await createBareRepo(join(env.workDir, 'git'), 'late.git', exampleFiles(), { message: 'Desired state' });
    await waitFor('/readyz 200', async () => (await fetch(daemon!.url + '/readyz')).status === 200, 15_000);
    expect(daemon.logs().filter((l) => l.msg === 'git checkout done')).not.toHaveLength(0);
    expect(
      daemon.logs().filter((l) => l.msg === 'sync finished'),
      'ready once fetched, not only after the whole run',
    ).toHaveLength(0);
  });

  it('syncs the repository into the cluster on its schedule', async () => {
    await waitFor('ModuleConfig/module-two', async () => getObject(env, 'ModuleConfig', 'module-two'));
    await waitFor('a successful sync', async () => daemon!.logs().some((l) => l.msg === 'sync finished'), 30_000);
    const triggers = daemon!
      .logs()
      .filter((l) => l.msg === 'sync starting')
      .map((l) => l.trigger);
    expect(triggers[0]).toBe('start');
    expect(triggers.slice(1)).toContain('schedule');
  });

  it('/metrics shows runs by result, objects, the last success, API requests and pending releases', async () => {
    // A run is recorded after it has released the Lease, a moment after its 'sync finished' line.
    const text = await waitFor('a recorded success', async () => {
      const t = await metricsText(daemon!);
      const created = sample(t, 'modsync_objects_total{kind="ModuleConfig",action="create",outcome="applied"}');
      return (sample(t, 'modsync_sync_runs_total{mode="sync",result="success"}') ?? 0) >= 1 && created === 2 && t;
    });
    expect(sample(text, 'modsync_sync_runs_total{mode="sync",result="failure"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'modsync_stage_errors_total{stage="fetch",reason="FetchFailed"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'modsync_objects_total{kind="ModuleConfig",action="create",outcome="applied"}')).toBe(2);
    expect(sample(text, 'modsync_objects_total{kind="ModuleSource",action="create",outcome="applied"}')).toBe(1);
    const last = sample(text, 'modsync_last_success_timestamp_seconds')!;
    expect(Math.abs(last - Date.now() / 1000)).toBeLessThan(60);
    expect(sample(text, 'modsync_api_requests_total{verb="list",kind="ModuleConfig"}')).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^modsync_pending_releases \d+$/m);
    expect(text).toMatch(/^modsync_sync_duration_seconds_count\{mode="sync",result="success"\} \d+$/m);
    expect(text).toContain('modsync_process_cpu_seconds_total');
  });

  it('SIGTERM while idle exits 0 and logs stopped', async () => {
    daemon!.child.kill('SIGTERM');
    const exit = await daemon!.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(daemon!.logs().at(-1)).toMatchObject({ msg: 'stopped', finished: true });
  });
});

describe('daemon webhooks and shutdown', () => {
  let env: DemoEnv;
  let daemon: Daemon | undefined;
  beforeAll(async () => {
    env = await startDemoEnv();
    // Once a year: any sync after the first one comes from a webhook or POST /sync.
    daemon = await startDaemon(env, ['--schedule', '0 0 1 1 *']);
  });
  afterAll(async () => {
    await kill(daemon);
    await env?.stop();
  });

  it('syncs once at start', async () => {
    await waitFor('the start sync', async () => daemon!.logs().some((l) => l.msg === 'sync finished'), 30_000);
    expect(await getObject(env, 'ModuleSource', 'example')).not.toBeNull();
    expect((await fetch(daemon!.url + '/readyz')).status).toBe(200);
  });

  it('a signed GitHub push webhook syncs the new commit right away', async () => {
    const commit = await pushFiles(
      env.bareDir,
      'main',
      {
        [`${env.root}/modules/module-one.yaml`]:
          'apiVersion: deckhouse.io/v1alpha1\nkind: ModuleConfig\nmetadata:\n  name: module-one\nspec:\n  enabled: true\n  source: example\n  updatePolicy: stable-auto\n  version: 1\n  settings:\n    replicas: 5\n',
      },
      'Scale module-one to 5',
    );
    const body = JSON.stringify({
      ref: 'refs/heads/main',
      after: commit,
      commits: [{ id: commit, author: { email: 'dev@example.invalid' } }],
    });
    const headers = {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': 'delivery-1',
      'x-hub-signature-256': 'sha256=' + createHmac('sha256', SECRET).update(body).digest('hex'),
    };
    const bad = await fetch(daemon!.url + '/webhook/github', {
      method: 'POST',
      headers: { ...headers, 'x-hub-signature-256': 'sha256=' + '0'.repeat(64) },
      body,
    });
    expect(bad.status).toBe(401);
    const started = Date.now();
    const res = await fetch(daemon!.url + '/webhook/github', { method: 'POST', headers, body });
    expect([res.status, await res.text()]).toEqual([202, 'sync requested\n']);
    await waitFor(
      'replicas 5 in the cluster',
      async () => (await getObject(env, 'ModuleConfig', 'module-one'))?.spec?.settings?.['replicas' as never] === 5,
      20_000,
    );
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(
      daemon!
        .logs()
        .filter((l) => l.msg === 'sync starting')
        .map((l) => l.trigger),
    ).toEqual(['start', 'webhook:github']);
    const replay = await fetch(daemon!.url + '/webhook/github', { method: 'POST', headers, body });
    expect(await replay.text()).toBe('ignored: delivery delivery-1 was already handled\n');
  });

  it('a sync that finds the Lease held does nothing and is counted as locked', async () => {
    await waitFor(
      'the webhook sync to end',
      async () => daemon!.logs().filter((l) => l.msg === 'sync finished').length >= 2,
      20_000,
    );
    const { kc } = loadKubeConfig({ kubeconfig: env.sim.kubeconfigPath, env: {} });
    const other = createLeaseLock({
      kc,
      namespace: 'default',
      name: 'modsync',
      holder: 'cronjob-pod-1',
      durationSeconds: 60,
    });
    expect(await other.acquire()).toEqual({ acquired: true });
    // The lock is taken only before a write, so give the run something to write.
    await pushFiles(
      env.bareDir,
      'main',
      { 'clusters/demo/modules/module-one.yaml': MODULE_ONE_SCALED },
      'Scale module-one',
    );
    try {
      const res = await fetch(daemon!.url + '/sync', {
        method: 'POST',
        headers: { authorization: `Bearer ${SECRET}` },
      });
      expect(res.status).toBe(202);
      await waitFor('the locked run', async () =>
        daemon!.logs().find((l) => l.msg === 'another sync holds the lease; nothing done'),
      );
      expect(daemon!.logs().filter((l) => l.msg === 'another sync holds the lease; nothing done')[0]).toMatchObject({
        holder: 'cronjob-pod-1',
      });
      await waitFor(
        'a locked run in /metrics',
        async () => sample(await metricsText(daemon!), 'modsync_sync_runs_total{mode="sync",result="locked"}') === 1,
      );
      expect((await fetch(daemon!.url + '/readyz')).status).toBe(200);
    } finally {
      await other.release();
    }
  });

  it('SIGTERM during a sync waits for it to finish, then exits 0 and logs stopped', async () => {
    env.sim.control.resetRequests();
    env.sim.control.setFaults([{ verb: 'list', latencyMs: 800 }]);
    const res = await fetch(daemon!.url + '/sync', { method: 'POST', headers: { authorization: `Bearer ${SECRET}` } });
    expect(res.status).toBe(202);
    await waitFor('the on-demand sync to start', async () =>
      daemon!.logs().some((l) => l.msg === 'sync starting' && l.trigger === 'on-demand'),
    );
    await waitFor(
      'the sync to be reading the cluster',
      async () => env.sim.control.requests().byResource.moduleconfigs?.list,
    );
    const termAt = Date.now();
    daemon!.child.kill('SIGTERM');
    const exit = await daemon!.exited;
    env.sim.control.clearFaults();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - termAt).toBeGreaterThanOrEqual(500);
    const msgs = daemon!.logs().map((l) => l.msg);
    const stopping = msgs.indexOf('stopping: waiting for the running sync');
    expect(stopping).toBeGreaterThan(-1);
    expect(msgs.slice(stopping)).toContain('sync finished');
    expect(msgs.indexOf('sync finished', stopping)).toBeLessThan(msgs.indexOf('stopped'));
    expect(daemon!.logs().at(-1)).toMatchObject({ msg: 'stopped', finished: true });
  });
});
