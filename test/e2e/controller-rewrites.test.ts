/**
 * After Deckhouse's controllers write an object back (a full Update through their Go types, as
 * field manager `deckhouse-controller`), modsync's next two syncs write nothing. dkp-sim does
 * these write-backs as the real controllers do: the ModuleSource controller's Update turns
 * `scanInterval: 5m` into `5m0s` (`*metav1.Duration`, module_source.go), and the ModuleConfig
 * controller removes `modules.deckhouse.io/allow-disabling` once the module is disabled
 * (processDisabledModule, internal/controller/modules/config/controller.go). Request counts
 * come from dkp-sim's `/_sim/requests` counters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleFiles } from '../support/demo-env.ts';
import { startSyncedForgeEnv, type ForgeEnv } from '../support/fake-forge.ts';
import { pushFiles } from '../support/git-repo.ts';
import { getObject, waitFor } from './helpers.ts';

const SOURCE_FILE = 'clusters/demo/sources/example.yaml';
const FAULTY_FILE = 'clusters/demo/modules/module-faulty.yaml';
const ALLOW = 'modules.deckhouse.io/allow-disabling';

const source = (scanInterval: string): string => `apiVersion: deckhouse.io/v1alpha1
kind: ModuleSource
metadata:
  name: example
spec:
  scanInterval: ${scanInterval}
  registry:
    repo: registry.example.com/deckhouse/modules
`;

const faulty = (enabled: boolean): string => `apiVersion: deckhouse.io/v1alpha1
kind: ModuleConfig
metadata:
  name: module-faulty
${enabled ? '' : `  annotations:\n    ${ALLOW}: "true"\n`}spec:
  enabled: ${enabled}
`;

/** Two syncs, each making no object write (counted by dkp-sim). */
async function twoQuietSyncs(env: ForgeEnv): Promise<number[]> {
  const writes: number[] = [];
  for (let i = 0; i < 2; i++) {
    env.sim.control.resetRequests();
    const result = await env.sync();
    expect(result.ok, JSON.stringify(result.stages)).toBe(true);
    writes.push(env.sim.control.requests().writes);
  }
  return writes;
}

describe('ModuleSource scanInterval: 5m comes back as 5m0s', () => {
  let env: ForgeEnv;
  beforeAll(async () => {
    env = await startSyncedForgeEnv({ files: { ...exampleFiles(), [SOURCE_FILE]: source('5m') } });
  });
  afterAll(async () => env?.stop());

  it('the source controller wrote it back through its Go type, as deckhouse-controller', async () => {
    const live = await waitFor('5m0s', async () => {
      const s = await getObject(env, 'ModuleSource', 'example');
      return s?.spec?.scanInterval === '5m0s' ? s : null;
    });
    const entries = (live.metadata.managedFields ?? []) as { manager: string; operation: string }[];
    const managers = entries.map((m) => `${m.manager}/${m.operation}`);
    expect(managers).toContain('deckhouse-controller/Update');
  });

  it('the next two syncs make 0 object writes', async () => {
    expect(await twoQuietSyncs(env)).toEqual([0, 0]);
  });
});

describe('ModuleConfig allow-disabling: removed by the config controller once disabled', () => {
  let env: ForgeEnv;
  beforeAll(async () => {
    env = await startSyncedForgeEnv({ files: { ...exampleFiles(), [FAULTY_FILE]: faulty(true) } });
  });
  afterAll(async () => env?.stop());

  it('disabling with the annotation applies once; the controller then removes the annotation', async () => {
    await pushFiles(env.bareDir, 'main', { [FAULTY_FILE]: faulty(false) }, 'Disable module-faulty');
    const result = await env.sync();
    expect(result.ok, JSON.stringify(result.stages)).toBe(true);
    await waitFor('annotation removed', async () => {
      const mc = await getObject(env, 'ModuleConfig', 'module-faulty');
      return mc?.spec?.enabled === false && !(ALLOW in (mc.metadata.annotations ?? {}));
    });
  });

  it('the next two syncs make 0 object writes', async () => {
    expect(await twoQuietSyncs(env)).toEqual([0, 0]);
  });
});
