/**
 * What the simulated controllers' full Updates do to an object: it goes through Deckhouse's Go
 * types. ModuleSource `spec.scanInterval` is a `*metav1.Duration` (deckhouse-controller/pkg/
 * apis/deckhouse.io/v1alpha1/module_source.go), so `5m` comes back `5m0s`; ModuleConfig
 * `spec.settings: {}` is dropped only where the type is an omitempty map (older
 * `SettingsValues map[string]interface{}`; the current `*MappedFields` keeps it).
 */
import { describe, expect, it } from 'vitest';
import { defaultCatalog, EXAMPLE_REPO } from './catalog.ts';
import { createController } from './controller.ts';
import { createMemoryApi } from './controller-memory-api.ts';
import { goDuration } from './duration.ts';
import type { JsonMap } from './types.ts';

describe('Go duration round trip', () => {
  it('prints what time.Duration.String() prints', () => {
    expect(['5m', '90s', '1h', '6h30m', '0s', '3m0s', 'soon'].map(goDuration)).toEqual([
      '5m0s',
      '1m30s',
      '1h0m0s',
      '6h30m0s',
      '0s',
      '3m0s',
      undefined,
    ]);
  });
});

describe('controller write-backs', () => {
  it('the ModuleSource Update that adds the checksum annotation turns 5m into 5m0s', () => {
    const api = createMemoryApi();
    const ctl = createController(api, defaultCatalog(), { tickMs: 10 });
    api.create('modulesources', {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleSource',
      metadata: { name: 'example' },
      spec: { scanInterval: '5m', registry: { repo: EXAMPLE_REPO } },
    });
    ctl.reconcileNow();
    const source = api.get('modulesources', 'example')!;
    expect(source.metadata.annotations).toHaveProperty(['modules.deckhouse.io/registry-spec-checksum']);
    expect((source.spec as JsonMap).scanInterval).toBe('5m0s');
  });

  it('no write, no rewrite: a source the controller has nothing to change keeps its text', () => {
    const api = createMemoryApi();
    const ctl = createController(api, defaultCatalog(), { tickMs: 10 });
    api.create('modulesources', {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleSource',
      metadata: { name: 'example' },
      spec: { registry: { repo: EXAMPLE_REPO } },
    });
    ctl.reconcileNow();
    api.update('modulesources', 'example', (o) => {
      (o.spec as JsonMap).scanInterval = '10m';
    });
    ctl.reconcileNow();
    expect((api.get('modulesources', 'example')!.spec as JsonMap).scanInterval).toBe('10m');
  });

  it('settings: {} survives the current types and is dropped by the omitempty map ones', () => {
    for (const [settingsOmitEmpty, expected] of [
      [false, {}],
      [true, undefined],
    ] as const) {
      const api = createMemoryApi();
      const ctl = createController(api, defaultCatalog(), { tickMs: 10, writeBack: { settingsOmitEmpty } });
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
        metadata: { name: 'module-one' },
        spec: { enabled: false, settings: {} },
      });
      ctl.reconcileNow(); // the finalizer is added by a full Update
      const mc = api.get('moduleconfigs', 'module-one')!;
      expect(mc.metadata.finalizers).toEqual(['modules.deckhouse.io/module-registered']);
      expect((mc.spec as JsonMap).settings).toEqual(expected);
    }
  });
});
