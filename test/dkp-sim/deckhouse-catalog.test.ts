import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { channelHead, channelVersions, defaultCatalog, EXAMPLE_REPO, loadCatalog, publishVersion } from './catalog.ts';
import { createController } from './controller.ts';
import { createMemoryApi } from './controller-memory-api.ts';
import type { JsonMap } from './types.ts';

const exampleYaml = readFileSync(new URL('./catalog.example.yaml', import.meta.url), 'utf8');

describe('catalog', () => {
  it('matches the docs example by default: module-one 0.7.23/0.7.24 and module-two 1.2.x', () => {
    const registry = defaultCatalog().registries.find((r) => r.repo === EXAMPLE_REPO)!;
    const one = registry.modules.find((m) => m.name === 'module-one')!;
    const two = registry.modules.find((m) => m.name === 'module-two')!;
    expect(channelVersions(one, 'Stable')).toEqual(['0.7.23', '0.7.24']);
    expect(channelVersions(two, 'Alpha')).toEqual(['1.2.0', '1.2.1', '1.2.3', '1.2.4', '1.2.5']);
    expect(channelHead(two, 'Stable')).toBe('1.2.3');
    expect(channelHead(two, 'RockSolid')).toBeUndefined();
  });

  it('loads the documented example file', () => {
    const catalog = loadCatalog(exampleYaml);
    const acme = catalog.registries.find((r) => r.repo === 'registry.acme.example/dkp/modules')!;
    const hello = acme.modules.find((m) => m.name === 'hello-world')!;
    expect(channelHead(hello, 'Alpha')).toBe('1.5.0');
    expect(channelHead(hello, 'Stable')).toBe('1.4.2');
    expect(acme.modules.find((m) => m.name === 'acme-metrics')!.failAt).toBe('Installing');
  });

  it('rejects malformed catalogs with the offending path', () => {
    expect(() => loadCatalog('modules: []')).toThrow('catalog: `registries` must be a list');
    expect(() => loadCatalog('registries: [{modules: []}]')).toThrow(
      'catalog: registries[0].repo must be a non-empty string',
    );
    expect(() => loadCatalog('registries: [{repo: r, modules: [{name: m, channels: {Nightly: ["1.0.0"]}}]}]')).toThrow(
      'catalog: registries[0].modules[0].channels.Nightly is not a release channel',
    );
    expect(() => loadCatalog('registries: [{repo: r, modules: [{name: m, channels: {Stable: ["1.0"]}}]}]')).toThrow(
      'catalog: registries[0].modules[0].channels.Stable: "1.0" is not a semver version',
    );
  });

  it('publishes versions into a channel and refuses unknown registries or channels', () => {
    const catalog = defaultCatalog();
    const before = catalog.revision;
    expect(publishVersion(catalog, { repo: EXAMPLE_REPO, module: 'module-one', version: 'v0.7.25' }).ok).toBe(true);
    expect(catalog.revision).toBe(before + 1);
    const one = catalog.registries.find((r) => r.repo === EXAMPLE_REPO)!.modules.find((m) => m.name === 'module-one')!;
    expect(channelHead(one, 'Stable')).toBe('0.7.25');
    expect(publishVersion(catalog, { repo: 'nope', module: 'm', version: '1.0.0' })).toEqual({
      ok: false,
      message: 'unknown registry "nope"',
    });
    expect(publishVersion(catalog, { repo: EXAMPLE_REPO, module: 'm', version: '1.0.0', channel: 'Nightly' }).ok).toBe(
      false,
    );
    expect(publishVersion(catalog, { repo: EXAMPLE_REPO, module: 'new-one', version: '1.0.0' }).ok).toBe(true);
  });

  it('drives the controller: channel heads per policy, registry errors, publish → new release', () => {
    const api = createMemoryApi();
    const ctl = createController(api, loadCatalog(exampleYaml), { tickMs: 10 });
    ctl.seed();
    api.create('moduleupdatepolicies', {
      apiVersion: 'deckhouse.io/v1alpha2',
      kind: 'ModuleUpdatePolicy',
      metadata: { name: 'alpha' },
      spec: { releaseChannel: 'Alpha', update: { mode: 'Auto' } },
    });
    api.create('moduleconfigs', {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleConfig',
      metadata: { name: 'hello-world' },
      spec: { enabled: true, updatePolicy: 'alpha' },
    });
    for (const [name, repo] of [
      ['acme', 'registry.acme.example/dkp/modules'],
      ['down', 'registry.down.example/modules'],
    ] as const) {
      api.create('modulesources', {
        apiVersion: 'deckhouse.io/v1alpha1',
        kind: 'ModuleSource',
        metadata: { name },
        spec: { registry: { repo } },
      });
    }
    ctl.reconcileNow();
    const modules = (api.get('modulesources', 'acme')!.status as JsonMap).modules as JsonMap[];
    expect(modules.find((m) => m.name === 'hello-world')).toMatchObject({ version: 'v1.5.0', policy: 'alpha' });
    expect((api.get('modulesources', 'down')!.status as JsonMap).message).toContain('connection refused');
    expect(api.get('modulereleases', 'hello-world-v1.5.0')).toBeDefined();

    ctl.publish({
      repo: 'registry.acme.example/dkp/modules',
      module: 'hello-world',
      version: '1.5.1',
      channel: 'Alpha',
    });
    ctl.reconcileNow();
    expect(api.get('modulereleases', 'hello-world-v1.5.1')).toBeDefined();
  });
});
