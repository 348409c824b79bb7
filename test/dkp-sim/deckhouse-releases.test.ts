import { describe, expect, it } from 'vitest';
import { defaultCatalog, EXAMPLE_REPO, MIRROR_REPO } from './catalog.ts';
import { createController, type SimController } from './controller.ts';
import { createMemoryApi, type MemoryApi } from './controller-memory-api.ts';
import type { JsonMap, Obj } from './types.ts';

const APPROVAL = `Release is waiting for the 'modules.deckhouse.io/approved: "true"' annotation`;

interface Sim {
  api: MemoryApi;
  ctl: SimController;
  run(passes?: number): void;
  release(name: string): Obj | undefined;
  releaseStatus(name: string): JsonMap;
  approve(name: string): void;
  publish(...versions: string[]): void;
}

/** module-two from the example source, enabled under `policy` (a MUP spec, or the embedded policy when undefined), deployed at 1.2.3 and Ready. */
function enabledModuleTwo(policy?: JsonMap, start?: Date): Sim {
  const api = createMemoryApi(start);
  const ctl = createController(api, defaultCatalog(), { tickMs: 10 });
  ctl.seed();
  api.create('modulesources', {
    apiVersion: 'deckhouse.io/v1alpha1',
    kind: 'ModuleSource',
    metadata: { name: 'example' },
    spec: { registry: { repo: EXAMPLE_REPO } },
  });
  const spec: JsonMap = { enabled: true };
  if (policy) {
    api.create('moduleupdatepolicies', {
      apiVersion: 'deckhouse.io/v1alpha2',
      kind: 'ModuleUpdatePolicy',
      metadata: { name: 'policy' },
      spec: policy,
    });
    spec.updatePolicy = 'policy';
  }
  ctl.reconcileNow();
  api.create('moduleconfigs', {
    apiVersion: 'deckhouse.io/v1alpha1',
    kind: 'ModuleConfig',
    metadata: { name: 'module-two' },
    spec,
  });
  const sim: Sim = {
    api,
    ctl,
    run(passes = 1) {
      for (let i = 0; i < passes; i++) ctl.reconcileNow();
    },
    release: (name) => api.get('modulereleases', name),
    releaseStatus: (name) => (api.get('modulereleases', name)?.status ?? {}) as JsonMap,
    approve(name) {
      api.update('modulereleases', name, (o) => {
        o.metadata.annotations = {
          ...((o.metadata.annotations ?? {}) as JsonMap),
          'modules.deckhouse.io/approved': 'true',
        };
      });
    },
    publish(...versions) {
      for (const version of versions) ctl.publish({ repo: EXAMPLE_REPO, module: 'module-two', version });
    },
  };
  sim.run(4);
  expect(sim.releaseStatus('module-two-v1.2.3').phase).toBe('Deployed');
  expect((api.get('modules', 'module-two')!.status as JsonMap).phase).toBe('Ready');
  return sim;
}

describe('first release', () => {
  it('deploys the channel version at once whatever the policy says', () => {
    const sim = enabledModuleTwo({ update: { mode: 'Manual' } });
    expect(sim.release('module-two-v1.2.3')!.metadata.labels).toMatchObject({
      'modules.deckhouse.io/update-policy': 'policy',
      status: 'deployed',
    });
    expect(sim.release('module-two-v1.2.3')!.metadata.annotations).toEqual({
      'modules.deckhouse.io/change-cause': 'check release (no releases in cluster)',
    });
  });
});

describe('Auto', () => {
  it('deploys a published version on the next pass and supersedes the previous one', () => {
    const sim = enabledModuleTwo();
    sim.publish('1.2.6');
    sim.run();
    expect(sim.releaseStatus('module-two-v1.2.6')).toMatchObject({ phase: 'Deployed', message: '' });
    expect(sim.releaseStatus('module-two-v1.2.3').phase).toBe('Superseded');
    expect(sim.release('module-two-v1.2.3')!.metadata.labels).toMatchObject({ status: 'superseded' });
    sim.run(3);
    expect(sim.api.get('modules', 'module-two')!.properties).toMatchObject({ version: 'v1.2.6' });
  });

  it('waits for the update window, then deploys inside it', () => {
    const sim = enabledModuleTwo({
      releaseChannel: 'Stable',
      update: { mode: 'Auto', windows: [{ days: ['Mon', 'Wed'], from: '13:30', to: '14:00' }] },
    });
    sim.publish('1.2.6');
    sim.run();
    // 2026-03-16 is a Monday, 10:00 UTC
    const message = 'Release is waiting for the update window until 16 Mar 2026 13:30 UTC'; // deploy_delay_reason.go
    expect(sim.releaseStatus('module-two-v1.2.6')).toMatchObject({ phase: 'Pending', message });
    sim.api.setNow(new Date('2026-03-16T13:31:00Z'));
    sim.run();
    expect(sim.releaseStatus('module-two-v1.2.6').phase).toBe('Deployed');
  });

  it('walks every minor (the newest patch of the current one first), each step once the module is Ready', () => {
    const sim = enabledModuleTwo();
    sim.publish('1.3.0', '1.4.0');
    sim.run();
    // 1.2.5 is in the registry (on Alpha): the chain to Stable's 1.4.0 passes through it
    expect(sim.api.list('modulereleases').map((r) => r.metadata.name)).toEqual([
      'module-two-v1.2.3',
      'module-two-v1.2.5',
      'module-two-v1.3.0',
      'module-two-v1.4.0',
    ]);
    expect(sim.releaseStatus('module-two-v1.2.5').phase).toBe('Deployed');
    expect(sim.releaseStatus('module-two-v1.3.0')).toMatchObject({
      phase: 'Pending',
      message: 'awaiting for module v1.2.5 to be ready',
    });
    // task_calculator.go: a queued release repeats the message of the one before it when that one is awaiting
    expect(sim.releaseStatus('module-two-v1.4.0')).toMatchObject({
      phase: 'Pending',
      message: 'awaiting for module v1.2.5 to be ready',
    });
    sim.run(3);
    expect(sim.releaseStatus('module-two-v1.3.0').phase).toBe('Deployed');
    expect(sim.releaseStatus('module-two-v1.4.0')).toMatchObject({
      phase: 'Pending',
      message: 'awaiting for module v1.3.0 to be ready',
    });
    sim.run(3);
    expect(sim.releaseStatus('module-two-v1.4.0').phase).toBe('Deployed');
    expect(sim.releaseStatus('module-two-v1.3.0').phase).toBe('Superseded');
  });
});

describe('upgrade phases', () => {
  it('reinstall a running module through Downloading → Reconciling → Ready', () => {
    const sim = enabledModuleTwo();
    sim.publish('1.2.6');
    const seen: unknown[] = [];
    for (let i = 0; i < 4; i++) {
      sim.run();
      seen.push((sim.api.get('modules', 'module-two')!.status as JsonMap).phase);
    }
    expect(seen).toEqual(['Ready', 'Downloading', 'Reconciling', 'Ready']);
  });
});

describe('force', () => {
  it('deploys a forced release past the queue and skips the older Pending one', () => {
    const sim = enabledModuleTwo({ update: { mode: 'Manual' } });
    sim.publish('1.3.0');
    sim.run();
    // the chain to 1.3.0 passes through 1.2.5, the newest patch of the deployed minor
    expect(sim.releaseStatus('module-two-v1.3.0')).toMatchObject({
      phase: 'Pending',
      message: 'awaiting for v1.2.5 release to be deployed',
    });
    sim.api.update('modulereleases', 'module-two-v1.3.0', (o) => {
      o.metadata.annotations = { ...((o.metadata.annotations ?? {}) as JsonMap), 'modules.deckhouse.io/force': 'true' };
    });
    sim.run();
    expect(sim.releaseStatus('module-two-v1.3.0').phase).toBe('Deployed');
    expect(sim.release('module-two-v1.3.0')!.metadata.annotations).not.toHaveProperty(['modules.deckhouse.io/force']);
    expect(sim.releaseStatus('module-two-v1.2.3').phase).toBe('Superseded');
    sim.run();
    expect(sim.releaseStatus('module-two-v1.2.5')).toMatchObject({ phase: 'Skipped', message: '' });
    expect(sim.release('module-two-v1.2.5')!.metadata.labels).toMatchObject({ status: 'skipped' });
  });
});

describe('switching the source', () => {
  it('creates the next release from the new source, under the module policy', () => {
    const api = createMemoryApi();
    const ctl = createController(api, defaultCatalog(), { tickMs: 10 });
    ctl.seed();
    for (const [name, repo] of [
      ['example', EXAMPLE_REPO],
      ['mirror', MIRROR_REPO],
    ] as const) {
      api.create('modulesources', {
        apiVersion: 'deckhouse.io/v1alpha1',
        kind: 'ModuleSource',
        metadata: { name },
        spec: { registry: { repo } },
      });
    }
    api.create('moduleupdatepolicies', {
      apiVersion: 'deckhouse.io/v1alpha2',
      kind: 'ModuleUpdatePolicy',
      metadata: { name: 'manual' },
      spec: { update: { mode: 'Manual' } },
    });
    ctl.reconcileNow();
    api.create('moduleconfigs', {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleConfig',
      metadata: { name: 'module-one' },
      spec: { enabled: true, source: 'example', updatePolicy: 'manual' },
    });
    for (let i = 0; i < 4; i++) ctl.reconcileNow();
    api.update('moduleconfigs', 'module-one', (o) => {
      (o.spec as JsonMap).source = 'mirror';
    });
    ctl.reconcileNow();

    const release = api.get('modulereleases', 'module-one-v0.8.0')!;
    expect(release.metadata.labels).toMatchObject({ source: 'mirror', 'modules.deckhouse.io/update-policy': 'manual' });
    expect(release.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'ModuleSource', name: 'mirror' }),
    ]);
    expect(release.status).toMatchObject({ phase: 'Pending', message: APPROVAL });
    expect(api.get('modules', 'module-one')!.properties).toMatchObject({
      source: 'example',
      updatePolicy: 'manual',
      availableSources: ['example', 'mirror'],
    });
  });
});

describe('Manual', () => {
  it('leaves every new release Pending until the approval annotation, mirrored into status.approved', () => {
    const sim = enabledModuleTwo({ update: { mode: 'Manual' } });
    sim.publish('1.2.4');
    sim.run(2);
    expect(sim.releaseStatus('module-two-v1.2.4')).toMatchObject({
      phase: 'Pending',
      approved: false,
      message: APPROVAL,
    });
    expect(sim.release('module-two-v1.2.4')!.metadata.labels).toMatchObject({
      module: 'module-two',
      source: 'example',
      'modules.deckhouse.io/update-policy': 'policy',
    });

    sim.approve('module-two-v1.2.4');
    sim.run();
    expect(sim.releaseStatus('module-two-v1.2.4')).toMatchObject({ phase: 'Deployed', approved: true });
    expect(sim.releaseStatus('module-two-v1.2.3').phase).toBe('Superseded');
  });

  it('skips a Pending patch once a newer patch of the same minor arrives; the newer one waits instead', () => {
    const sim = enabledModuleTwo({ update: { mode: 'Manual' } });
    sim.publish('1.2.4');
    sim.run();
    expect(sim.releaseStatus('module-two-v1.2.4')).toMatchObject({ phase: 'Pending', message: APPROVAL });
    sim.publish('1.2.5');
    sim.run();
    // task_calculator.go: the next release is the same minor, so this one is Skip (no message)
    expect(sim.releaseStatus('module-two-v1.2.4')).toMatchObject({ phase: 'Skipped', message: '' });
    expect(sim.release('module-two-v1.2.4')!.metadata.labels).toMatchObject({ status: 'skipped' });
    expect(sim.releaseStatus('module-two-v1.2.5')).toMatchObject({
      phase: 'Pending',
      approved: false,
      message: APPROVAL,
    });
    sim.approve('module-two-v1.2.5');
    sim.run();
    expect(sim.releaseStatus('module-two-v1.2.5')).toMatchObject({ phase: 'Deployed', approved: true });
    expect(sim.releaseStatus('module-two-v1.2.3').phase).toBe('Superseded');
  });

  it("holds a minor behind the Pending one before it, with that one's message when it is awaiting", () => {
    const sim = enabledModuleTwo({ update: { mode: 'Manual' } });
    sim.publish('1.3.0', '1.4.0');
    sim.run();
    expect(sim.releaseStatus('module-two-v1.2.5')).toMatchObject({ phase: 'Pending', message: APPROVAL });
    expect(sim.releaseStatus('module-two-v1.3.0')).toMatchObject({
      phase: 'Pending',
      message: 'awaiting for v1.2.5 release to be deployed',
    });
    expect(sim.releaseStatus('module-two-v1.4.0')).toMatchObject({
      phase: 'Pending',
      message: 'awaiting for v1.2.5 release to be deployed',
    });
  });

  it('ignores update windows: the approval is the only gate (deploy_time_checker.go)', () => {
    const sim = enabledModuleTwo({ update: { mode: 'Manual', windows: [{ from: '13:00', to: '15:00' }] } });
    sim.publish('1.2.4');
    sim.run();
    expect(sim.releaseStatus('module-two-v1.2.4').message).toBe(APPROVAL);
    sim.approve('module-two-v1.2.4');
    sim.run(); // 10:00 UTC, outside the window
    expect(sim.releaseStatus('module-two-v1.2.4').phase).toBe('Deployed');
  });
});

describe('AutoPatch', () => {
  it('deploys patches by itself and holds a minor for approval', () => {
    const sim = enabledModuleTwo({ update: { mode: 'AutoPatch' } });
    sim.publish('1.2.4');
    sim.run();
    expect(sim.releaseStatus('module-two-v1.2.4').phase).toBe('Deployed');
    sim.run(3);
    sim.publish('1.3.0');
    sim.run(4);
    expect(sim.releaseStatus('module-two-v1.2.5').phase).toBe('Deployed');
    expect(sim.releaseStatus('module-two-v1.3.0')).toMatchObject({ phase: 'Pending', message: APPROVAL });
    sim.approve('module-two-v1.3.0');
    sim.run();
    expect(sim.releaseStatus('module-two-v1.3.0').phase).toBe('Deployed');
  });
});

describe('requirements', () => {
  it('keep a release Pending while the platform version does not satisfy them', () => {
    const catalog = defaultCatalog();
    const example = catalog.registries.find((r) => r.repo === EXAMPLE_REPO)!;
    example.modules.push({
      name: 'future',
      channels: { Stable: ['2.0.0'] },
      requirements: { deckhouse: '>= v1.80.0', kubernetes: '> 1.25' },
    });
    example.modules.push({ name: 'old-k8s', channels: { Stable: ['1.0.0'] }, requirements: { kubernetes: '< 1.30' } });
    const api = createMemoryApi();
    const ctl = createController(api, catalog, { tickMs: 10 });
    ctl.seed();
    api.create('modulesources', {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleSource',
      metadata: { name: 'example' },
      spec: { registry: { repo: EXAMPLE_REPO } },
    });
    ctl.reconcileNow();
    for (const name of ['future', 'old-k8s']) {
      api.create('moduleconfigs', {
        apiVersion: 'deckhouse.io/v1alpha1',
        kind: 'ModuleConfig',
        metadata: { name },
        spec: { enabled: true },
      });
    }
    ctl.reconcileNow();
    expect(api.get('modulereleases', 'future-v2.0.0')!.status).toMatchObject({
      phase: 'Pending',
      message: 'requirements are not satisfied: current deckhouse version is not suitable: 1.75.0 is less than v1.80.0',
    });
    expect(api.get('modulereleases', 'old-k8s-v1.0.0')!.status).toMatchObject({
      phase: 'Pending',
      message:
        'requirements are not satisfied: current kubernetes version is not suitable: 1.32.4 is greater than or equal to 1.30',
    });
  });

  it('checks the requirements against the Deckhouse version the sim serves', () => {
    const catalog = defaultCatalog();
    const example = catalog.registries.find((r) => r.repo === EXAMPLE_REPO)!;
    example.modules.push({
      name: 'needs-172',
      channels: { Stable: ['1.0.0'] },
      requirements: { deckhouse: '>= 1.72' },
    });
    const api = createMemoryApi();
    const ctl = createController(api, catalog, { tickMs: 10, deckhouseVersion: '1.70' });
    ctl.seed();
    api.create('modulesources', {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleSource',
      metadata: { name: 'example' },
      spec: { registry: { repo: EXAMPLE_REPO } },
    });
    ctl.reconcileNow();
    api.create('moduleconfigs', {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleConfig',
      metadata: { name: 'needs-172' },
      spec: { enabled: true },
    });
    ctl.reconcileNow();
    expect(api.get('modulereleases', 'needs-172-v1.0.0')!.status).toMatchObject({
      phase: 'Pending',
      message: 'requirements are not satisfied: current deckhouse version is not suitable: 1.70.0 is less than 1.72',
    });
  });
});

describe('policy lookup', () => {
  it('says when the policy a release is labelled with no longer exists', () => {
    const sim = enabledModuleTwo({ update: { mode: 'Manual' } });
    sim.publish('1.2.4');
    sim.run();
    sim.api.update('moduleconfigs', 'module-two', (o) => {
      delete (o.spec as JsonMap).updatePolicy;
    });
    sim.api.remove('moduleupdatepolicies', 'policy');
    sim.run();
    expect(sim.releaseStatus('module-two-v1.2.4')).toMatchObject({
      phase: 'Pending',
      message: 'Update policy policy not found',
    });
  });

  it('re-resolves and writes the policy label when a user removed it', () => {
    const sim = enabledModuleTwo({ update: { mode: 'Manual' } });
    sim.publish('1.2.4');
    sim.run();
    sim.api.update('modulereleases', 'module-two-v1.2.4', (o) => {
      delete (o.metadata.labels as JsonMap)['modules.deckhouse.io/update-policy'];
    });
    sim.run();
    expect(sim.release('module-two-v1.2.4')!.metadata.labels).toMatchObject({
      'modules.deckhouse.io/update-policy': 'policy',
    });
  });
});
