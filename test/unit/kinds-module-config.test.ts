// ModuleConfig rules: module names, forbidden `source: Embedded`, references, the one-shot
// allow-disabling annotation, and which changes count as destructive.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/core/object.ts';
import { ALLOW_DISABLING_ANNOTATION, moduleConfigHandler as mc } from '../../src/kinds/module-config.ts';

function config(name: string, spec: Record<string, unknown>, annotations?: Record<string, string>): KubeObject {
  return {
    apiVersion: 'deckhouse.io/v1alpha1',
    kind: 'ModuleConfig',
    metadata: { name, ...(annotations ? { annotations } : {}) },
    spec: spec as KubeObject['spec'],
  };
}

describe('validate', () => {
  it('accepts module names, global and deckhouse', () => {
    for (const name of ['hello-world', 'global', 'deckhouse', 'cni-cilium', 'a1'])
      expect(mc.validate(config(name, {})), name).toEqual([]);
  });

  it('rejects subdomain names that are not module names', () => {
    expect(mc.validate(config('hello.world', {})).map((p) => p.path.join('.'))).toEqual(['metadata.name']);
  });

  it('applies the window order rule to the deckhouse config, like Deckhouse admission', () => {
    const windows = [
      { from: '8:00', to: '10:00' },
      { from: '22:00', to: '2:00' },
    ];
    expect(mc.validate(config('deckhouse', { settings: { update: { windows } } })).map((p) => p.message)).toEqual([
      'spec.settings.update.windows[1]: from (22:00) must be earlier than to (2:00); windows cannot cross midnight, split it in two',
    ]);
    expect(mc.validate(config('other', { settings: { update: { windows } } }))).toEqual([]);
  });

  it('rejects source: Embedded', () => {
    expect(mc.validate(config('m', { source: 'Embedded' })).map((p) => [p.severity, p.path.join('.')])).toEqual([
      ['error', 'spec.source'],
    ]);
  });
});

describe('references', () => {
  it('names the source and the update policy', () => {
    expect(mc.references(config('m', { source: 'acme', updatePolicy: 'night' }))).toEqual([
      { kind: 'ModuleSource', name: 'acme', path: ['spec', 'source'] },
      { kind: 'ModuleUpdatePolicy', name: 'night', path: ['spec', 'updatePolicy'] },
    ]);
    expect(mc.references(config('m', { updatePolicy: '' }))).toEqual([]);
  });
});

describe('ignoreDrift', () => {
  const desired = config('acme-backup', { enabled: false }, { [ALLOW_DISABLING_ANNOTATION]: 'true', team: 'x' });

  it('ignores the removed allow-disabling annotation once the module is disabled', () => {
    const live = config('acme-backup', { enabled: false }, { team: 'x' });
    expect(mc.ignoreDrift(`metadata.annotations.${ALLOW_DISABLING_ANNOTATION}`, desired, live)).toBe(true);
    expect(mc.ignoreDrift(`metadata.annotations["${ALLOW_DISABLING_ANNOTATION}"]`, desired, live)).toBe(true);
    expect(mc.ignoreDrift('metadata.annotations', desired, live)).toBe(true);
  });

  it('is drift while the module is still enabled, or when other annotations differ', () => {
    expect(
      mc.ignoreDrift(
        `metadata.annotations.${ALLOW_DISABLING_ANNOTATION}`,
        desired,
        config('acme-backup', { enabled: true }),
      ),
    ).toBe(false);
    expect(
      mc.ignoreDrift('metadata.annotations', desired, config('acme-backup', { enabled: false }, { team: 'y' })),
    ).toBe(false);
    expect(mc.ignoreDrift('spec.settings', desired, config('acme-backup', { enabled: false }))).toBe(false);
  });
});

describe('destructive', () => {
  it('disabling an enabled module', () => {
    const live = config('m', { enabled: true });
    expect(mc.destructive(live, config('m', { enabled: false }))).toBe('disable');
    expect(mc.destructive(live, config('m', {}))).toBe('disable');
    expect(mc.destructive(config('m', { enabled: false }), config('m', { enabled: true }))).toBeUndefined();
    expect(mc.destructive(config('m', {}), config('m', { enabled: false }))).toBeUndefined();
  });

  it('switching between two sources, not setting or clearing one', () => {
    expect(mc.destructive(config('m', { source: 'a' }), config('m', { source: 'b' }))).toBe('source-switch');
    expect(mc.destructive(config('m', {}), config('m', { source: 'b' }))).toBeUndefined();
    expect(mc.destructive(config('m', { source: 'a' }), config('m', {}))).toBeUndefined();
  });

  it('settings changes are not destructive', () => {
    expect(
      mc.destructive(
        config('m', { enabled: true, settings: { a: 1 } }),
        config('m', { enabled: true, settings: { a: 2 } }),
      ),
    ).toBeUndefined();
    expect(mc.sameValue('spec.version', 1, 1.0)).toBe(true);
    expect(mc.sameValue('spec.settings', { a: [1, { b: 2 }] }, { a: [1, { b: 3 }] })).toBe(false);
  });
});
