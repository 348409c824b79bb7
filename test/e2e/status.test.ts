/**
 * `modsync status` end to end: the real CLI against dkp-sim after a sync of the demo repo (plus
 * an enabled module-faulty, whose hooks fail) and a new module-two release waiting for approval. The output is compared with the fixtures in
 * test/fixtures/status (everything shown there is deterministic in dkp-sim).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleFiles, startDemoEnv, type DemoEnv } from '../support/demo-env.ts';
import { modulePhase, waitFor } from './helpers.ts';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/status/${name}`, import.meta.url), 'utf8');
// module-faulty's hooks fail once it is enabled: its Module goes to Error with the hook's message.
const FAULTY =
  'apiVersion: deckhouse.io/v1alpha1\nkind: ModuleConfig\nmetadata:\n  name: module-faulty\nspec:\n  enabled: true\n  source: example\n  updatePolicy: stable-auto\n';
const KINDS = ['modulesources', 'moduleupdatepolicies', 'moduleconfigs', 'modulereleases', 'modules'];

describe('modsync status', () => {
  let env: DemoEnv;
  beforeAll(async () => {
    env = await startDemoEnv({ files: { ...exampleFiles(), 'clusters/demo/modules/module-faulty.yaml': FAULTY } });
    const sync = await env.modsync(['sync']);
    if (sync.code !== 0) throw new Error(`the setup sync failed:\n${sync.stderr}`);
    await waitFor('module-one Ready', async () => (await modulePhase(env, 'module-one')) === 'Ready');
    await waitFor('module-two Ready', async () => (await modulePhase(env, 'module-two')) === 'Ready');
    await waitFor('module-faulty Error', async () => (await modulePhase(env, 'module-faulty')) === 'Error');
    const published = env.sim.control.publish({
      repo: 'registry.example.com/deckhouse/modules',
      module: 'module-two',
      version: '1.2.6',
      channel: 'Stable',
    });
    if (!published.ok) throw new Error(published.message);
    env.sim.control.reconcileNow();
    await waitFor(
      'module-two v1.2.6 Pending',
      async () =>
        (env.sim.control.view.get('modulereleases', 'module-two-v1.2.6') as { status?: { phase?: string } } | undefined)
          ?.status?.phase === 'Pending',
    );
  }, 60_000);
  afterAll(async () => env?.stop());

  it('prints sources with module errors, modules with their phase and error, releases with their message, and configs', async () => {
    env.sim.control.resetRequests();
    const r = await env.modsync(['status']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(fixture('demo.txt'));
  });

  it('reads one LIST per kind and writes nothing', () => {
    const counts = env.sim.control.requests();
    expect(counts.writes).toBe(0);
    for (const plural of KINDS) expect(counts.byResource[plural], plural).toEqual({ list: 1 });
  });

  it('--output json gives the same tables as data', async () => {
    const r = await env.modsync(['status', '--output', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const data = JSON.parse(r.stdout) as Record<string, { name: string }[]>;
    expect(data).toEqual(JSON.parse(fixture('demo.json')));
    expect(data.modules!.find((x) => x.name === 'module-faulty')).toMatchObject({
      phase: 'Error',
      enabled: 'True',
      ready: 'False',
      message: expect.stringContaining("hook 'check_storage' failed") as unknown as string,
    });
    expect(data.sources!.find((x) => x.name === 'example')).toMatchObject({
      moduleErrors: [
        { module: 'module-broken', error: expect.stringContaining('MANIFEST_UNKNOWN') as unknown as string },
      ],
    });
    const pending = data.releases!.find((x) => x.name === 'module-two-v1.2.6');
    expect(pending).toMatchObject({
      phase: 'Pending',
      updatePolicy: 'manual-approval',
      message: `Release is waiting for the 'modules.deckhouse.io/approved: "true"' annotation`,
    });
  });

  it('fails with exit 1 and a message naming the cluster when the API server cannot be reached', async () => {
    const url = env.sim.url;
    await env.sim.stop();
    const r = await env.modsync(['status', '--cluster-timeout', '2', '--cluster-retries', '0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(new URL(url).host);
  });
});
