import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/core/object.ts';
import { contentLine, reportContentKey } from '../../src/report/content-key.ts';

const source = (over: Partial<KubeObject['metadata']>, phase: string): KubeObject => ({
  apiVersion: 'deckhouse.io/v1alpha1',
  kind: 'ModuleSource',
  metadata: { name: 'example', resourceVersion: '1', ...over },
  spec: { registry: { repo: 'registry.example.com/m', dockerCfg: 'c2VjcmV0' } },
  status: { phase, modulesCount: 2, message: '' },
});

const input = (obj: KubeObject, commit = 'a1', now = '2026-12-06T00:00:00Z') => ({
  instance: 'modsync',
  commit,
  now,
  live: new Map([['ModuleSource', [obj]]]),
  changes: [],
  ok: true,
  errors: [],
  requests: [],
});

describe('the content key of a status report', () => {
  it('is the same when only what the report does not show moved (commit, time, resourceVersion, managedFields)', () => {
    const a = reportContentKey(input(source({}, 'Active')));
    const moved = source(
      {
        resourceVersion: '99',
        managedFields: [{ manager: 'x', operation: 'Update', apiVersion: 'deckhouse.io/v1alpha1' }],
      },
      'Active',
    );
    expect(reportContentKey(input(moved, 'b2', '2026-12-07T00:00:00Z'))).toBe(a);
    expect(contentLine(a)).toMatch(/^# content: sha256:[0-9a-f]{64}\n$/);
  });

  it('changes with what the report shows', () => {
    expect(reportContentKey(input(source({}, 'Active')))).not.toBe(reportContentKey(input(source({}, 'Error'))));
  });
});
