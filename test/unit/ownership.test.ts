import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/core/object.ts';
import {
  isHeritage,
  isOwnedBy,
  isProtected,
  modsyncApplyEntry,
  pruneDisabled,
  withOwnership,
} from '../../src/core/ownership.ts';

const base: KubeObject = {
  apiVersion: 'deckhouse.io/v1alpha1',
  kind: 'ModuleConfig',
  metadata: { name: 'm', labels: { team: 'a' } },
};

describe('ownership', () => {
  it('withOwnership adds the instance label without touching the input or other labels', () => {
    const owned = withOwnership(base, 'prod');
    expect(owned.metadata.labels).toEqual({ team: 'a', 'modsync.io/instance': 'prod' });
    expect(base.metadata.labels).toEqual({ team: 'a' });
    expect(isOwnedBy(owned, 'prod')).toBe(true);
    expect(isOwnedBy(owned, 'staging')).toBe(false);
    expect(isOwnedBy(base, 'prod')).toBe(false);
  });

  it('recognises the opt-out annotation, heritage and protected names', () => {
    expect(pruneDisabled({ ...base, metadata: { name: 'm', annotations: { 'modsync.io/prune': 'disabled' } } })).toBe(
      true,
    );
    expect(pruneDisabled({ ...base, metadata: { name: 'm', annotations: { 'modsync.io/prune': 'enabled' } } })).toBe(
      false,
    );
    expect(isHeritage({ ...base, metadata: { name: 'm', labels: { heritage: 'deckhouse' } } })).toBe(true);
    expect(isHeritage(base)).toBe(false);
    expect(
      isProtected({ kind: 'ModuleConfig', name: 'global' }, ['ModuleConfig/deckhouse', 'ModuleConfig/global']),
    ).toBe(true);
    expect(isProtected({ kind: 'ModuleSource', name: 'global' }, ['ModuleConfig/global'])).toBe(false);
  });

  it('modsyncApplyEntry picks modsync’s Apply entry of the main resource only', () => {
    const obj: KubeObject = {
      ...base,
      metadata: {
        name: 'm',
        managedFields: [
          { manager: 'modsync', operation: 'Update', apiVersion: 'deckhouse.io/v1alpha1', fieldsV1: { 'f:a': {} } },
          {
            manager: 'modsync',
            operation: 'Apply',
            apiVersion: 'deckhouse.io/v1alpha1',
            subresource: 'status',
            fieldsV1: { 'f:b': {} },
          },
          { manager: 'kubectl', operation: 'Apply', apiVersion: 'deckhouse.io/v1alpha1', fieldsV1: { 'f:c': {} } },
          { manager: 'modsync', operation: 'Apply', apiVersion: 'deckhouse.io/v1alpha1', fieldsV1: { 'f:d': {} } },
        ],
      },
    };
    expect(modsyncApplyEntry(obj)?.fieldsV1).toEqual({ 'f:d': {} });
    expect(modsyncApplyEntry(base)).toBeUndefined();
  });
});
