/**
 * modsync sync/plan end to end: the real CLI (in process through `main`, the first plan as a
 * child process on Node 24) against dkp-sim over real HTTP and a real `git http-backend` server.
 * Requests are counted by dkp-sim.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushFiles } from '../support/git-repo.ts';
import { startDemoEnv, type DemoEnv } from '../support/demo-env.ts';
import { applyAs, getObject, logLines, modulePhase, waitFor } from './helpers.ts';

const MC_ONE = 'clusters/demo/modules/module-one.yaml';

describe('sync against a fresh cluster', () => {
  let env: DemoEnv;
  beforeAll(async () => {
    env = await startDemoEnv();
  });
  afterAll(async () => env?.stop());

  it('plans the creates and exits 2, writing nothing (the CLI as a process: a smoke test)', async () => {
    env.sim.control.resetRequests();
    const r = await env.modsync(['plan'], { childProcess: true });
    expect(r.stderr).not.toMatch(/"level":50/);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('+ ModuleSource/example');
    expect(r.stdout).toContain('+ ModuleConfig/module-two');
    expect(r.stdout).toMatch(/Plan: 5 to create/);
    expect(env.sim.control.requests().writes).toBe(0);
    expect(await getObject(env, 'ModuleSource', 'example')).toBeNull();
  });

  it('creates everything in order, and the modules reach Ready', async () => {
    const r = await env.modsync(['sync']);
    expect(r.code, r.stderr).toBe(0);
    const created = logLines(r.stderr)
      .filter((l) => l.msg === 'created')
      .map((l) => l.subject);
    expect(created).toEqual([
      'ModuleSource/example',
      'ModuleUpdatePolicy/stable-auto',
      'ModuleUpdatePolicy/manual-approval',
      'ModuleConfig/module-one',
      'ModuleConfig/module-two',
    ]);
    const mc = await getObject(env, 'ModuleConfig', 'module-one');
    expect(mc?.metadata.labels?.['modsync.io/instance']).toBe('modsync');
    await waitFor('module-one Ready', async () => (await modulePhase(env, 'module-one')) === 'Ready');
    await waitFor('module-two Ready', async () => (await modulePhase(env, 'module-two')) === 'Ready');
  });

  it('a second sync makes no writes and only one LIST per kind', async () => {
    env.sim.control.resetRequests();
    const r = await env.modsync(['sync']);
    expect(r.code, r.stderr).toBe(0);
    const counts = env.sim.control.requests();
    // Not even the Lease is touched: the lock is taken only before a write.
    expect(counts.writes).toBe(0);
    expect(counts.dryRuns).toBe(0);
    expect(counts.byResource).toEqual({
      modulesources: { list: 1 },
      moduleupdatepolicies: { list: 1 },
      moduleconfigs: { list: 1 },
      modulereleases: { list: 1 },
      modules: { list: 1 },
    });
    expect(r.stdout).toMatch(/5 unchanged/);
  });

  it('a no-op sync as a new process loads no git library, only the advertisement is read', async () => {
    const hook = [
      "import { registerHooks } from 'node:module';",
      'const seen = new Set();',
      'registerHooks({ resolve(s, c, next) { const r = next(s, c); seen.add(r.url); return r; } });',
      "process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify([...seen]) + '\\n'));",
    ].join('\n');
    const nodeArgs = ['--import', `data:text/javascript,${encodeURIComponent(hook)}`];
    const r = await env.modsync(['sync'], { childProcess: true, nodeArgs });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/5 unchanged/);
    const line = r.stderr.split('\n').find((l) => l.startsWith('LOADED '));
    const loaded = JSON.parse(line!.slice('LOADED '.length)) as string[];
    expect(loaded.some((u) => u.endsWith('/src/pipeline/run.ts'))).toBe(true);
    expect(loaded.filter((u) => u.includes('/node_modules/isomorphic-git/'))).toEqual([]);
  });

  it('a no-op plan exits 0', async () => {
    const r = await env.modsync(['plan']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it('an edit to one ModuleConfig is exactly one write, shown as a field diff', async () => {
    await pushFiles(
      env.bareDir,
      'main',
      {
        [MC_ONE]:
          'apiVersion: deckhouse.io/v1alpha1\nkind: ModuleConfig\nmetadata:\n  name: module-one\nspec:\n  enabled: true\n  source: example\n  updatePolicy: stable-auto\n  version: 1\n  settings:\n    replicas: 3\n',
      },
      'Scale module-one',
    );
    const plan = await env.modsync(['plan']);
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain('~ ModuleConfig/module-one');
    expect(plan.stdout).toMatch(/spec\.settings\.replicas: 2 → 3/);
    env.sim.control.resetRequests();
    const r = await env.modsync(['sync', '--no-lease']);
    expect(r.code, r.stderr).toBe(0);
    expect(env.sim.control.requests().writes).toBe(1);
    expect(env.sim.control.requests().byResource.moduleconfigs).toEqual({ list: 1, apply: 1 });
    expect((await getObject(env, 'ModuleConfig', 'module-one'))?.spec?.settings).toEqual({ replicas: 3 });
  });

  it('never touches an unowned object of the same kind; prunes an owned one removed from git', async () => {
    const foreign = await applyAs(env, 'kubectl', {
      apiVersion: 'deckhouse.io/v1alpha2',
      kind: 'ModuleUpdatePolicy',
      metadata: { name: 'hand-made' },
      spec: { update: { mode: 'Auto' } },
    });
    await pushFiles(
      env.bareDir,
      'main',
      {
        'clusters/demo/policies/stable-auto.yaml':
          'apiVersion: deckhouse.io/v1alpha2\nkind: ModuleUpdatePolicy\nmetadata:\n  name: manual-approval\nspec:\n  releaseChannel: Stable\n  update:\n    mode: Manual\n',
        [MC_ONE]: null,
      },
      'Drop module-one and its policy',
    );
    const r = await env.modsync(['sync']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await getObject(env, 'ModuleConfig', 'module-one')).toBeNull();
    expect(await getObject(env, 'ModuleUpdatePolicy', 'stable-auto')).toBeNull();
    const after = await getObject(env, 'ModuleUpdatePolicy', 'hand-made');
    expect(after?.metadata.resourceVersion).toBe(foreign.metadata.resourceVersion);
    const deleted = logLines(r.stderr)
      .filter((l) => l.msg === 'deleted')
      .map((l) => l.subject);
    expect(deleted).toEqual(['ModuleConfig/module-one', 'ModuleUpdatePolicy/stable-auto']);
  });
});

describe('guards', () => {
  let env: DemoEnv;
  beforeAll(async () => {
    env = await startDemoEnv();
    const r = await env.modsync(['sync']);
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(async () => env?.stop());

  it('keeps protected and opted-out objects, and holds a deletion wave over budget', async () => {
    // The built-in `global` config gets modsync's label by hand: it is still protected.
    await applyAs(env, 'admin', {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleConfig',
      metadata: { name: 'global', labels: { 'modsync.io/instance': 'modsync' } },
      spec: {},
    });
    await applyAs(env, 'admin', {
      apiVersion: 'deckhouse.io/v1alpha2',
      kind: 'ModuleUpdatePolicy',
      metadata: { name: 'stable-auto', annotations: { 'modsync.io/prune': 'disabled' } },
      spec: { update: { mode: 'Auto' } },
    });
    // Remove everything else from git: 1 source + 1 policy + 2 configs = 4 deletes > budget 3.
    await pushFiles(
      env.bareDir,
      'main',
      {
        'clusters/demo/sources/example.yaml': null,
        'clusters/demo/policies/stable-auto.yaml': null,
        'clusters/demo/modules/module-one.yaml': null,
        'clusters/demo/modules/module-two.yaml': null,
        'clusters/demo/keep.yaml': '# nothing\n',
      },
      'Remove all',
    );
    env.sim.control.resetRequests();
    const r = await env.modsync(['sync', '--max-destructive', '3', '--no-lease']);
    expect(r.code, r.stderr).toBe(0);
    expect(env.sim.control.requests().writes).toBe(0);
    expect(r.stdout).toMatch(/held back: 4 destructive changes exceed the budget of 3/);
    expect(await getObject(env, 'ModuleSource', 'example')).not.toBeNull();
    expect(r.stdout).toMatch(/ModuleConfig\/global.*protected/s);
    expect(r.stdout).toMatch(/ModuleUpdatePolicy\/stable-auto.*modsync\.io\/prune: disabled/s);

    // A deliberate wave within the budget goes through, protected and opted-out objects stay.
    const wave = await env.modsync(['sync', '--max-destructive', '10']);
    expect(wave.code, wave.stdout + wave.stderr).toBe(0);
    for (const [kind, name] of [
      ['ModuleConfig', 'module-one'],
      ['ModuleConfig', 'module-two'],
      ['ModuleUpdatePolicy', 'manual-approval'],
    ] as const) {
      expect(await getObject(env, kind, name), `${kind}/${name}`).toBeNull();
    }
    expect(await getObject(env, 'ModuleConfig', 'global')).not.toBeNull();
    expect(await getObject(env, 'ModuleUpdatePolicy', 'stable-auto')).not.toBeNull();
    const source = await getObject(env, 'ModuleSource', 'example');
    expect(source === null || Boolean(source.metadata.deletionTimestamp)).toBe(true);
  });
});
