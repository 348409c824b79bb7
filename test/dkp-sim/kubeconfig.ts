/**
 * The kubeconfig dkp-sim writes for kubectl and client-node: plain http to 127.0.0.1, with
 * `insecure-skip-tls-verify` (client-node wants it for http) and a dummy bearer token.
 */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** Name of the context (and cluster and user) in the kubeconfig. */
export const CONTEXT_NAME = 'dkp-sim';

/** The kubeconfig YAML for a server URL. */
export function kubeconfigYaml(url: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: CONTEXT_NAME, cluster: { server: url, 'insecure-skip-tls-verify': true } }],
    users: [{ name: CONTEXT_NAME, user: { token: 'dkp-sim-dummy-token' } }],
    contexts: [{ name: CONTEXT_NAME, context: { cluster: CONTEXT_NAME, user: CONTEXT_NAME } }],
    'current-context': CONTEXT_NAME,
    preferences: {},
  });
}

/** Writes the kubeconfig to `path` (or a new temp file) and returns the path. */
export function writeKubeconfig(url: string, path?: string): string {
  const target = path ?? join(mkdtempSync(join(tmpdir(), 'dkp-sim-')), 'kubeconfig');
  writeFileSync(target, kubeconfigYaml(url), { mode: 0o600 });
  return target;
}
