import { describe, expect, it } from 'vitest';
import type { ManagedKind } from '../../src/core/kinds.ts';
import type { KubeObject, ObjectId } from '../../src/core/object.ts';
import { loadSchemaInfo } from '../../src/core/schema-info.ts';
import type { KindHandler } from '../../src/kinds/types.ts';
import { planChanges, type Plan } from '../../src/pipeline/plan.ts';

/** What prune would delete: the planned entries with a remove intent, with their preconditions. */
function deletes(p: Plan): { id: ObjectId; uid?: string; resourceVersion?: string }[] {
  return p.entries.filter((e) => e.outcome === 'planned' && e.remove).map((e) => ({ id: e.id, ...e.remove }));
}

const schemas = loadSchemaInfo();

const handlerOf = (kind: ManagedKind): KindHandler => ({
  kind,
  apiVersions: ['deckhouse.io/v1alpha1'],
  validate: () => [],
  toApplied: (object) => ({ object, warnings: [] }),
  references: () => [],
  sameValue: () => false,
  ignoreDrift: () => false,
  destructive: () => undefined,
});

const API: Record<ManagedKind, string> = {
  ModuleSource: 'deckhouse.io/v1alpha1',
  ModuleUpdatePolicy: 'deckhouse.io/v1alpha2',
  ModuleConfig: 'deckhouse.io/v1alpha1',
};

function obj(kind: ManagedKind, name: string, meta: Partial<KubeObject['metadata']> = {}): KubeObject {
  return {
    apiVersion: API[kind],
    kind,
    metadata: {
      name,
      uid: `uid-${name}`,
      resourceVersion: '10',
      labels: { 'modsync.io/instance': 'modsync' },
      ...meta,
    },
    spec: {},
  };
}

function prunePlan(live: KubeObject[], desired: KubeObject[] = [], prune = true) {
  const byKind = new Map<ManagedKind, KubeObject[]>();
  for (const o of live) byKind.set(o.kind as ManagedKind, [...(byKind.get(o.kind as ManagedKind) ?? []), o]);
  return planChanges({
    desired: desired.map((object) => ({
      id: { kind: object.kind as ManagedKind, name: object.metadata.name },
      object,
    })),
    live: byKind,
    instance: 'modsync',
    prune,
    protectedNames: ['ModuleConfig/deckhouse', 'ModuleConfig/global'],
    handlers: handlerOf,
    schemas,
  });
}

describe('prune candidates', () => {
  it('an owned object absent from git is deleted, with uid and resourceVersion preconditions', () => {
    const p = prunePlan([obj('ModuleConfig', 'gone')]);
    expect(p.entries).toEqual([
      expect.objectContaining({
        subject: 'ModuleConfig/gone',
        action: 'delete',
        outcome: 'planned',
        destructive: 'delete',
      }),
    ]);
    expect(deletes(p)).toEqual([
      { id: { kind: 'ModuleConfig', name: 'gone' }, uid: 'uid-gone', resourceVersion: '10' },
    ]);
  });

  it('objects without the label, or labelled for another instance, are never touched', () => {
    const p = prunePlan([
      obj('ModuleConfig', 'hand-made', { labels: {} }),
      obj('ModuleSource', 'theirs', { labels: { 'modsync.io/instance': 'staging' } }),
    ]);
    expect(p.entries).toEqual([]);
    expect(deletes(p)).toEqual([]);
  });

  it('objects still in git are not prune candidates', () => {
    const kept = obj('ModuleConfig', 'kept');
    const desired: KubeObject = {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleConfig',
      metadata: { name: 'kept' },
      spec: {},
    };
    const p = prunePlan([kept], [desired]);
    expect(deletes(p)).toEqual([]);
    expect(p.entries.map((c) => c.action)).not.toContain('delete');
  });

  it('protected names, heritage: deckhouse and prune-disabled objects are held with the reason', () => {
    const p = prunePlan([
      obj('ModuleConfig', 'global'),
      obj('ModuleSource', 'deckhouse', { labels: { 'modsync.io/instance': 'modsync', heritage: 'deckhouse' } }),
      obj('ModuleUpdatePolicy', 'keep-me', { annotations: { 'modsync.io/prune': 'disabled' } }),
    ]);
    expect(deletes(p)).toEqual([]);
    expect(p.entries.map((c) => [c.subject, c.outcome, c.message])).toEqual([
      ['ModuleConfig/global', 'held', 'protected: modsync never deletes it (not pruned)'],
      ['ModuleUpdatePolicy/keep-me', 'held', 'annotated modsync.io/prune: disabled (not pruned)'],
      ['ModuleSource/deckhouse', 'held', 'managed by Deckhouse; modsync does not write it (not pruned)'],
    ]);
  });

  it('with prune off nothing is deleted', () => {
    const p = prunePlan([obj('ModuleConfig', 'gone')], [], false);
    expect(p.entries).toEqual([]);
    expect(deletes(p)).toEqual([]);
  });

  it('deletes come after applies, in reverse order: ModuleConfig → ModuleUpdatePolicy → ModuleSource', () => {
    const desired: KubeObject = {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleSource',
      metadata: { name: 'new' },
      spec: { registry: { repo: 'r' } },
    };
    const p = prunePlan(
      [obj('ModuleSource', 'old-src'), obj('ModuleUpdatePolicy', 'old-pol'), obj('ModuleConfig', 'old-mc')],
      [desired],
    );
    expect(p.entries.map((c) => `${c.action} ${c.subject}`)).toEqual([
      'create ModuleSource/new',
      'delete ModuleConfig/old-mc',
      'delete ModuleUpdatePolicy/old-pol',
      'delete ModuleSource/old-src',
    ]);
    expect(deletes(p).map((d) => d.id.kind)).toEqual(['ModuleConfig', 'ModuleUpdatePolicy', 'ModuleSource']);
  });

  it('objects already being deleted are left alone', () => {
    const p = prunePlan([obj('ModuleConfig', 'going', { deletionTimestamp: '2026-01-01T00:00:00Z' })]);
    expect(deletes(p)).toEqual([]);
  });
});
