// ModuleSource rules the planner and guard rely on: the controller's rewritten durations are
// not drift, a registry switch is destructive, a credential rotation is not.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/core/object.ts';
import { moduleSourceHandler, parseGoDuration, sameDuration } from '../../src/kinds/module-source.ts';
import { handlerFor, HANDLERS } from '../../src/kinds/registry.ts';

function ms(registry: Record<string, unknown>, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'deckhouse.io/v1alpha1',
    kind: 'ModuleSource',
    metadata: { name: 'acme' },
    spec: { registry, ...extra } as KubeObject['spec'],
  };
}

describe('Go durations', () => {
  it.each([
    ['6h30m', 6.5 * 3600e9],
    ['6h30m0s', 6.5 * 3600e9],
    ['90s', 90e9],
    ['1.5h', 1.5 * 3600e9],
    ['1m30s', 90e9],
    ['500ms', 500e6],
    // Go's time.ParseDuration takes both micro signs (U+00B5 and U+03BC).
    ['1\u00b5s', 1e3],
    ['2\u03bcs3ns', 2003],
    ['0', 0],
  ])('%s', (text, ns) => {
    expect(parseGoDuration(text)).toBe(ns);
  });

  it('rejects what Go rejects', () => {
    for (const bad of ['', '5', '5 minutes', 'h', '1d']) expect(parseGoDuration(bad), bad).toBeUndefined();
  });

  it('compares by value, else as strings', () => {
    expect(sameDuration('6h30m', '6h30m0s')).toBe(true);
    expect(sameDuration('90s', '1m30s')).toBe(true);
    expect(sameDuration('5m', '6m')).toBe(false);
    expect(sameDuration('weird', 'weird')).toBe(true);
  });
});

describe('moduleSourceHandler', () => {
  it('is registered for ModuleSource and writes v1alpha1', () => {
    expect(handlerFor('ModuleSource')).toBe(moduleSourceHandler);
    expect(Object.keys(HANDLERS)).toEqual(['ModuleSource', 'ModuleUpdatePolicy', 'ModuleConfig']);
    expect(moduleSourceHandler.apiVersions[0]).toBe('deckhouse.io/v1alpha1');
  });

  it('treats scanInterval as a duration and everything else as JSON', () => {
    expect(moduleSourceHandler.sameValue('spec.scanInterval', '6h30m', '6h30m0s')).toBe(true);
    expect(moduleSourceHandler.sameValue('spec.registry.repo', 'a', 'b')).toBe(false);
    expect(
      moduleSourceHandler.sameValue('spec.registry', { repo: 'a', scheme: 'HTTPS' }, { scheme: 'HTTPS', repo: 'a' }),
    ).toBe(true);
  });

  it('classifies registry changes as destructive, credential rotations not', () => {
    const live = ms({ repo: 'r.example/modules', scheme: 'HTTPS', dockerCfg: 'old', ca: 'old-ca' });
    expect(moduleSourceHandler.destructive(live, ms({ repo: 'other.example/modules', scheme: 'HTTPS' }))).toBe(
      'registry-change',
    );
    expect(moduleSourceHandler.destructive(live, ms({ repo: 'r.example/modules', scheme: 'HTTP' }))).toBe(
      'registry-change',
    );
    expect(
      moduleSourceHandler.destructive(
        live,
        ms({ repo: 'r.example/modules', scheme: 'HTTPS', dockerCfg: 'new', ca: 'new-ca' }),
      ),
    ).toBeUndefined();
    // An omitted scheme is the server's default HTTPS: not a change.
    expect(moduleSourceHandler.destructive(live, ms({ repo: 'r.example/modules' }))).toBeUndefined();
    expect(
      moduleSourceHandler.destructive(live, ms({ repo: 'r.example/modules' }, { scanInterval: '10m' })),
    ).toBeUndefined();
  });

  it('applies the object as written and refers to nothing', () => {
    const obj = ms({ repo: 'r.example/modules' });
    const { object, warnings } = moduleSourceHandler.toApplied(obj);
    expect(object).toEqual(obj);
    expect(object).not.toBe(obj);
    expect(warnings).toEqual([]);
    expect(moduleSourceHandler.references(obj)).toEqual([]);
    expect(moduleSourceHandler.ignoreDrift('spec.registry.repo', obj, obj)).toBe(false);
  });

  it('validates kind rules beyond the schema', () => {
    expect(moduleSourceHandler.validate(ms({ repo: 'r.example/modules' }, { scanInterval: '5m' }))).toEqual([]);
    expect(
      moduleSourceHandler.validate(ms({ repo: 'oci://r.example/modules' })).map((p) => [p.severity, p.path.join('.')]),
    ).toEqual([['error', 'spec.registry.repo']]);
    expect(
      moduleSourceHandler
        .validate(ms({ repo: 'r.example/modules' }, { scanInterval: '30s' }))
        .map((p) => [p.severity, p.path.join('.')]),
    ).toEqual([['warning', 'spec.scanInterval']]);
  });
});
