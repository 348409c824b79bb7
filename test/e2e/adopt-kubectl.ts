/**
 * A cluster set up by hand, as the DKP docs do it: the real kubectl against dkp-sim (apply,
 * create, patch, edit), for the adoption and export tests.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DemoEnv } from '../support/demo-env.ts';
import { getObject, waitFor } from './helpers.ts';

/** Base64 of a docker config.json for the example registry (user:pass, a test value). */
const AUTHS = { auths: { 'registry.example.com': { auth: 'dXNlcjpwYXNz' } } };
export const DOCKER_CFG = Buffer.from(JSON.stringify(AUTHS)).toString('base64');

export interface KubectlRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs kubectl against the environment's dkp-sim (asynchronously: the server is in this process). */
export function kubectl(env: DemoEnv, args: string[], extraEnv: Record<string, string> = {}): Promise<KubectlRun> {
  return new Promise((resolve) => {
    const opts = { timeout: 20_000, env: { ...process.env, ...extraEnv } };
    execFile('kubectl', ['--kubeconfig', env.sim.kubeconfigPath, ...args], opts, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** kubectl that must succeed. */
export async function kubectlOk(env: DemoEnv, args: string[], extraEnv: Record<string, string> = {}): Promise<string> {
  const run = await kubectl(env, args, extraEnv);
  if (run.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${run.stderr}`);
  return run.stdout;
}

/** Writes a manifest into the environment's work folder and returns its path. */
export function manifestFile(env: DemoEnv, name: string, yaml: string): string {
  const file = join(env.workDir, `${name}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

const SOURCE = `apiVersion: deckhouse.io/v1alpha1
kind: ModuleSource
metadata:
  name: example
spec:
  registry:
    repo: registry.example.com/deckhouse/modules
    dockerCfg: ${DOCKER_CFG}
`;

const POLICY = `apiVersion: deckhouse.io/v1alpha2
kind: ModuleUpdatePolicy
metadata:
  name: stable-auto
spec:
  releaseChannel: Stable
  update:
    mode: Auto
`;

const MANUAL_POLICY = `apiVersion: deckhouse.io/v1alpha2
kind: ModuleUpdatePolicy
metadata:
  name: manual-approval
spec:
  releaseChannel: Stable
  update:
    mode: Manual
    windows:
      - days: ["Mon", "Tue"]
        from: "8:00"
        to: "10:00"
`;

const MODULE_ONE = `apiVersion: deckhouse.io/v1alpha1
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
    replicas: 2
    logLevel: Info
`;

const MODULE_TWO = `apiVersion: deckhouse.io/v1alpha1
kind: ModuleConfig
metadata:
  name: module-two
spec:
  enabled: true
  source: example
  updatePolicy: stable-auto
`;

/**
 * Sets the cluster up by hand: source and policy by `kubectl apply` (client-side), a second
 * policy by `kubectl create`, module-one by `kubectl apply` then `kubectl patch`, module-two by
 * `kubectl apply` then `kubectl edit` (its update policy changed in the editor).
 */
export async function buildClusterWithKubectl(env: DemoEnv): Promise<void> {
  const files = [manifestFile(env, 'source', SOURCE), manifestFile(env, 'policy', POLICY)];
  await kubectlOk(env, ['apply', '-f', files[0]!, '-f', files[1]!]);
  await kubectlOk(env, ['create', '-f', manifestFile(env, 'manual', MANUAL_POLICY)]);
  // The ModuleConfig webhook accepts a module once the source has found it.
  await waitFor('module-one and module-two known', async () => {
    const ms = await getObject(env, 'ModuleSource', 'example');
    const names = ((ms?.status?.modules ?? []) as { name: string }[]).map((m) => m.name);
    return names.includes('module-one') && names.includes('module-two');
  });
  await kubectlOk(env, ['apply', '-f', manifestFile(env, 'module-one', MODULE_ONE)]);
  const replicas = '{"spec":{"settings":{"replicas":3}}}';
  await kubectlOk(env, ['patch', 'moduleconfig', 'module-one', '--type', 'merge', '-p', replicas]);
  await kubectlOk(env, ['apply', '-f', manifestFile(env, 'module-two', MODULE_TWO)]);
  const editor = { KUBE_EDITOR: 'sed -i s/stable-auto/manual-approval/g' };
  await kubectlOk(env, ['edit', 'moduleconfig', 'module-two'], editor);
}
