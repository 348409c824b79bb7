import { describe, expect, it } from 'vitest';
import type { JsonObject, KubeObject, ManagedFieldsEntry, ManagedObjectId } from '../../src/core/object.ts';
import type { ManagedKind } from '../../src/core/kinds.ts';
import { MASK, Redactor } from '../../src/core/redact.ts';
import { loadSchemaInfo } from '../../src/core/schema-info.ts';
import { handlerFor } from '../../src/kinds/registry.ts';
import type { KindHandler } from '../../src/kinds/types.ts';
import { guard } from '../../src/pipeline/guard.ts';
import { planChanges, type Plan, type PlanInput, type PlanObject } from '../../src/pipeline/plan.ts';

const schemas = loadSchemaInfo();

/** Go duration in seconds, enough for the test values (`6h30m`, `6h30m0s`, `15m`). */
function seconds(v: unknown): number | undefined {
  const m = typeof v === 'string' ? /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(v) : null;
  return m ? Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0) : undefined;
}

/** A small stand-in for the real kind handlers: durations by value, the product's destructive rules. */
function handlerOf(kind: ManagedKind): KindHandler {
  return {
    kind,
    apiVersions: ['deckhouse.io/v1alpha1'],
    validate: () => [],
    toApplied: (object) => ({ object, warnings: [] }),
    references: () => [],
    sameValue: (path, desired, live) =>
      path === 'spec.scanInterval' && seconds(desired) !== undefined && seconds(desired) === seconds(live),
    ignoreDrift: () => false,
    destructive: (live, next) => {
      if (!live) return undefined;
      if (live.spec?.enabled === true && next.spec?.enabled === false) return 'disable';
      if (kind === 'ModuleSource' && JSON.stringify(live.spec?.registry) !== JSON.stringify(next.spec?.registry))
        return 'registry-change';
      if (kind === 'ModuleConfig' && live.spec?.source !== undefined && live.spec?.source !== next.spec?.source)
        return 'source-switch';
      return undefined;
    },
  };
}

function desiredOf(object: KubeObject): PlanObject {
  return {
    id: { kind: object.kind as ManagedKind, name: object.metadata.name },
    object,
    file: `modules/${object.metadata.name}.yaml`,
    line: 1,
  };
}

function apply(fieldsV1: JsonObject): ManagedFieldsEntry {
  return {
    manager: 'modsync',
    operation: 'Apply',
    apiVersion: 'deckhouse.io/v1alpha1',
    fieldsType: 'FieldsV1',
    fieldsV1,
  };
}

function update(manager: string, fieldsV1: JsonObject): ManagedFieldsEntry {
  return { manager, operation: 'Update', apiVersion: 'deckhouse.io/v1alpha1', fieldsType: 'FieldsV1', fieldsV1 };
}

/** What apply would write: the planned entries that carry an object. */
function applies(p: Plan): { id: ManagedObjectId; object: KubeObject }[] {
  return p.entries
    .filter((e) => e.outcome === 'planned' && e.apply)
    .map((e) => ({ id: e.id as ManagedObjectId, object: e.apply!.object }));
}

function plan(desired: KubeObject[], live: KubeObject[], extra: Partial<PlanInput> = {}) {
  const byKind = new Map<ManagedKind, KubeObject[]>();
  for (const o of live) byKind.set(o.kind as ManagedKind, [...(byKind.get(o.kind as ManagedKind) ?? []), o]);
  return planChanges({
    desired: desired.map(desiredOf),
    live: byKind,
    instance: 'modsync',
    prune: true,
    protectedNames: ['ModuleConfig/deckhouse', 'ModuleConfig/global'],
    handlers: handlerOf,
    schemas,
    ...extra,
  });
}

const LABELS_FIELDS = { 'f:metadata': { 'f:labels': { 'f:modsync.io/instance': {} } } };

const desiredMc: KubeObject = {
  apiVersion: 'deckhouse.io/v1alpha1',
  kind: 'ModuleConfig',
  metadata: { name: 'module-one' },
  spec: { enabled: true, version: 1, settings: { logLevel: 'debug', https: { mode: 'Disabled' } } },
};

/** The object as the server keeps it after modsync applied `desiredMc`, then the controller did its part. */
function liveMc(over: { spec?: JsonObject; managedFields?: ManagedFieldsEntry[] } = {}): KubeObject {
  return {
    apiVersion: 'deckhouse.io/v1alpha1',
    kind: 'ModuleConfig',
    metadata: {
      name: 'module-one',
      uid: 'uid-mc-1',
      resourceVersion: '41',
      generation: 1,
      labels: { 'modsync.io/instance': 'modsync' },
      annotations: { 'example.io/owner': 'someone' },
      finalizers: ['modules.deckhouse.io/module-registered'],
      managedFields: over.managedFields ?? [
        apply({
          ...LABELS_FIELDS,
          'f:spec': {
            'f:enabled': {},
            'f:version': {},
            'f:settings': { 'f:logLevel': {}, 'f:https': { '.': {}, 'f:mode': {} } },
          },
        }),
        update('deckhouse-controller', {
          'f:metadata': { 'f:finalizers': { '.': {}, 'v:"modules.deckhouse.io/module-registered"': {} } },
        }),
        update('kubectl-annotate', { 'f:metadata': { 'f:annotations': { '.': {}, 'f:example.io/owner': {} } } }),
      ],
    },
    spec: over.spec ?? { enabled: true, version: 1, settings: { logLevel: 'debug', https: { mode: 'Disabled' } } },
    status: { version: '1', message: '' },
  };
}

describe('planChanges: unchanged is decided locally', () => {
  it('same values and same field set → unchanged, nothing to apply or dry-run', () => {
    const p = plan([desiredMc], [liveMc()]);
    expect(p.entries).toEqual([
      expect.objectContaining({ subject: 'ModuleConfig/module-one', action: 'unchanged', outcome: 'planned' }),
    ]);
    expect(applies(p)).toEqual([]);
    expect(applies(p)).toEqual([]);
  });

  it('server defaults (scheme: HTTPS) and other managers’ fields are not drift', () => {
    const ms: KubeObject = {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleSource',
      metadata: { name: 'example' },
      spec: { registry: { repo: 'registry.example.io/modules' } },
    };
    const live: KubeObject = {
      ...ms,
      metadata: {
        name: 'example',
        uid: 'u',
        labels: { 'modsync.io/instance': 'modsync' },
        annotations: { 'modules.deckhouse.io/registry-spec-checksum': 'abc' },
        managedFields: [
          apply({ ...LABELS_FIELDS, 'f:spec': { 'f:registry': { 'f:repo': {} } } }),
          update('deckhouse', {
            'f:metadata': { 'f:annotations': { '.': {}, 'f:modules.deckhouse.io/registry-spec-checksum': {} } },
          }),
        ],
      },
      spec: { registry: { repo: 'registry.example.io/modules', scheme: 'HTTPS' } },
      status: { phase: 'Active', modulesCount: 2 },
    };
    expect(plan([ms], [live]).entries[0]).toMatchObject({ action: 'unchanged' });
  });

  it('durations equal by value (6h30m vs 6h30m0s) are unchanged through the kind handler', () => {
    const ms: KubeObject = {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleSource',
      metadata: { name: 'slow' },
      spec: { scanInterval: '6h30m', registry: { repo: 'r.example.io/m' } },
    };
    const live: KubeObject = {
      ...ms,
      metadata: {
        name: 'slow',
        labels: { 'modsync.io/instance': 'modsync' },
        managedFields: [
          apply({ ...LABELS_FIELDS, 'f:spec': { 'f:scanInterval': {}, 'f:registry': { 'f:repo': {} } } }),
        ],
      },
      spec: { scanInterval: '6h30m0s', registry: { repo: 'r.example.io/m', scheme: 'HTTPS' } },
    };
    expect(plan([ms], [live]).entries[0]).toMatchObject({ action: 'unchanged' });
    const exact = (kind: ManagedKind): KindHandler => ({ ...handlerOf(kind), sameValue: () => false });
    expect(plan([ms], [live], { handlers: exact }).entries[0]).toMatchObject({
      action: 'update',
      diff: [{ path: 'spec.scanInterval', before: '6h30m0s', after: '6h30m' }],
    });
  });
});

describe('planChanges: updates and creates', () => {
  it('a field modsync stopped applying but still owns → update that removes it', () => {
    const live = liveMc({
      spec: {
        enabled: true,
        version: 1,
        updatePolicy: 'stable',
        settings: { logLevel: 'debug', https: { mode: 'Disabled' } },
      },
      managedFields: [
        apply({
          ...LABELS_FIELDS,
          'f:spec': {
            'f:enabled': {},
            'f:version': {},
            'f:updatePolicy': {},
            'f:settings': { 'f:logLevel': {}, 'f:https': { '.': {}, 'f:mode': {} } },
          },
        }),
      ],
    });
    const p = plan([desiredMc], [live]);
    expect(p.entries[0]).toMatchObject({
      action: 'update',
      outcome: 'planned',
      diff: [{ path: 'spec.updatePolicy', before: 'stable' }],
    });
    expect(p.entries[0]?.diff?.[0]).not.toHaveProperty('after');
    expect(applies(p).map((a) => a.object.metadata.labels)).toEqual([{ 'modsync.io/instance': 'modsync' }]);
    expect(applies(p).map((a) => a.id)).toEqual([{ kind: 'ModuleConfig', name: 'module-one' }]);
  });

  it('another manager changed a field modsync applies → update with the field diff', () => {
    const live = liveMc({
      spec: { enabled: true, version: 1, settings: { logLevel: 'info', https: { mode: 'Disabled' } } },
      managedFields: [
        apply({
          ...LABELS_FIELDS,
          'f:spec': { 'f:enabled': {}, 'f:version': {}, 'f:settings': { 'f:https': { '.': {}, 'f:mode': {} } } },
        }),
        update('kubectl-edit', { 'f:spec': { 'f:settings': { 'f:logLevel': {} } } }),
      ],
    });
    const p = plan([desiredMc], [live]);
    expect(p.entries[0]).toMatchObject({
      action: 'update',
      diff: [{ path: 'spec.settings.logLevel', before: 'info', after: 'debug' }],
    });
    expect(p.entries[0]?.destructive).toBeUndefined();
  });

  it('an object modsync never applied with matching values → adopt (ownership only, from kubectl)', () => {
    const labelled = liveMc({ managedFields: [update('kubectl-create', { 'f:spec': { 'f:enabled': {} } })] });
    expect(plan([desiredMc], [labelled]).entries[0]).toMatchObject({
      action: 'adopt',
      diff: [],
      message: expect.stringContaining('takes over its fields from kubectl-create'),
    });
    const byController = liveMc({ managedFields: [update('deckhouse-controller', { 'f:spec': { 'f:enabled': {} } })] });
    expect(plan([desiredMc], [byController]).entries[0]).toMatchObject({
      action: 'adopt',
      message: expect.stringContaining('field ownership only'),
    });
    const unlabelled = { ...labelled, metadata: { ...labelled.metadata, labels: {} } };
    // Adding modsync's own label is part of taking the object over, not an edit.
    expect(plan([desiredMc], [unlabelled]).entries[0]).toMatchObject({
      action: 'adopt',
      diff: [{ path: 'metadata.labels["modsync.io/instance"]', after: 'modsync' }],
      message: expect.stringContaining('and labels it'),
    });
  });

  it('an absent object → create with every applied field, ownership label added', () => {
    const p = plan([desiredMc], []);
    expect(p.entries[0]).toMatchObject({ action: 'create', outcome: 'planned', origin: 'modules/module-one.yaml:1' });
    expect(p.entries[0]?.diff).toContainEqual({ path: 'spec.settings.https.mode', after: 'Disabled' });
    expect(p.entries[0]?.diff).toContainEqual({ path: 'metadata.labels["modsync.io/instance"]', after: 'modsync' });
    expect(applies(p)[0]?.object.metadata.labels).toEqual({ 'modsync.io/instance': 'modsync' });
    expect(desiredMc.metadata.labels).toBeUndefined();
  });

  it('orders entries ModuleSource → ModuleUpdatePolicy → ModuleConfig whatever the git order', () => {
    const mup: KubeObject = {
      apiVersion: 'deckhouse.io/v1alpha2',
      kind: 'ModuleUpdatePolicy',
      metadata: { name: 'p' },
      spec: { update: { mode: 'Auto' } },
    };
    const ms: KubeObject = {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleSource',
      metadata: { name: 's' },
      spec: { registry: { repo: 'r' } },
    };
    const p = plan([desiredMc, mup, ms], []);
    expect(p.entries.map((c) => c.id.kind)).toEqual(['ModuleSource', 'ModuleUpdatePolicy', 'ModuleConfig']);
    expect(applies(p).map((a) => a.id.kind)).toEqual(['ModuleSource', 'ModuleUpdatePolicy', 'ModuleConfig']);
  });
});

describe('planChanges: destructive changes and protection', () => {
  const bundleModule = (name: string): KubeObject => ({
    apiVersion: 'deckhouse.io/v1alpha1',
    kind: 'Module',
    metadata: { name },
    status: { phase: 'Ready', conditions: [{ type: 'EnabledByModuleManager', status: 'True', reason: 'Bundle' }] },
  });
  const bare = (name: string, spec: JsonObject): KubeObject => ({
    apiVersion: 'deckhouse.io/v1alpha1',
    kind: 'ModuleConfig',
    metadata: { name },
    spec,
  });

  it('a module enabled by its bundle (no enabled field) counts as enabled: enabled: false is a disable', () => {
    const live = { ...bare('monitoring', { version: 1 }), metadata: { name: 'monitoring', resourceVersion: '3' } };
    const p = plan([bare('monitoring', { enabled: false })], [live, bundleModule('monitoring')], {
      handlers: handlerFor,
    });
    expect(p.entries[0]).toMatchObject({ action: 'update', outcome: 'planned', destructive: 'disable' });
    expect(guard(p.entries, { maxDestructive: 0 })[0]).toMatchObject({ outcome: 'held' });
    // Without the Module saying so, the same change is not a disable.
    expect(
      plan([bare('monitoring', { enabled: false })], [live], { handlers: handlerFor }).entries[0]?.destructive,
    ).toBeUndefined();
  });

  it('a protected name is held whenever git disables it, even with no Module to ask', () => {
    const p = plan([bare('global', { enabled: false })], [bare('global', { version: 2 })], { handlers: handlerFor });
    expect(p.entries[0]).toMatchObject({
      outcome: 'held',
      destructive: 'disable',
      message: expect.stringContaining('protected'),
    });
    expect(p.entries[0]?.apply).toBeUndefined();
  });

  it('a protected name already disabled in the cluster can still have its settings changed', () => {
    const live = { ...bare('global', { enabled: false, settings: { a: 1 } }), metadata: { name: 'global' } };
    const p = plan([bare('global', { enabled: false, settings: { a: 2 } })], [live], { handlers: handlerFor });
    expect(p.entries[0]).toMatchObject({ action: 'update', outcome: 'planned' });
    expect(p.entries[0]?.destructive).toBeUndefined();
  });

  it('enabled true → false is a destructive disable', () => {
    const off = { ...desiredMc, spec: { ...desiredMc.spec, enabled: false } };
    expect(plan([off], [liveMc()]).entries[0]).toMatchObject({
      action: 'update',
      outcome: 'planned',
      destructive: 'disable',
      diff: [{ path: 'spec.enabled', before: true, after: false }],
    });
  });

  it('a registry change is destructive, judged on live merged with desired (server defaults kept)', () => {
    const ms = (repo: string): KubeObject => ({
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleSource',
      metadata: { name: 's' },
      spec: { registry: { repo } },
    });
    const live: KubeObject = {
      ...ms('old.example.io/m'),
      metadata: {
        name: 's',
        labels: { 'modsync.io/instance': 'modsync' },
        managedFields: [apply({ ...LABELS_FIELDS, 'f:spec': { 'f:registry': { 'f:repo': {} } } })],
      },
      spec: { registry: { repo: 'old.example.io/m', scheme: 'HTTPS' } },
    };
    expect(plan([ms('new.example.io/m')], [live]).entries[0]).toMatchObject({
      destructive: 'registry-change',
      diff: [{ path: 'spec.registry.repo' }],
    });
  });

  it('disabling a protected ModuleConfig is held, never applied', () => {
    const live = liveMc();
    const deckhouseLive = { ...live, metadata: { ...live.metadata, name: 'deckhouse' } };
    const off = { ...desiredMc, metadata: { name: 'deckhouse' }, spec: { ...desiredMc.spec, enabled: false } };
    const p = plan([off], [deckhouseLive]);
    expect(p.entries[0]).toMatchObject({
      action: 'update',
      outcome: 'held',
      destructive: 'disable',
      message: expect.stringContaining('protected'),
    });
    expect(applies(p)).toEqual([]);
  });

  it('an object in git that is heritage: deckhouse in the cluster is held, not written', () => {
    const ms: KubeObject = {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleSource',
      metadata: { name: 'deckhouse' },
      spec: { registry: { repo: 'mine' } },
    };
    const live: KubeObject = {
      ...ms,
      metadata: { name: 'deckhouse', labels: { heritage: 'deckhouse' } },
      spec: { registry: { repo: 'registry.deckhouse.io/deckhouse/ce/modules' } },
    };
    const p = plan([ms], [live]);
    expect(p.entries[0]).toMatchObject({ outcome: 'held', message: 'managed by Deckhouse; modsync does not write it' });
    expect(applies(p)).toEqual([]);
  });
});

describe('planChanges: secrets', () => {
  const secretCfg = Buffer.from('{"auths":{"r.example.io":{"auth":"Ym90OnMzY3JldA=="}}}').toString('base64');
  const ms = (dockerCfg: string): KubeObject => ({
    apiVersion: 'deckhouse.io/v1alpha1',
    kind: 'ModuleSource',
    metadata: { name: 'private' },
    spec: { registry: { repo: 'r.example.io/m', dockerCfg } },
  });

  it('dockerCfg is compared in full but shown masked', () => {
    const live: KubeObject = {
      ...ms('b2xkLXNlY3JldC12YWx1ZQ=='),
      metadata: {
        name: 'private',
        labels: { 'modsync.io/instance': 'modsync' },
        managedFields: [apply({ ...LABELS_FIELDS, 'f:spec': { 'f:registry': { 'f:repo': {}, 'f:dockerCfg': {} } } })],
      },
    };
    const p = plan([ms(secretCfg)], [live]);
    expect(p.entries[0]).toMatchObject({
      action: 'update',
      diff: [{ path: 'spec.registry.dockerCfg', before: MASK, after: MASK }],
    });
    // The entry carries the object to apply (secret included) only in `apply`, which never leaves the run.
    expect(JSON.stringify(p.entries.map(({ apply: _apply, ...shown }) => shown))).not.toContain(secretCfg);
    expect(plan([ms(secretCfg)], []).entries[0]?.diff).toContainEqual({ path: 'spec.registry.dockerCfg', after: MASK });
  });

  it('values the redactor knows are masked anywhere in the diff', () => {
    const redactor = new Redactor();
    redactor.add('hunter2-token');
    const mc = { ...desiredMc, spec: { ...desiredMc.spec, settings: { auth: { password: 'hunter2-token' } } } };
    const p = plan([mc], [], { redactor });
    expect(p.entries[0]?.diff).toContainEqual({ path: 'spec.settings.auth.password', after: MASK });
    expect(applies(p)[0]?.object.spec?.settings).toEqual({ auth: { password: 'hunter2-token' } });
  });
});

describe('planChanges: empty objects', () => {
  it('an applied `update: {}` stays unchanged when the server defaulted its contents', () => {
    const mup: KubeObject = {
      apiVersion: 'deckhouse.io/v1alpha2',
      kind: 'ModuleUpdatePolicy',
      metadata: { name: 'p' },
      spec: { releaseChannel: 'Alpha', update: {} },
    };
    const live: KubeObject = {
      ...mup,
      metadata: {
        name: 'p',
        labels: { 'modsync.io/instance': 'modsync' },
        managedFields: [
          {
            ...apply({ ...LABELS_FIELDS, 'f:spec': { 'f:releaseChannel': {}, 'f:update': {} } }),
            apiVersion: 'deckhouse.io/v1alpha2',
          },
        ],
      },
      spec: { releaseChannel: 'Alpha', update: { mode: 'Auto' } },
    };
    expect(plan([mup], [live]).entries[0]).toMatchObject({ action: 'unchanged' });
    const changed = { ...mup, spec: { releaseChannel: 'Beta', update: {} } };
    expect(plan([changed], [live]).entries[0]).toMatchObject({
      action: 'update',
      diff: [{ path: 'spec.releaseChannel', before: 'Alpha', after: 'Beta' }],
    });
  });
});
