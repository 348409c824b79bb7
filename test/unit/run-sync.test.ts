/**
 * runSync on in-memory ports: the pipeline's own contract, in milliseconds. Which stages run
 * in which mode, which reason a failure gets (the stage's, whatever the adapter threw), which
 * calls a no-op makes, and that plan and --dry-run are a prefix of sync.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterError, GitError, ModsyncError } from '../../src/core/errors.ts';
import { runSync } from '../../src/pipeline/run.ts';
import { type LogLine, MemoryCluster, MemoryGit, memoryOptions, memoryPorts } from '../support/memory-ports.ts';

const FILES = {
  'clusters/demo/sources/example.yaml':
    'apiVersion: deckhouse.io/v1alpha1\nkind: ModuleSource\nmetadata:\n  name: example\nspec:\n  registry:\n    repo: registry.example.com/deckhouse/modules\n',
  'clusters/demo/policies/auto.yaml':
    'apiVersion: deckhouse.io/v1alpha2\nkind: ModuleUpdatePolicy\nmetadata:\n  name: auto\nspec:\n  releaseChannel: Stable\n  update:\n    mode: Auto\n',
};

describe('runSync on in-memory ports', () => {
  const gits: MemoryGit[] = [];
  const git = (files: Record<string, string> = FILES): MemoryGit => {
    const g = new MemoryGit(files);
    gits.push(g);
    return g;
  };
  afterEach(() => {
    for (const g of gits.splice(0)) g.remove();
  });

  it('creates in apply order, then a second run makes one LIST per kind and nothing else', async () => {
    const cluster = new MemoryCluster();
    const g = git();
    const first = await runSync(memoryOptions(), memoryPorts(cluster, g));
    expect(first.ok).toBe(true);
    expect(cluster.calls.filter((c) => c.startsWith('apply'))).toEqual([
      'apply ModuleSource/example',
      'apply ModuleUpdatePolicy/auto',
    ]);
    expect(first.stages.map((s) => s.stage)).toEqual([
      'fetch',
      'load',
      'read',
      'validate',
      'plan',
      'apply',
      'prune',
      'approve',
      'report',
    ]);
    cluster.calls.length = 0;
    const second = await runSync(memoryOptions({ status: { enabled: false, branch: '' } }), memoryPorts(cluster, g));
    expect(second.changes.map((c) => c.action)).toEqual(['unchanged', 'unchanged']);
    expect(cluster.calls).toEqual([
      'list ModuleSource',
      'list ModuleUpdatePolicy',
      'list ModuleConfig',
      'list ModuleRelease',
      'list Module',
    ]);
  });

  it('plan and --dry-run are a prefix of sync: the same entries, no write, no report commit in plan', async () => {
    for (const mode of ['plan', 'dry-run'] as const) {
      const cluster = new MemoryCluster();
      const g = git();
      const r = await runSync(memoryOptions({ mode }), memoryPorts(cluster, g));
      expect(r.changes.map((c) => `${c.action} ${c.subject} ${c.outcome}`)).toEqual([
        'create ModuleSource/example planned',
        'create ModuleUpdatePolicy/auto planned',
      ]);
      expect(cluster.calls.filter((c) => !c.startsWith('list') && c !== 'openapi')).toEqual([]);
      expect(r.stages.map((s) => s.stage)).not.toContain('apply');
      expect(g.commits).toEqual([]);
    }
  });

  it('a git failure in the report stage is a ReportFailed, not a FetchFailed', async () => {
    const g = git();
    g.failCommit = new GitError('push rejected: remote unreachable', {
      subject: 'https://git.example.com/x.git',
      transient: true,
    });
    const r = await runSync(memoryOptions(), memoryPorts(new MemoryCluster(), g));
    expect(r.failure).toBe('ReportFailed');
    expect(r.stages.find((s) => s.stage === 'report')).toMatchObject({ ok: false, reason: 'ReportFailed' });
    expect(r.stages.find((s) => s.stage === 'fetch')).toMatchObject({ ok: true });
  });

  it('whatever reason an adapter error carries, the stage decides: a read of the report branch failing is ReportFailed', async () => {
    const g = git();
    // The reason an adapter once picked itself; the runner ignores it.
    g.failReadFiles = new ModsyncError('FetchFailed', 'cannot read branch modsync-status');
    const r = await runSync(
      memoryOptions({ status: { enabled: true, branch: 'modsync-status' } }),
      memoryPorts(new MemoryCluster(), g),
    );
    expect(r.failure).toBe('ReportFailed');
  });

  it('a failing object fails its stage after the others were written; the run goes on to report', async () => {
    const cluster = new MemoryCluster();
    cluster.fail = (verb, subject) =>
      verb === 'apply' && subject === 'ModuleSource/example' ? new ClusterError('denied', { code: 403 }) : undefined;
    const g = git();
    const r = await runSync(memoryOptions(), memoryPorts(cluster, g));
    expect(r.failure).toBe('ApplyFailed');
    expect(r.changes.map((c) => `${c.subject} ${c.outcome}`)).toEqual([
      'ModuleSource/example failed',
      'ModuleUpdatePolicy/auto applied',
    ]);
    expect(r.stages.find((s) => s.stage === 'apply')?.message).toBe('1 object failed: ModuleSource/example');
    expect(g.commits).toHaveLength(1);
  });

  it('a report that already says what the run would say is not parsed or rendered again; new content renders anew', async () => {
    const cluster = new MemoryCluster();
    const g = git();
    await runSync(memoryOptions(), memoryPorts(cluster, g));
    expect(g.commits).toHaveLength(1);
    const yaml = g.commits[0]!.files['clusters/demo/status/status.yaml'];
    expect(yaml).toMatch(/^# content: sha256:[0-9a-f]{64}\n/);
    // The first sync wrote; the second says the same of the cluster, and so does the third.
    await runSync(memoryOptions(), memoryPorts(cluster, g));
    const lines: LogLine[] = [];
    await runSync(memoryOptions(), memoryPorts(cluster, g, lines));
    expect(lines.map((l) => l.msg)).toContain('status report unchanged (same content)');
    const commits = g.commits.length;
    cluster.put({ ...cluster.objects.get('ModuleSource/example')!, status: { phase: 'Active', modulesCount: 3 } });
    await runSync(memoryOptions(), memoryPorts(cluster, g));
    expect(g.commits.length).toBe(commits + 1);
  });

  it('an unchanged commit is not loaded again; a new commit is', async () => {
    const g = git();
    g.exact = true;
    const cacheDir = mkdtempSync(join(tmpdir(), 'modsync-desired-'));
    const opts = memoryOptions({ desiredCacheDir: cacheDir, status: { enabled: false, branch: '' } });
    const cluster = new MemoryCluster();
    expect((await runSync(opts, memoryPorts(cluster, g))).ok).toBe(true);
    // Break a manifest behind modsync's back: the commit is the same, so the cached result is used.
    writeFileSync(join(g.dir, 'clusters/demo/policies/auto.yaml'), 'kind: [broken\n');
    expect((await runSync(opts, memoryPorts(cluster, g))).ok).toBe(true);
    g.head = 'beef000000000000000000000000000000000000';
    const fresh = await runSync(opts, memoryPorts(cluster, g));
    expect(fresh.failure).toBe('ValidationFailed');
    expect(fresh.issues.map((i) => i.file)).toEqual(['clusters/demo/policies/auto.yaml']);
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('a problem found in a cached desired state points at the field, as a fresh load does', async () => {
    const policyRef =
      'apiVersion: deckhouse.io/v1alpha1\nkind: ModuleConfig\nmetadata:\n  name: m\nspec:\n  enabled: false\n  updatePolicy: gone\n';
    const g = git({ ...FILES, 'clusters/demo/modules/m.yaml': policyRef });
    g.exact = true;
    const cacheDir = mkdtempSync(join(tmpdir(), 'modsync-desired-'));
    const opts = memoryOptions({ desiredCacheDir: cacheDir, status: { enabled: false, branch: '' } });
    // The first run caches the state (the policy exists in the cluster then), the second finds it gone.
    const cluster = new MemoryCluster([
      { apiVersion: 'deckhouse.io/v1alpha2', kind: 'ModuleUpdatePolicy', metadata: { name: 'gone' }, spec: {} },
    ]);
    await runSync(opts, memoryPorts(cluster, g));
    cluster.objects.delete('ModuleUpdatePolicy/gone');
    const r = await runSync(opts, memoryPorts(cluster, g));
    expect(r.failure).toBe('ValidationFailed');
    const issue = r.issues.find((i) => i.message.includes('gone'));
    expect(`${issue?.file}:${issue?.line}`).toBe('clusters/demo/modules/m.yaml:7');
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('a LIST that fails stops the run at read with ClusterReadFailed, before anything is planned', async () => {
    const cluster = new MemoryCluster();
    cluster.fail = (verb) => (verb === 'list' ? new ClusterError('connection refused', { code: 0 }) : undefined);
    const r = await runSync(memoryOptions({ status: { enabled: false, branch: '' } }), memoryPorts(cluster, git()));
    expect(r.failure).toBe('ClusterReadFailed');
    expect(r.stages.map((s) => s.stage)).toEqual(['fetch', 'load', 'read']);
  });

  it('the lock is taken only when something will be written; a held lock is Locked and writes nothing', async () => {
    const cluster = new MemoryCluster();
    const g = git();
    let taken = 0;
    const held = {
      take: async () => {
        taken++;
        return { ok: false as const, holder: 'other-pod', expiresAt: 'soon' };
      },
    };
    const r = await runSync(memoryOptions(), { ...memoryPorts(cluster, g), lock: held });
    expect(r.failure).toBe('Locked');
    expect(taken).toBe(1);
    expect(cluster.calls.filter((c) => c.startsWith('apply'))).toEqual([]);
    expect(g.commits).toEqual([]);
    // Nothing to write: the lock is not even asked for.
    const free = {
      take: async () => {
        taken++;
        return { ok: true as const };
      },
    };
    await runSync(memoryOptions(), { ...memoryPorts(cluster, g), lock: free });
    taken = 0;
    const noop = await runSync(memoryOptions(), { ...memoryPorts(cluster, g), lock: free });
    expect(noop.ok).toBe(true);
    expect(taken).toBe(0);
  });

  it('a Lease request that fails for an API reason is LockFailed, not Locked', async () => {
    const broken = {
      take: async () => Promise.reject(new ClusterError('Lease/modsync/modsync: timed out', { code: 0 })),
    };
    const r = await runSync(memoryOptions(), { ...memoryPorts(new MemoryCluster(), git()), lock: broken });
    expect(r.failure).toBe('LockFailed');
  });
});
