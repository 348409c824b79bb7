/**
 * The release chain as Deckhouse's module release controller decides it, driven release by
 * release: apply-now, the first release, update windows per mode, from-to jumps, minor and
 * major steps. Sources: deckhouse/deckhouse `deckhouse-controller/pkg/releaseupdater/
 * task_calculator.go`, `deploy_time_checker.go`, `deploy_delay_reason.go`,
 * `internal/controller/modules/release/pending.go`, `deploy.go`, and the golden file
 * `pkg/controller/module-controllers/release/testdata/releases/golden/from-to-jump.yaml`.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryApi, type MemoryApi } from './controller-memory-api.ts';
import { deployDelay } from './controller-release-time.ts';
import { reconcileReleases } from './controller-releases.ts';
import { platformFor } from './controller-requirements.ts';
import type { JsonMap } from './types.ts';

const APPROVAL = `Release is waiting for the 'modules.deckhouse.io/approved: "true"' annotation`;

interface Rel {
  version: string;
  phase?: string;
  annotations?: Record<string, string>;
  update?: JsonMap;
}

/** module `demo` enabled under a MUP `demo` with `update`, and its releases (Monday 2026-03-16 10:00 UTC). */
function cluster(update: JsonMap, releases: Rel[]): MemoryApi {
  const api = createMemoryApi();
  api.create('moduleupdatepolicies', {
    apiVersion: 'deckhouse.io/v1alpha2',
    kind: 'ModuleUpdatePolicy',
    metadata: { name: 'demo' },
    spec: { update },
  });
  api.create('moduleconfigs', {
    apiVersion: 'deckhouse.io/v1alpha1',
    kind: 'ModuleConfig',
    metadata: { name: 'demo' },
    spec: { enabled: true, updatePolicy: 'demo' },
  });
  for (const r of releases) {
    api.create('modulereleases', {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleRelease',
      metadata: {
        name: `demo-v${r.version}`,
        labels: { module: 'demo', source: 'example', 'modules.deckhouse.io/update-policy': 'demo' },
        ...(r.annotations ? { annotations: r.annotations } : {}),
      },
      spec: { moduleName: 'demo', version: r.version, ...(r.update ? { update: r.update } : {}) },
      ...(r.phase ? { status: { phase: r.phase } } : {}),
    });
  }
  return api;
}

const pass = (api: MemoryApi, ready = true): void => reconcileReleases(api, () => ready, platformFor());
const status = (api: MemoryApi, version: string): JsonMap =>
  (api.get('modulereleases', `demo-v${version}`)?.status ?? {}) as JsonMap;
const annotations = (api: MemoryApi, version: string): JsonMap =>
  (api.get('modulereleases', `demo-v${version}`)?.metadata.annotations ?? {}) as JsonMap;

describe('apply-now', () => {
  it('deploys a later release at once under Manual, outside its window, and is spent', () => {
    const api = cluster({ mode: 'Manual', windows: [{ from: '13:00', to: '14:00' }] }, [
      { version: '1.2.3', phase: 'Deployed' },
      { version: '1.3.0', annotations: { 'modules.deckhouse.io/apply-now': 'true' } },
    ]);
    pass(api);
    expect(status(api, '1.3.0')).toMatchObject({ phase: 'Deployed', message: '' });
    expect(annotations(api, '1.3.0')).not.toHaveProperty(['modules.deckhouse.io/apply-now']);
    expect(status(api, '1.2.3').phase).toBe('Superseded');
  });

  it('bypasses an Auto window for a minor but not the readiness of the module', () => {
    const api = cluster({ mode: 'Auto', windows: [{ from: '13:00', to: '14:00' }] }, [
      { version: '1.2.3', phase: 'Deployed' },
      { version: '1.3.0', annotations: { 'modules.deckhouse.io/apply-now': 'true' } },
    ]);
    pass(api, false);
    expect(status(api, '1.3.0')).toMatchObject({ phase: 'Pending', message: 'awaiting for module v1.2.3 to be ready' });
    pass(api);
    expect(status(api, '1.3.0').phase).toBe('Deployed');
  });

  it('reads only modules.deckhouse.io/apply-now (GetApplyNow of the current ModuleRelease type)', () => {
    const api = cluster({ mode: 'Manual' }, [
      { version: '1.2.3', phase: 'Deployed' },
      { version: '1.2.4', annotations: { 'release.deckhouse.io/apply-now': 'true' } },
    ]);
    pass(api);
    expect(status(api, '1.2.4')).toMatchObject({ phase: 'Pending', message: APPROVAL });
  });
});

describe('the first release of a module', () => {
  it('deploys under Manual because the source controller marked it apply-now', () => {
    const api = cluster({ mode: 'Manual' }, [
      { version: '1.0.0', annotations: { 'modules.deckhouse.io/apply-now': 'true' } },
    ]);
    pass(api, false);
    expect(status(api, '1.0.0')).toMatchObject({ phase: 'Deployed' });
  });

  it('waits for approval like any other once the annotation is gone', () => {
    const api = cluster({ mode: 'Manual' }, [{ version: '1.0.0' }]);
    pass(api);
    expect(status(api, '1.0.0')).toMatchObject({ phase: 'Pending', message: APPROVAL });
  });
});

describe('update windows per mode', () => {
  const windows = [{ from: '13:00', to: '14:00' }];
  it('AutoPatch: a patch waits for the window, a minor for approval only', () => {
    const deployed = { version: '1.2.3', phase: 'Deployed' };
    const patch = cluster({ mode: 'AutoPatch', windows }, [deployed, { version: '1.2.4' }]);
    pass(patch);
    const untilOne = 'Release is waiting for the update window until 16 Mar 2026 13:00 UTC';
    expect(status(patch, '1.2.4').message).toBe(untilOne);
    const minor = cluster({ mode: 'AutoPatch', windows }, [deployed, { version: '1.3.0' }]);
    pass(minor);
    expect(status(minor, '1.3.0').message).toBe(APPROVAL);
  });

  it('Auto: a minor waits for the window', () => {
    const api = cluster({ mode: 'Auto', windows }, [{ version: '1.2.3', phase: 'Deployed' }, { version: '1.3.0' }]);
    pass(api);
    expect(status(api, '1.3.0').message).toBe(`Release is waiting for the update window until 16 Mar 2026 13:00 UTC`);
    api.setNow(new Date('2026-03-16T13:05:00Z'));
    pass(api);
    expect(status(api, '1.3.0').phase).toBe('Deployed');
  });

  it('a canary delay (spec.applyAfter) and a window add up in the message', () => {
    const now = new Date('2026-03-16T10:00:00Z');
    const message = deployDelay({
      mode: 'Auto',
      windows,
      now,
      isPatch: true,
      applyNow: false,
      approved: false,
      applyAfter: new Date('2026-03-16T14:30:00Z'),
    });
    expect(message).toBe('Release is postponed, waiting for the update window until 17 Mar 2026 13:00 UTC');
  });
});

describe('steps between releases', () => {
  it('jumps to a from-to endpoint and skips the releases in between (golden from-to-jump.yaml)', () => {
    const api = cluster({ mode: 'Manual' }, [
      { version: '1.67.5', phase: 'Deployed' },
      { version: '1.68.4' },
      { version: '1.69.10' },
      {
        version: '1.75.2',
        annotations: { 'modules.deckhouse.io/approved': 'true' },
        update: { versions: [{ from: '1.67', to: '1.75' }] },
      },
    ]);
    pass(api);
    expect(status(api, '1.75.2')).toMatchObject({ phase: 'Deployed', approved: true });
    expect(status(api, '1.67.5').phase).toBe('Superseded');
    expect(status(api, '1.68.4')).toMatchObject({ phase: 'Skipped', message: '' });
    expect(status(api, '1.69.10')).toMatchObject({ phase: 'Skipped', message: '' });
  });

  it('holds a release two minors ahead and any major step but 0 → 1', () => {
    const api = cluster({ mode: 'Auto' }, [{ version: '1.2.3', phase: 'Deployed' }, { version: '1.4.0' }]);
    pass(api);
    const byOne = 'minor version is greater than deployed 1.2.3 by one';
    expect(status(api, '1.4.0')).toMatchObject({ phase: 'Pending', message: byOne });
    const major = cluster({ mode: 'Auto' }, [{ version: '1.2.3', phase: 'Deployed' }, { version: '2.0.0' }]);
    pass(major);
    const majorStep = 'major version is greater than deployed 1.2.3';
    expect(status(major, '2.0.0')).toMatchObject({ phase: 'Pending', message: majorStep });
    const first = cluster({ mode: 'Auto' }, [{ version: '0.9.1', phase: 'Deployed' }, { version: '1.0.0' }]);
    pass(first);
    expect(status(first, '1.0.0').phase).toBe('Deployed');
  });

  it('skips a Pending release older than a forced one, and one older than the deployed one', () => {
    const api = cluster({ mode: 'Manual' }, [
      { version: '1.2.3', phase: 'Deployed' },
      { version: '1.3.0' },
      { version: '1.4.0', annotations: { 'modules.deckhouse.io/force': 'true' } },
    ]);
    pass(api);
    expect(status(api, '1.3.0')).toMatchObject({ phase: 'Skipped', message: '' });
    expect(status(api, '1.4.0').phase).toBe('Deployed');
    const older = cluster({ mode: 'Auto' }, [{ version: '1.2.3', phase: 'Deployed' }, { version: '1.2.1' }]);
    pass(older);
    expect(status(older, '1.2.1').phase).toBe('Skipped');
  });
});
