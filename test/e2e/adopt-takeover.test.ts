/**
 * The takeover patch against dkp-sim over HTTP, with kubectl as the hand and as the transport:
 * the API server takes managed fields sent in a JSON patch as the new ones (k8s.io/apiserver
 * fieldmanager, decodeLiveOrNew) and then tracks the patch itself, so after the takeover a field
 * removed from the applied configuration really goes (structured-merge-diff merge/update.go:
 * prune, then keep what other managers own). A stale patch is refused by its resourceVersion test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fieldSetOf } from '../../src/core/field-set-walk.ts';
import type { KubeObject } from '../../src/core/object.ts';
import { withOwnership } from '../../src/core/ownership.ts';
import { loadSchemaInfo } from '../../src/core/schema-info.ts';
import { DEFAULT_TAKEOVER_MANAGERS, checkRemoved, takeoverPatch } from '../../src/core/takeover.ts';
import { startDemoEnv, type DemoEnv } from '../support/demo-env.ts';
import { buildClusterWithKubectl, kubectl, kubectlOk } from './adopt-kubectl.ts';
import { applyAs, getObject, type SimObject } from './helpers.ts';

const schemas = loadSchemaInfo();

/** module-one as git has it: what kubectl set, with or without `logLevel`. */
function desired(withLogLevel: boolean): KubeObject {
  const settings: Record<string, unknown> = { replicas: 3, ...(withLogLevel ? { logLevel: 'Info' } : {}) };
  const spec = { enabled: true, source: 'example', updatePolicy: 'stable-auto', version: 1, settings };
  const labels = { team: 'platform' };
  const metadata = { name: 'module-one', labels };
  const obj = { apiVersion: 'deckhouse.io/v1alpha1', kind: 'ModuleConfig', metadata, spec };
  return withOwnership(obj as KubeObject, 'modsync');
}

const LOG_LEVEL = ['f:spec', 'f:settings', 'f:logLevel'];
const JSON_PATCH = ['--type', 'json', '--field-manager=modsync', '-p'];

describe('taking module-one over from kubectl apply + kubectl patch', () => {
  let env: DemoEnv;
  const read = async (): Promise<KubeObject> =>
    (await getObject(env, 'ModuleConfig', 'module-one')) as unknown as KubeObject;
  // A plain server-side apply, as modsync sends it: not `kubectl apply --server-side`, which
  // first migrates kubectl-client-side-apply's fields to its own manager (client-go csaupgrade).
  const applyAsModsync = async (obj: KubeObject): Promise<void> => {
    await applyAs(env, 'modsync', obj as unknown as SimObject);
  };
  const sendPatch = (ops: unknown): ReturnType<typeof kubectl> =>
    kubectl(env, ['patch', 'moduleconfig', 'module-one', ...JSON_PATCH, JSON.stringify(ops)]);

  beforeAll(async () => {
    env = await startDemoEnv({ files: { 'README.md': 'x\n' } });
    await buildClusterWithKubectl(env);
  });
  afterAll(async () => env?.stop());

  it('without a takeover, a field removed from the applied object is kept by kubectl', async () => {
    await applyAsModsync(desired(true));
    await applyAsModsync(desired(false));
    const live = await read();
    expect(checkRemoved(live, [LOG_LEVEL]).map((k) => [k.field, k.managers])).toEqual([
      ['spec.settings.logLevel', ['kubectl-client-side-apply']],
    ]);
  });

  it('a stale takeover patch is refused and changes nothing', async () => {
    const live = await read();
    const fields = fieldSetOf(desired(false), schemas.schemaFor('ModuleConfig', 'deckhouse.io/v1alpha1')!);
    const stale = { ...live, metadata: { ...live.metadata, resourceVersion: '1' } };
    const run = await sendPatch(takeoverPatch(stale, fields, { managers: DEFAULT_TAKEOVER_MANAGERS }));
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('test failed');
    expect((await read()).metadata.managedFields).toEqual(live.metadata.managedFields);
  });

  it('after the takeover patch, the same removal removes the field', async () => {
    // Back to the state before: logLevel applied by modsync, co-owned by kubectl.
    const logLevel = '{"spec":{"settings":{"logLevel":"Info"}}}';
    await kubectlOk(env, ['patch', 'moduleconfig', 'module-one', '--type', 'merge', '-p', logLevel]);
    await applyAsModsync(desired(true));
    const live = await read();
    const fields = fieldSetOf(desired(false), schemas.schemaFor('ModuleConfig', 'deckhouse.io/v1alpha1')!);
    const ops = takeoverPatch(live, fields, { managers: DEFAULT_TAKEOVER_MANAGERS });
    expect(ops).toBeDefined();
    const run = await sendPatch(ops);
    expect(run.code, run.stderr).toBe(0);
    const taken = await read();
    expect(taken.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).toBeUndefined();
    expect(taken.metadata.managedFields!.map((e) => e.manager)).not.toContain('kubectl-client-side-apply');
    await applyAsModsync(desired(false));
    const after = await read();
    expect((after.spec?.settings as Record<string, unknown> | undefined)?.logLevel).toBeUndefined();
    expect(after.spec?.settings).toEqual({ replicas: 3 });
    expect(checkRemoved(after, [LOG_LEVEL])).toEqual([]);
  });
});
