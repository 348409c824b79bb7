import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadKubeConfig } from '../../src/cluster/kubeconfig.ts';
import { ModsyncError } from '../../src/core/errors.ts';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'modsync-kubeconfig-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function kubeconfigFile(name: string, contexts: { name: string; server: string }[], current?: string): string {
  const lines = ['apiVersion: v1', 'kind: Config', 'clusters:'];
  for (const c of contexts) lines.push(`- name: ${c.name}`, '  cluster:', `    server: ${c.server}`);
  lines.push('users:');
  for (const c of contexts) lines.push(`- name: ${c.name}`, '  user:', `    token: token-${c.name}`);
  lines.push('contexts:');
  for (const c of contexts)
    lines.push(`- name: ${c.name}`, '  context:', `    cluster: ${c.name}`, `    user: ${c.name}`);
  if (current) lines.push(`current-context: ${current}`);
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

function serviceAccount(namespace: string): string {
  const sa = join(dir, 'serviceaccount');
  mkdirSync(sa);
  writeFileSync(join(sa, 'token'), 'sa-token');
  writeFileSync(join(sa, 'namespace'), namespace);
  return sa;
}

function errorOf(fn: () => unknown): ModsyncError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ModsyncError) return err;
    throw err;
  }
  throw new Error('expected loadKubeConfig to fail');
}

describe('loadKubeConfig', () => {
  it('loads the file given with --kubeconfig and says so', () => {
    const path = kubeconfigFile('config', [{ name: 'sim', server: 'http://127.0.0.1:6443' }], 'sim');
    const loaded = loadKubeConfig({ kubeconfig: path, env: {} });
    expect(loaded.source).toBe('file');
    expect(loaded.path).toBe(path);
    expect(loaded.kc.getCurrentCluster()?.server).toBe('http://127.0.0.1:6443');
    // client-node refuses plain http without this flag; kubectl does not, and neither do we.
    expect(loaded.kc.getCurrentCluster()?.skipTLSVerify).toBe(true);
  });

  it('fails on a missing --kubeconfig file instead of trying anything else', () => {
    const fallback = kubeconfigFile('fallback', [{ name: 'other', server: 'https://other:6443' }], 'other');
    const err = errorOf(() =>
      loadKubeConfig({
        kubeconfig: join(dir, 'missing'),
        env: { KUBECONFIG: fallback, KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' },
        serviceAccountDir: serviceAccount('d8-modsync'),
      }),
    );
    expect(err.reason).toBe('ConfigInvalid');
    expect(err.message).toBe(`kubeconfig file ${join(dir, 'missing')} does not exist`);
  });

  it('never falls back to localhost:8080 when there is no configuration at all', () => {
    const err = errorOf(() => loadKubeConfig({ env: { HOME: dir }, serviceAccountDir: join(dir, 'no-sa') }));
    expect(err.message).toMatch(/^no cluster to talk to: pass --kubeconfig FILE, set KUBECONFIG/);
    expect(err.message).not.toContain('localhost');
  });

  it('rejects a kubeconfig without a current context rather than guessing', () => {
    const path = kubeconfigFile('config', [{ name: 'a', server: 'https://a:6443' }]);
    expect(errorOf(() => loadKubeConfig({ kubeconfig: path, env: {} })).message).toBe(
      `${path} has no current-context; pass --context`,
    );
  });

  it('merges the files of KUBECONFIG, first file first, and switches to --context', () => {
    const first = kubeconfigFile('one', [{ name: 'a', server: 'https://a:6443' }], 'a');
    const second = kubeconfigFile('two', [{ name: 'b', server: 'https://b:6443' }], 'b');
    const env = { KUBECONFIG: `${first}:${join(dir, 'absent')}:${second}` };
    expect(loadKubeConfig({ env }).kc.getCurrentCluster()?.server).toBe('https://a:6443');
    const switched = loadKubeConfig({ env, context: 'b' });
    expect(switched.kc.getCurrentCluster()?.server).toBe('https://b:6443');
    expect(switched.path).toBe(`${first}:${second}`);
  });

  it('names the known contexts when --context does not exist', () => {
    const path = kubeconfigFile(
      'config',
      [
        { name: 'a', server: 'https://a:6443' },
        { name: 'b', server: 'https://b:6443' },
      ],
      'a',
    );
    expect(errorOf(() => loadKubeConfig({ kubeconfig: path, context: 'prod', env: {} })).message).toBe(
      `context prod is not in ${path} (contexts: a, b)`,
    );
  });

  it('fails when KUBECONFIG names only files that do not exist', () => {
    const err = errorOf(() => loadKubeConfig({ env: { KUBECONFIG: join(dir, 'nope') } }));
    expect(err.message).toBe(`KUBECONFIG names ${join(dir, 'nope')}, and none of these files exists`);
  });

  it('uses ~/.kube/config before the service account when nothing else is set', () => {
    mkdirSync(join(dir, '.kube'));
    const path = kubeconfigFile('.kube/config', [{ name: 'home', server: 'https://home:6443' }], 'home');
    const loaded = loadKubeConfig({
      env: { HOME: dir, KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' },
      serviceAccountDir: serviceAccount('ns'),
    });
    expect(loaded.source).toBe('file');
    expect(loaded.path).toBe(path);
    expect(loaded.kc.getCurrentCluster()?.server).toBe('https://home:6443');
  });

  it('uses the service account in a pod, with its namespace and token file', () => {
    const sa = serviceAccount('d8-modsync');
    const loaded = loadKubeConfig({
      env: { HOME: dir, KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' },
      serviceAccountDir: sa,
    });
    expect(loaded.source).toBe('in-cluster');
    expect(loaded.namespace).toBe('d8-modsync');
    expect(loaded.kc.getCurrentCluster()?.server).toBe('https://10.96.0.1:443');
    expect(loaded.kc.getCurrentUser()?.authProvider?.config.tokenFile).toBe(join(sa, 'token'));
  });

  it('refuses --context in a pod, where there is no kubeconfig to pick it from', () => {
    const sa = serviceAccount('ns');
    const err = errorOf(() =>
      loadKubeConfig({
        context: 'x',
        env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' },
        serviceAccountDir: sa,
      }),
    );
    expect(err.message).toMatch(/^--context x needs a kubeconfig file/);
  });
});
