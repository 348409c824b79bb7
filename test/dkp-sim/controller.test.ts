import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { defaultCatalog, EXAMPLE_REPO, MIRROR_REPO, type Catalog } from './catalog.ts';
import { createController, type SimController } from './controller.ts';
import { createMemoryApi, type MemoryApi } from './controller-memory-api.ts';
import type { JsonMap, Obj } from './types.ts';

interface Sim {
  api: MemoryApi;
  ctl: SimController;
}

function sim(catalog: Catalog = defaultCatalog()): Sim {
  const api = createMemoryApi();
  const ctl = createController(api, catalog, { tickMs: 10 });
  ctl.seed();
  return { api, ctl };
}

function addSource({ api, ctl }: Sim, name: string, repo: string): void {
  api.create('modulesources', {
    apiVersion: 'deckhouse.io/v1alpha1',
    kind: 'ModuleSource',
    metadata: { name },
    spec: { registry: { repo, scheme: 'HTTPS' } },
  });
  ctl.reconcileNow();
}

function setConfig({ api }: Sim, name: string, spec: JsonMap): void {
  if (api.get('moduleconfigs', name))
    api.update('moduleconfigs', name, (o) => {
      o.spec = spec;
    });
  else
    api.create('moduleconfigs', {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleConfig',
      metadata: { name },
      spec,
    });
}

const status = (o: Obj | undefined): JsonMap => (o?.status ?? {}) as JsonMap;
const phase = (s: Sim, module: string): unknown => status(s.api.get('modules', module)).phase;
const condition = (o: Obj | undefined, type: string): JsonMap | undefined =>
  ((status(o).conditions ?? []) as JsonMap[]).find((c) => c.type === type);

/** Run passes, recording the module's phase after each. */
function phases(s: Sim, module: string, passes: number): unknown[] {
  const seen: unknown[] = [];
  for (let i = 0; i < passes; i++) {
    s.ctl.reconcileNow();
    seen.push(phase(s, module));
  }
  return seen;
}

describe('seed', () => {
  it('creates the built-in deckhouse source (heritage, scanned) and the deckhouse/global ModuleConfigs', () => {
    const { api } = sim();
    const source = api.get('modulesources', 'deckhouse')!;
    expect(source.metadata.labels).toMatchObject({ heritage: 'deckhouse' });
    expect(status(source)).toEqual({ phase: 'Active', syncTime: '2026-03-16T10:00:00Z' });
    expect(api.get('moduleconfigs', 'deckhouse')!.spec).toMatchObject({
      settings: { releaseChannel: 'Stable', update: { mode: 'Auto' } },
    });
    expect(api.get('moduleconfigs', 'global')).toBeDefined();
  });
});

describe('ModuleSource scans', () => {
  it('lists the modules with versions, checksums and per-module pull errors, and claims finalizers', () => {
    const s = sim();
    addSource(s, 'example', EXAMPLE_REPO);
    const source = s.api.get('modulesources', 'example')!;
    const st = status(source);
    expect(st).toMatchObject({
      phase: 'Active',
      modulesCount: 4,
      message: 'Some errors occurred. Inspect status for details',
    });
    const modules = st.modules as JsonMap[];
    expect(modules.map((m) => m.name)).toEqual(['module-broken', 'module-faulty', 'module-one', 'module-two']);
    expect(modules[2]).toMatchObject({
      name: 'module-one',
      version: 'v0.7.24',
      checksum: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
    });
    expect(modules[0]).toMatchObject({
      version: 'unknown',
      pullError:
        'fetch image error: GET https://registry.example.com/v2/deckhouse/modules/module-broken/release/manifests/stable: MANIFEST_UNKNOWN: manifest unknown; map[Tag:stable]',
    });
    expect(source.metadata.finalizers).toEqual([
      'modules.deckhouse.io/release-exists',
      'modules.deckhouse.io/module-exists',
    ]);
    expect((source.metadata.annotations as JsonMap)['modules.deckhouse.io/registry-spec-checksum']).toMatch(
      /^[0-9a-f]{32}$/,
    );
  });

  it('reports a registry it cannot list at the source level', () => {
    const s = sim();
    addSource(s, 'typo', 'registry.example.com/deckhouse/modulez');
    expect(status(s.api.get('modulesources', 'typo'))).toMatchObject({
      phase: 'Active',
      message:
        'list tags: GET https://registry.example.com/v2/deckhouse/modulez/tags/list: NAME_UNKNOWN: repository name not known to registry; map[name:deckhouse/modulez]',
    });
  });

  it('does not rewrite anything on passes where nothing changed', () => {
    const s = sim();
    addSource(s, 'example', EXAMPLE_REPO);
    s.api.clearEvents();
    s.ctl.reconcileNow();
    s.ctl.reconcileNow();
    expect(s.api.events).toEqual([]);
  });

  it('rescans after the scan interval on the sim clock', () => {
    const s = sim();
    addSource(s, 'example', EXAMPLE_REPO);
    s.api.setNow(new Date('2026-03-16T10:03:00Z'));
    s.ctl.reconcileNow();
    expect(status(s.api.get('modulesources', 'example')).syncTime).toBe('2026-03-16T10:03:00Z');
  });
});

describe('Modules', () => {
  it('appear Available with their sources and the docs conditions', () => {
    const s = sim();
    addSource(s, 'example', EXAMPLE_REPO);
    const module = s.api.get('modules', 'module-one')!;
    expect(module.properties).toMatchObject({ availableSources: ['example'], weight: 910 });
    expect(status(module).phase).toBe('Available');
    expect(condition(module, 'EnabledByModuleConfig')).toMatchObject({
      status: 'False',
      reason: 'Disabled',
      message: 'disabled',
    });
    expect(condition(module, 'EnabledByModuleManager')).toMatchObject({ status: 'False' });
    expect(condition(module, 'IsReady')).toMatchObject({
      status: 'False',
      reason: 'NotInstalled',
      message: 'not installed',
    });
  });

  it('go Downloading → Installing → Ready once enabled, with a deployed release', () => {
    const s = sim();
    addSource(s, 'example', EXAMPLE_REPO);
    setConfig(s, 'module-one', { enabled: true });
    expect(phases(s, 'module-one', 4)).toEqual(['Available', 'Downloading', 'Installing', 'Ready']);
    const module = s.api.get('modules', 'module-one')!;
    expect(module.properties).toMatchObject({
      source: 'example',
      version: 'v0.7.24',
      weight: 910,
      releaseChannel: 'Stable',
    });
    expect(condition(module, 'IsReady')).toEqual(expect.objectContaining({ status: 'True' }));
    expect(condition(module, 'IsReady')!.reason).toBeUndefined();
    const release = s.api.get('modulereleases', 'module-one-v0.7.24')!;
    expect(status(release).phase).toBe('Deployed');
    expect(release.metadata.labels).toMatchObject({
      module: 'module-one',
      source: 'example',
      status: 'deployed',
      'modules.deckhouse.io/update-policy': '',
      'release-checksum': expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    expect(release.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'ModuleSource', name: 'example', controller: true }),
    ]);
    expect(release.spec).toMatchObject({ moduleName: 'module-one', version: '0.7.24', weight: 910 });
  });

  it('end in Error with IsReady reason HookError when the hooks fail', () => {
    const s = sim();
    addSource(s, 'example', EXAMPLE_REPO);
    setConfig(s, 'module-faulty', { enabled: true });
    expect(phases(s, 'module-faulty', 4)).toEqual(['Available', 'Downloading', 'Installing', 'Error']);
    const ready = condition(s.api.get('modules', 'module-faulty'), 'IsReady')!;
    expect(ready).toMatchObject({ status: 'False', reason: 'HookError' });
    expect(String(ready.message)).toContain("hook 'check_storage' failed");
  });

  it('stop in DownloadingError or Error where the catalog says the download or install fails', () => {
    const catalog = defaultCatalog();
    const example = catalog.registries.find((r) => r.repo === EXAMPLE_REPO)!;
    example.modules.push({ name: 'dl-fail', channels: { Stable: ['1.0.0'] }, failAt: 'Downloading' });
    example.modules.push({ name: 'install-fail', channels: { Stable: ['1.0.0'] }, failAt: 'Installing' });
    const s = sim(catalog);
    addSource(s, 'example', EXAMPLE_REPO);
    setConfig(s, 'dl-fail', { enabled: true });
    setConfig(s, 'install-fail', { enabled: true });
    expect(phases(s, 'dl-fail', 3)).toEqual(['Available', 'DownloadingError', 'DownloadingError']);
    expect(phases(s, 'install-fail', 3)).toEqual(['Error', 'Error', 'Error']);
    expect(condition(s.api.get('modules', 'install-fail'), 'IsReady')).toMatchObject({ reason: 'ModuleError' });
  });

  it('stay Available while the enabled module cannot be pulled', () => {
    const s = sim();
    addSource(s, 'example', EXAMPLE_REPO);
    setConfig(s, 'module-broken', { enabled: true });
    expect(phases(s, 'module-broken', 3)).toEqual(['Available', 'Available', 'Available']);
    expect(condition(s.api.get('modules', 'module-broken'), 'EnabledByModuleConfig')).toMatchObject({ status: 'True' });
    expect(s.api.list('modulereleases')).toEqual([]);
  });

  it('go Conflict when several sources offer an enabled module, until a source is chosen', () => {
    const s = sim();
    addSource(s, 'example', EXAMPLE_REPO);
    addSource(s, 'mirror', MIRROR_REPO);
    setConfig(s, 'module-one', { enabled: true });
    s.ctl.reconcileNow();
    const module = s.api.get('modules', 'module-one')!;
    expect(module.properties).toMatchObject({ availableSources: ['example', 'mirror'] });
    expect(status(module).phase).toBe('Conflict');
    expect(condition(module, 'EnabledByModuleManager')).toMatchObject({
      status: 'False',
      reason: 'Conflict',
      message: 'several available sources',
    });
    expect(status(s.api.get('moduleconfigs', 'module-one'))).toMatchObject({
      message: 'several available sources: example, mirror',
    });
    expect(s.api.list('modulereleases')).toEqual([]);

    setConfig(s, 'module-one', { enabled: true, source: 'mirror' });
    expect(phases(s, 'module-one', 4)).toEqual(['Available', 'Downloading', 'Installing', 'Ready']);
    expect(s.api.get('modules', 'module-one')!.properties).toMatchObject({ source: 'mirror', version: 'v0.8.0' });
  });

  it('go back to Available when disabled, their Pending releases deleted', () => {
    const s = sim();
    addSource(s, 'example', EXAMPLE_REPO);
    s.api.create('moduleupdatepolicies', {
      apiVersion: 'deckhouse.io/v1alpha2',
      kind: 'ModuleUpdatePolicy',
      metadata: { name: 'manual' },
      spec: { update: { mode: 'Manual' } },
    });
    setConfig(s, 'module-two', { enabled: true, updatePolicy: 'manual' });
    phases(s, 'module-two', 4);
    s.ctl.publish({ repo: EXAMPLE_REPO, module: 'module-two', version: '1.2.6' });
    s.ctl.reconcileNow();
    expect(status(s.api.get('modulereleases', 'module-two-v1.2.6')).phase).toBe('Pending');

    setConfig(s, 'module-two', { enabled: false, updatePolicy: 'manual' });
    s.ctl.reconcileNow();
    expect(s.api.get('modulereleases', 'module-two-v1.2.6')).toBeUndefined();
    expect(status(s.api.get('modulereleases', 'module-two-v1.2.3')).phase).toBe('Deployed');
    expect(phase(s, 'module-two')).toBe('Available');
  });
});

describe('ModuleConfig status', () => {
  it('says Ignored: unknown module name for a module no source offers', () => {
    const s = sim();
    setConfig(s, 'helo-world', { enabled: false });
    s.ctl.reconcileNow();
    const mc = s.api.get('moduleconfigs', 'helo-world')!;
    expect(mc.status).toEqual({ version: '', message: 'Ignored: unknown module name' });
    expect(mc.metadata.finalizers).toBeUndefined();
  });

  it('reports the settings version, holds a finalizer and drops the one-shot allow-disabling annotation', () => {
    const s = sim();
    addSource(s, 'example', EXAMPLE_REPO);
    s.api.create('moduleconfigs', {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleConfig',
      metadata: { name: 'module-two', annotations: { 'modules.deckhouse.io/allow-disabling': 'true' } },
      spec: { enabled: false, version: 1 },
    });
    s.ctl.reconcileNow();
    const mc = s.api.get('moduleconfigs', 'module-two')!;
    expect(mc.status).toEqual({ version: '1', message: '' });
    expect(mc.metadata.finalizers).toEqual(['modules.deckhouse.io/module-registered']);
    expect(mc.metadata.annotations).toBeUndefined();

    s.api.remove('moduleconfigs', 'module-two');
    expect(s.api.get('moduleconfigs', 'module-two')!.metadata.deletionTimestamp).toBeDefined();
    s.ctl.reconcileNow();
    expect(s.api.get('moduleconfigs', 'module-two')).toBeUndefined();
  });
});

describe('ModuleSource deletion', () => {
  it('is held while a release of the source is deployed, and completes once none is', () => {
    const s = sim();
    addSource(s, 'example', EXAMPLE_REPO);
    addSource(s, 'mirror', MIRROR_REPO);
    setConfig(s, 'module-one', { enabled: true, source: 'example' });
    phases(s, 'module-one', 4);
    s.api.remove('modulesources', 'example');
    s.ctl.reconcileNow();
    expect(status(s.api.get('modulesources', 'example'))).toMatchObject({
      phase: 'Terminating',
      message:
        'The source contains at least 1 deployed release and cannot be deleted. Please delete target ModuleReleases manually to continue',
    });

    setConfig(s, 'module-one', { enabled: true, source: 'mirror' });
    s.ctl.reconcileNow();
    expect(status(s.api.get('modulereleases', 'module-one-v0.7.24')).phase).toBe('Superseded');
    phases(s, 'module-one', 2);
    expect(status(s.api.get('modulereleases', 'module-one-v0.8.0')).phase).toBe('Deployed');
    expect(s.api.get('modulesources', 'example')).toBeUndefined();
    expect(s.api.get('modulereleases', 'module-one-v0.7.24')).toBeUndefined();
  });
});

describe('the ticking controller', () => {
  it('works on its own clock, stays quiet when idle and picks up a publish', async () => {
    const api = createMemoryApi();
    const ctl = createController(api, defaultCatalog(), { tickMs: 5 });
    ctl.seed();
    api.create('modulesources', {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleSource',
      metadata: { name: 'example' },
      spec: { registry: { repo: EXAMPLE_REPO } },
    });
    api.create('moduleconfigs', {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleConfig',
      metadata: { name: 'module-one' },
      spec: { enabled: true },
    });
    ctl.start();
    try {
      const deadline = Date.now() + 5000;
      while (
        (api.get('modules', 'module-one')?.status as JsonMap | undefined)?.phase !== 'Ready' &&
        Date.now() < deadline
      )
        await sleep(10);
      expect((api.get('modules', 'module-one')!.status as JsonMap).phase).toBe('Ready');

      await sleep(50);
      api.clearEvents();
      await sleep(100);
      expect(api.events).toEqual([]);

      ctl.publish({ repo: EXAMPLE_REPO, module: 'module-one', version: '0.7.25' });
      while (!api.get('modulereleases', 'module-one-v0.7.25') && Date.now() < deadline) await sleep(10);
      expect(api.get('modulereleases', 'module-one-v0.7.25')).toBeDefined();
    } finally {
      ctl.stop();
    }
  });
});
