/**
 * Adopting a cluster set up by hand (issue 8 §1), end to end: kubectl builds it as the DKP docs
 * do (apply, create, patch, edit), the real modsync CLI syncs a repository describing it over
 * real HTTP (dkp-sim, git http-backend). kubectl's managers are taken over, so a field removed
 * from git is removed from the cluster; and `modsync export` of such a cluster, pushed and
 * synced, changes no spec value.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFieldsV1 } from '../../src/core/field-set.ts';
import { displayPath } from '../../src/core/field-set-walk.ts';
import type { ManagedFieldsEntry } from '../../src/core/object.ts';
import { pushFiles } from '../support/git-repo.ts';
import { readTree, startDemoEnv, type DemoEnv } from '../support/demo-env.ts';
import { DOCKER_CFG, buildClusterWithKubectl } from './adopt-kubectl.ts';
import { getObject, listObjects, type SimObject } from './helpers.ts';

const SECRET_ENV = { MODSYNC_SECRET_EXAMPLE: DOCKER_CFG };
const KUBECTL_MANAGERS = ['kubectl-client-side-apply', 'kubectl-create', 'kubectl-edit', 'kubectl-patch', 'kubectl'];

/** The repository describing the hand-made cluster (adopt-kubectl.ts), as a person writes it. */
function repoFiles(opts: { logLevel: boolean; windows: boolean }): Record<string, string> {
  const window = '\n      - days: ["Mon", "Tue"]\n        from: "8:00"\n        to: "10:00"';
  const windows = opts.windows ? `\n    windows:${window}` : '';
  const logLevel = opts.logLevel ? '\n    logLevel: Info' : '';
  return {
    'clusters/demo/sources/example.yaml': `apiVersion: deckhouse.io/v1alpha1
kind: ModuleSource
metadata:
  name: example
spec:
  registry:
    repo: registry.example.com/deckhouse/modules
    dockerCfg: \${secret:example}
`,
    'clusters/demo/policies/stable-auto.yaml': `apiVersion: deckhouse.io/v1alpha2
kind: ModuleUpdatePolicy
metadata:
  name: stable-auto
spec:
  releaseChannel: Stable
  update:
    mode: Auto
`,
    'clusters/demo/policies/manual-approval.yaml': `apiVersion: deckhouse.io/v1alpha2
kind: ModuleUpdatePolicy
metadata:
  name: manual-approval
spec:
  releaseChannel: Stable
  update:
    mode: Manual${windows}
`,
    'clusters/demo/modules/module-one.yaml': `apiVersion: deckhouse.io/v1alpha1
kind: ModuleConfig
metadata:
  name: module-one
  labels:
    team: platform
spec:
  enabled: true
  source: example
  updatePolicy: stable-auto
  version: 1
  settings:
    replicas: 3${logLevel}
`,
    'clusters/demo/modules/module-two.yaml': `apiVersion: deckhouse.io/v1alpha1
kind: ModuleConfig
metadata:
  name: module-two
spec:
  enabled: true
  source: example
  updatePolicy: manual-approval
`,
  };
}

const KINDS = ['ModuleSource', 'ModuleUpdatePolicy', 'ModuleConfig'] as const;

/** `Kind/name` → spec of every object a person made (not Deckhouse's own, not the defaults). */
async function specs(env: DemoEnv): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const kind of KINDS) {
    for (const o of await listObjects(env, kind)) {
      if (o.metadata.labels?.heritage === 'deckhouse' || ['deckhouse', 'global'].includes(o.metadata.name)) continue;
      out[`${kind}/${o.metadata.name}`] = o.spec;
    }
  }
  return out;
}

/** The fields (leaves, dotted) kubectl's managers still own in `o`. */
function kubectlFields(o: SimObject | null): string[] {
  const entries = (o?.metadata.managedFields ?? []) as ManagedFieldsEntry[];
  return entries
    .filter((e) => KUBECTL_MANAGERS.includes(e.manager))
    .flatMap((e) => decodeFieldsV1(e.fieldsV1).leaves().map(displayPath));
}

describe('adopting objects made by kubectl apply, create, patch and edit', () => {
  let env: DemoEnv;
  beforeAll(async () => {
    env = await startDemoEnv({ files: repoFiles({ logLevel: true, windows: true }) });
    await buildClusterWithKubectl(env);
  });
  afterAll(async () => env?.stop());

  it("the first sync adopts them: same values, kubectl's claims and last-applied annotation gone", async () => {
    const before = await specs(env);
    const r = await env.modsync(['sync'], { env: SECRET_ENV });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await specs(env)).toEqual(before);
    const adopted = [
      ['ModuleConfig', 'module-one'],
      ['ModuleConfig', 'module-two'],
      ['ModuleSource', 'example'],
    ] as const;
    for (const [kind, name] of adopted) {
      const o = await getObject(env, kind, name);
      expect(o?.metadata.labels?.['modsync.io/instance'], `${kind}/${name}`).toBe('modsync');
      const annotations = o?.metadata.annotations ?? {};
      expect(annotations['kubectl.kubernetes.io/last-applied-configuration'], `${kind}/${name}`).toBeUndefined();
    }
    expect(kubectlFields(await getObject(env, 'ModuleConfig', 'module-one'))).toEqual([]);
    expect(kubectlFields(await getObject(env, 'ModuleConfig', 'module-two'))).toEqual([]);
    // kubectl keeps only what git does not set: the scheme the server defaulted when it created it.
    expect(kubectlFields(await getObject(env, 'ModuleSource', 'example'))).toEqual(['spec.registry.scheme']);
  });

  it('a field then removed from git: plan shows it, sync removes it, plan after exits 0', async () => {
    const files = repoFiles({ logLevel: false, windows: false });
    await pushFiles(env.bareDir, 'main', files, 'Drop logLevel and the windows');
    const plan = await env.modsync(['plan'], { env: SECRET_ENV });
    expect(plan.code, plan.stdout + plan.stderr).toBe(2);
    expect(plan.stdout).toContain('spec.settings.logLevel');
    expect(plan.stdout).toContain('spec.update.windows');
    expect(plan.stdout).not.toContain('kept by');
    const r = await env.modsync(['sync'], { env: SECRET_ENV });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect((await getObject(env, 'ModuleConfig', 'module-one'))?.spec?.settings).toEqual({ replicas: 3 });
    expect((await getObject(env, 'ModuleUpdatePolicy', 'manual-approval'))?.spec?.update).toEqual({ mode: 'Manual' });
    const after = await env.modsync(['plan'], { env: SECRET_ENV });
    expect(after.code, after.stdout + after.stderr).toBe(0);
  });

  it('a further sync writes nothing', async () => {
    env.sim.control.resetRequests();
    const r = await env.modsync(['sync'], { env: SECRET_ENV });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(env.sim.control.requests().writes).toBe(0);
  });
});

describe('modsync export of a kubectl-built cluster, pushed and synced', () => {
  let env: DemoEnv;
  beforeAll(async () => {
    env = await startDemoEnv({ files: { 'README.md': 'cluster configuration\n' } });
    await buildClusterWithKubectl(env);
  });
  afterAll(async () => env?.stop());

  it('changes no spec value, then is a no-op', async () => {
    const out = `${env.workDir}/checkout`;
    const args = ['--kubeconfig', env.sim.kubeconfigPath, '--path', env.root, '--output-dir', out];
    const exported = await env.modsync(['export', ...args]);
    expect(exported.code, exported.stdout + exported.stderr).toBe(0);
    await pushFiles(env.bareDir, 'main', readTree(`${out}/${env.root}`, env.root), 'Export the cluster');
    const before = await specs(env);
    // The plan shows no spec edit: only modsync taking the objects over.
    const adopt = await env.modsync(['plan'], { env: SECRET_ENV });
    expect(adopt.code, adopt.stdout + adopt.stderr).toBe(2);
    expect(adopt.stdout).toContain('^ ModuleConfig/module-one (adopt)');
    expect(adopt.stdout).not.toMatch(/^\s+spec\./m);
    expect(adopt.stdout).toMatch(/Plan: 0 to create, 0 to update, \d+ to adopt/);
    const r = await env.modsync(['sync'], { env: SECRET_ENV });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await specs(env)).toEqual(before);
    env.sim.control.resetRequests();
    const again = await env.modsync(['sync'], { env: SECRET_ENV });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(env.sim.control.requests().writes).toBe(0);
    const plan = await env.modsync(['plan'], { env: SECRET_ENV });
    expect(plan.code, plan.stdout).toBe(0);
  });
});
