/**
 * What must hold however bad the input or the network: invalid manifests apply nothing,
 * API faults are retried and converge, and secrets never reach any output.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readBranchFile } from '../support/git-repo.ts';
import { exampleFiles, startDemoEnv, type DemoEnv } from '../support/demo-env.ts';
import { applyAs, getObject } from './helpers.ts';

let env: DemoEnv | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

describe('invalid manifests', () => {
  it('report every problem as file:line:col, exit 1, and write nothing to the cluster', async () => {
    env = await startDemoEnv({
      files: {
        ...exampleFiles(),
        'clusters/demo/broken.yaml':
          'apiVersion: deckhouse.io/v1alpha1\nkind: ModuleConfig\nmetadata:\n  name: x\n  spec: [\n',
        'clusters/demo/wrong-kind.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n',
        'clusters/demo/bad-scheme.yaml':
          'apiVersion: deckhouse.io/v1alpha1\nkind: ModuleSource\nmetadata:\n  name: other\nspec:\n  registry:\n    repo: r.example/x\n    scheme: FTP\n',
        'clusters/demo/dangling.yaml':
          'apiVersion: deckhouse.io/v1alpha1\nkind: ModuleConfig\nmetadata:\n  name: module-broken\nspec:\n  enabled: false\n  updatePolicy: no-such-policy\n',
      },
    });
    env.sim.control.resetRequests();
    for (const cmd of ['plan', 'sync']) {
      const r = await env.modsync([cmd]);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stdout).toMatch(/clusters\/demo\/broken\.yaml:\d+:\d+: error: /);
      expect(r.stdout).toMatch(/clusters\/demo\/wrong-kind\.yaml:2:\d+: error: .*ConfigMap/);
      // An enum value the bundled CRDs do not know is left to the cluster (a newer Deckhouse may accept it).
      expect(r.stdout).toMatch(/clusters\/demo\/bad-scheme\.yaml:8:\d+: warning: .*scheme.*the cluster decides/);
      expect(r.stdout).toMatch(/clusters\/demo\/dangling\.yaml:7:\d+: error: .*no-such-policy/);
      expect(r.stdout).toMatch(/validate failed \(ValidationFailed\)/);
    }
    const counts = env.sim.control.requests();
    expect(counts.writes - (counts.byResource.leases?.update ?? 0) - (counts.byResource.leases?.create ?? 0)).toBe(0);
    expect(await getObject(env, 'ModuleSource', 'example')).toBeNull();
  });
});

describe('API faults', () => {
  it('are retried within a run, and a run that still fails converges on the next', async () => {
    env = await startDemoEnv();
    const foreign = await applyAs(env, 'kubectl', {
      apiVersion: 'deckhouse.io/v1alpha2',
      kind: 'ModuleUpdatePolicy',
      metadata: { name: 'hand-made' },
      spec: { update: { mode: 'Manual' } },
    });
    env.sim.control.setFaults([
      { verb: 'list', resource: 'modulereleases', status: 503, count: 1 },
      { verb: 'list', resource: 'modules', status: 429, count: 1 },
      { verb: 'apply', resource: 'moduleupdatepolicies', reset: true, count: 1 },
      { verb: 'apply', resource: 'modulesources', status: 500, count: 2 },
    ]);
    const first = await env.modsync(['sync', '--cluster-retries', '3']);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(await getObject(env, 'ModuleSource', 'example')).not.toBeNull();
    expect(await getObject(env, 'ModuleUpdatePolicy', 'stable-auto')).not.toBeNull();

    // A fault that outlasts the retries: that object fails, the others are applied.
    await env.stop();
    env = await startDemoEnv();
    env.sim.control.setFaults([{ verb: 'apply', resource: 'moduleupdatepolicies', status: 500 }]);
    const failing = await env.modsync(['sync', '--cluster-retries', '1']);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(/ModuleUpdatePolicy\/stable-auto \(create, failed/);
    expect(await getObject(env, 'ModuleSource', 'example')).not.toBeNull();
    env.sim.control.clearFaults();
    const next = await env.modsync(['sync']);
    expect(next.code, next.stdout + next.stderr).toBe(0);
    expect(await getObject(env, 'ModuleUpdatePolicy', 'stable-auto')).not.toBeNull();
    expect(await getObject(env, 'ModuleConfig', 'module-two')).not.toBeNull();
    expect(foreign.metadata.name).toBe('hand-made');
  });

  it('leave objects it does not own untouched', async () => {
    env = await startDemoEnv();
    const foreign = await applyAs(env, 'kubectl', {
      apiVersion: 'deckhouse.io/v1alpha2',
      kind: 'ModuleUpdatePolicy',
      metadata: { name: 'hand-made' },
      spec: { update: { mode: 'Manual' } },
    });
    env.sim.control.setFaults([{ verb: 'apply', status: 409, count: 2 }]);
    const r = await env.modsync(['sync']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect((await getObject(env, 'ModuleUpdatePolicy', 'hand-made'))?.metadata.resourceVersion).toBe(
      foreign.metadata.resourceVersion,
    );
  });
});

describe('secrets', () => {
  it('never appear in any output, report or error, while the cluster gets the real value', async () => {
    const token = 'ghs_s3cr3tT0kenValue1234567890';
    const auth = Buffer.from('robot:registry-password-42').toString('base64');
    const dockerCfg = Buffer.from(JSON.stringify({ auths: { 'registry.example.com': { auth } } })).toString('base64');
    const files = exampleFiles();
    files['clusters/demo/sources/example.yaml'] = files['clusters/demo/sources/example.yaml']!.replace(
      'repo: registry.example.com/deckhouse/modules',
      'repo: registry.example.com/deckhouse/modules\n    dockerCfg: ${secret:registry-example}',
    );
    env = await startDemoEnv({ files, gitAuth: { username: 'x-access-token', password: token } });
    const secretEnv = {
      MODSYNC_GIT_TOKEN: token,
      MODSYNC_SECRET_REGISTRY_EXAMPLE: dockerCfg,
      MODSYNC_LOG_LEVEL: 'debug',
    };
    const outputs: string[] = [];
    for (const args of [
      ['plan'],
      ['plan', '--output', 'json'],
      ['sync'],
      ['sync', '--output', 'json'],
      ['status'],
      ['status', '--output', 'json'],
    ]) {
      const r = await env.modsync(args, { env: secretEnv });
      expect(r.code, `${args.join(' ')}: ${r.stdout}${r.stderr}`).toBeLessThan(3);
      outputs.push(r.stdout, r.stderr);
    }
    // A registry change makes the server answer with the object, including the secret.
    const bad = await env.modsync(['sync'], {
      env: { ...secretEnv, MODSYNC_SECRET_REGISTRY_EXAMPLE: 'not base64 json' },
    });
    outputs.push(bad.stdout, bad.stderr);
    const wrongToken = await env.modsync(['sync', '--cache-dir', `${env.workDir}/other-cache`], {
      env: { ...secretEnv, MODSYNC_GIT_TOKEN: token + 'x' },
    });
    expect(wrongToken.code).toBe(1);
    outputs.push(wrongToken.stdout, wrongToken.stderr);
    const report = (await readBranchFile(env.bareDir, 'main', 'clusters/demo/status/README.md')) ?? '';
    const reportYaml = (await readBranchFile(env.bareDir, 'main', 'clusters/demo/status/status.yaml')) ?? '';
    const all = [...outputs, report, reportYaml].join('\n');
    for (const secret of [token, dockerCfg, auth, 'registry-password-42']) expect(all).not.toContain(secret);
    expect(report).toContain('example');
    const ms = await getObject(env, 'ModuleSource', 'example');
    expect((ms?.spec?.registry as { dockerCfg?: string } | undefined)?.dockerCfg).toBe(dockerCfg);
  });
});
