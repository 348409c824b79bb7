// ModuleUpdatePolicy rules: update windows must open before they close (Deckhouse's
// admission compares HHMM as integers), and a v1alpha1 policy keeps its meaning when
// modsync writes it as v1alpha2.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/core/object.ts';
import { moduleUpdatePolicyHandler as mup, windowMinutes } from '../../src/kinds/module-update-policy.ts';

function policy(spec: Record<string, unknown>, apiVersion = 'deckhouse.io/v1alpha2'): KubeObject {
  return { apiVersion, kind: 'ModuleUpdatePolicy', metadata: { name: 'p' }, spec: spec as KubeObject['spec'] };
}

describe('update windows', () => {
  it('compares times as HHMM integers', () => {
    expect(windowMinutes('1:00')).toBe(100);
    expect(windowMinutes('13:30')).toBe(1330);
    expect(windowMinutes('24:00')).toBeUndefined();
  });

  it('rejects windows that do not open before they close, at the window', () => {
    const problems = mup.validate(
      policy({
        update: {
          windows: [
            { from: '9:00', to: '10:00' },
            { from: '10:00', to: '10:00' },
            { from: '23:00', to: '1:00' },
          ],
        },
      }),
    );
    expect(problems.map((p) => [p.severity, p.path.join('.')])).toEqual([
      ['error', 'spec.update.windows.1.from'],
      ['error', 'spec.update.windows.2.from'],
    ]);
    expect(problems[1]?.message).toBe(
      'spec.update.windows[2]: from (23:00) must be earlier than to (1:00); windows cannot cross midnight, split it in two',
    );
  });

  it('leaves malformed times to the schema', () => {
    expect(mup.validate(policy({ update: { windows: [{ from: '25:00', to: '1:00' }, { from: 5 }] } }))).toEqual([]);
  });
});

describe('v1alpha1 conversion', () => {
  it('writes v1alpha2, drops the selector and pins the old default mode', () => {
    const legacy = policy(
      {
        moduleReleaseSelector: { labelSelector: { matchLabels: { module: 'm' } } },
        releaseChannel: 'Alpha',
        update: {},
      },
      'deckhouse.io/v1alpha1',
    );
    const { object, warnings } = mup.toApplied(legacy);
    expect(object).toEqual(policy({ releaseChannel: 'Alpha', update: { mode: 'AutoPatch' } }));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.severity).toBe('warning');
    expect(warnings[0]?.path).toEqual(['apiVersion']);
    expect(legacy.spec).toHaveProperty('moduleReleaseSelector');
  });

  it('keeps an explicit mode', () => {
    const { object } = mup.toApplied(
      policy({ moduleReleaseSelector: {}, update: { mode: 'Manual' } }, 'deckhouse.io/v1alpha1'),
    );
    expect(object.spec).toEqual({ update: { mode: 'Manual' } });
  });

  it('rejects the Ignore mode that v1alpha2 does not have', () => {
    expect(
      mup.validate(policy({ update: { mode: 'Ignore' } }, 'deckhouse.io/v1alpha1')).map((p) => p.path.join('.')),
    ).toEqual(['spec.update.mode']);
  });

  it('leaves v1alpha2 untouched', () => {
    const obj = policy({ update: {} });
    expect(mup.toApplied(obj)).toEqual({ object: obj, warnings: [] });
    expect(mup.apiVersions).toEqual(['deckhouse.io/v1alpha2', 'deckhouse.io/v1alpha1']);
  });

  it('has no destructive changes or references', () => {
    expect(
      mup.destructive(policy({ update: { mode: 'Auto' } }), policy({ update: { mode: 'Manual' } })),
    ).toBeUndefined();
    expect(mup.references(policy({}))).toEqual([]);
  });
});
