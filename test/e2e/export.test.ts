/**
 * `modsync export` end to end: a cluster set up by hand with kubectl (as the DKP docs do) is
 * exported with the real CLI against dkp-sim over HTTP; the files are clean, credentials stay
 * out of them, `modsync validate` accepts them, and nothing is overwritten without --force.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKubectlYaml } from '../../src/manifests/yaml.ts';
import { readTree, startDemoEnv, type DemoEnv } from '../support/demo-env.ts';
import { DOCKER_CFG, buildClusterWithKubectl } from './adopt-kubectl.ts';

describe('modsync export of a kubectl-built cluster', () => {
  let env: DemoEnv;
  let out: string;
  let args: string[];
  beforeAll(async () => {
    env = await startDemoEnv({ files: { 'README.md': 'cluster config\n' } });
    await buildClusterWithKubectl(env);
    out = join(env.workDir, 'checkout');
    args = ['--kubeconfig', env.sim.kubeconfigPath, '--path', env.root, '--output-dir', out];
    args.push('--secrets-dir', '/run/secrets');
  });
  afterAll(async () => env?.stop());

  it('writes one clean manifest per object in the repo layout, without credentials', async () => {
    const r = await env.modsync(['export', ...args]);
    expect(r.code, r.stderr).toBe(0);
    const files = readTree(join(out, env.root));
    expect(Object.keys(files).sort()).toEqual([
      'modules/module-one.yaml',
      'modules/module-two.yaml',
      'policies/manual-approval.yaml',
      'policies/stable-auto.yaml',
      'sources/example.yaml',
    ]);
    const all = Object.values(files).join('\n');
    const server = ['status', 'managedFields', 'uid', 'resourceVersion', 'generation', 'creationTimestamp'];
    for (const gone of [...server, 'last-applied', 'finalizers', 'checksum']) {
      expect(all).not.toContain(gone);
    }
    expect(all).not.toContain(DOCKER_CFG);
    expect(r.stdout).not.toContain(DOCKER_CFG);
    // The person's values survive: the patch, the edit, the labels, the windows.
    expect(parseKubectlYaml(files['modules/module-one.yaml']!)).toEqual({
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleConfig',
      metadata: { name: 'module-one', labels: { team: 'platform' } },
      spec: {
        enabled: true,
        source: 'example',
        updatePolicy: 'stable-auto',
        version: 1,
        settings: { replicas: 3, logLevel: 'Info' },
      },
    });
    expect((parseKubectlYaml(files['modules/module-two.yaml']!) as any).spec.updatePolicy).toBe('manual-approval');
    expect((parseKubectlYaml(files['policies/manual-approval.yaml']!) as any).spec.update.windows).toEqual([
      { days: ['Mon', 'Tue'], from: '8:00', to: '10:00' },
    ]);
    expect(files['sources/example.yaml']).toContain('dockerCfg: ${secret:example}');
    const hint = "/run/secrets/example: kubectl get modulesource example -o jsonpath='{.spec.registry.dockerCfg}'";
    expect(r.stdout).toContain(hint);
    // Deckhouse's own source and the protected default configs are not exported.
    expect(r.stdout).toContain('skipped ModuleSource/deckhouse');
    expect(r.stdout).toContain('skipped ModuleConfig/global');
  });

  it('is accepted by modsync validate', async () => {
    const r = await env.modsync(['validate', out, '--path', env.root]);
    expect(r.stdout).toContain('5 objects and 0 approvals in 5 files: 0 errors, 0 warnings');
    expect(r.code).toBe(0);
  });

  it('refuses to overwrite what is there, unless --force', async () => {
    const file = join(out, env.root, 'sources/example.yaml');
    const before = readFileSync(file, 'utf8');
    const refused = await env.modsync(['export', ...args]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('5 file(s) exist already, nothing written (--force overwrites)');
    const forced = await env.modsync(['export', ...args, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});
