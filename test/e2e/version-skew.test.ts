/**
 * Version skew: the cluster's own schema decides. On dkp-sim serving Deckhouse 1.70 (no
 * `ModuleSource.spec.scanInterval`, see crds/versions.yaml), a repository using the field fails
 * that object before anything is sent, naming the field, with no retries; the rest still syncs;
 * without the field everything syncs. The served schema is read once and then cached by hash.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleFiles, startDemoEnv, type DemoEnv } from '../support/demo-env.ts';
import { pushFiles } from '../support/git-repo.ts';
import { getObject } from './helpers.ts';

const SOURCE = 'clusters/demo/sources/example.yaml';
const withScanInterval = (interval: string): string =>
  `apiVersion: deckhouse.io/v1alpha1\nkind: ModuleSource\nmetadata:\n  name: example\nspec:\n  scanInterval: ${interval}\n  registry:\n    repo: registry.example.com/deckhouse/modules\n`;

describe('a repository newer than the cluster (Deckhouse 1.70)', () => {
  let env: DemoEnv;
  beforeAll(async () => {
    env = await startDemoEnv({
      files: { ...exampleFiles(), [SOURCE]: withScanInterval('10m') },
      sim: { deckhouseVersion: '1.70' },
    });
  });
  afterAll(async () => env?.stop());

  it('fails only the object with the undeclared field, naming it, sends it nowhere, and retries nothing', async () => {
    env.sim.control.resetRequests();
    const r = await env.modsync(['sync', '--no-status']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/\+ ModuleSource\/example \(create, failed\)/);
    expect(r.stdout).toMatch(
      /spec\.scanInterval: field not declared in the cluster's ModuleSource schema \(Deckhouse 1\.70\.0\)/,
    );
    expect(await getObject(env, 'ModuleSource', 'example')).toBeNull();
    const counts = env.sim.control.requests();
    // The other objects were applied, the source never was: no apply of modulesources at all.
    expect(counts.byResource.modulesources?.apply ?? 0).toBe(0);
    expect(counts.byResource.moduleupdatepolicies?.apply).toBe(2);
    expect(await getObject(env, 'ModuleUpdatePolicy', 'stable-auto')).not.toBeNull();
  });

  it('a second run reads the schema from its cache and fails the same way, still sending nothing', async () => {
    env.sim.control.resetRequests();
    const r = await env.modsync(['plan']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/spec\.scanInterval: field not declared/);
    expect(env.sim.control.requests().writes).toBe(0);
  });

  it('without the field, the same repository syncs', async () => {
    await pushFiles(env.bareDir, 'main', { [SOURCE]: exampleFiles()[SOURCE]! }, 'Drop scanInterval for Deckhouse 1.70');
    const r = await env.modsync(['sync', '--no-status']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await getObject(env, 'ModuleSource', 'example')).not.toBeNull();
  });
});

describe('a value the bundled CRDs do not know', () => {
  let env: DemoEnv;
  beforeAll(async () => {
    const source = exampleFiles()[SOURCE]!.replace('  registry:\n', '  registry:\n    scheme: FTP\n');
    env = await startDemoEnv({ files: { ...exampleFiles(), [SOURCE]: source } });
  });
  afterAll(async () => env?.stop());

  it('passes validation as a warning and is decided by the cluster: refused there, it fails that object only', async () => {
    const r = await env.modsync(['plan']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/warning: .*spec\.registry\.scheme.*the cluster decides/);
    expect(r.stdout).toMatch(/\+ ModuleSource\/example \(create, failed\)\n\s+spec\.registry\.scheme: .*"FTP"/);
    expect(env.sim.control.requests().writes).toBe(0);
  });
});
