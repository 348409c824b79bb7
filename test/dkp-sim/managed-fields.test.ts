import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  conflictManagerKey,
  conflictManagerText,
  decodeFieldsV1,
  encodeFieldsV1,
  recordUpdate,
  serverSideApply,
  type ServerSideApplyArgs,
} from './managed-fields.ts';
import type { Json, ManagedFieldsEntry, Obj, Schema } from './types.ts';

function crdSchema(file: string, version: string): Schema {
  const path = fileURLToPath(new URL(`../../crds/deckhouse/${file}.yaml`, import.meta.url));
  const crd = parse(readFileSync(path, 'utf8')) as {
    spec: { versions: Array<{ name: string; schema: { openAPIV3Schema: Schema } }> };
  };
  return crd.spec.versions.find((x) => x.name === version)!.schema.openAPIV3Schema;
}

const MS = crdSchema('modulesource', 'v1alpha1');
const MC = crdSchema('moduleconfig', 'v1alpha1');
const MUP = crdSchema('moduleupdatepolicy', 'v1alpha2');
const MODULE = crdSchema('module', 'v1beta1');
const V1 = 'deckhouse.io/v1alpha1';
const T1 = '2026-11-21T10:00:00Z';
const T2 = '2026-11-21T11:00:00Z';
const T3 = '2026-11-21T12:00:00Z';

function ms(spec: Json, metadata: Record<string, Json> = {}): Obj {
  return { apiVersion: V1, kind: 'ModuleSource', metadata: { name: 'example', ...metadata }, spec } as Obj;
}

function mc(spec: Json, metadata: Record<string, Json> = {}): Obj {
  return { apiVersion: V1, kind: 'ModuleConfig', metadata: { name: 'module-one', ...metadata }, spec } as Obj;
}

/** Applies and expects success. */
function apply(args: Partial<ServerSideApplyArgs> & Pick<ServerSideApplyArgs, 'applied' | 'live'>): Obj {
  const res = serverSideApply({ manager: 'modsync', force: false, schema: MS, apiVersion: V1, now: T1, ...args });
  if (!res.ok) throw new Error(`unexpected conflicts: ${JSON.stringify(res.conflicts)}`);
  return res.object;
}

function entries(o: Obj): ManagedFieldsEntry[] {
  return (o.metadata.managedFields ?? []) as unknown as ManagedFieldsEntry[];
}

function fieldsOf(o: Obj, manager: string): Json | undefined {
  return entries(o).find((e) => e.manager === manager)?.fieldsV1;
}

/** What the server does after the apply merge: defaulting adds fields nobody owns. */
function withDefaults(o: Obj): Obj {
  const c = structuredClone(o);
  (c.spec as any).registry.scheme ??= 'HTTPS';
  c.metadata.uid = 'c0ffee';
  c.metadata.resourceVersion = '7';
  return c;
}

describe('fieldsV1 encoding', () => {
  it('round-trips and writes "." after the children of a member', () => {
    const wire = {
      'f:metadata': { 'f:labels': { '.': {}, 'f:a': {} } },
      'f:spec': { 'f:conditions': { 'k:{"type":"Ready"}': { '.': {}, 'f:status': {} } }, 'f:list': {} },
    };
    const encoded = encodeFieldsV1(decodeFieldsV1(wire));
    expect(encoded).toEqual(wire);
    expect(JSON.stringify(encoded)).toBe(
      '{"f:metadata":{"f:labels":{"f:a":{},".":{}}},"f:spec":{"f:conditions":{"k:{\\"type\\":\\"Ready\\"}":{"f:status":{},".":{}}},"f:list":{}}}',
    );
  });

  it('orders elements like the server: fields, keys, values; keys canonicalised', () => {
    const set = decodeFieldsV1({ 'v:"b"': {}, 'k:{"b":1,"a":"x"}': {}, 'f:z': {}, 'v:"a"': {}, 'f:a': {} });
    expect(Object.keys(encodeFieldsV1(set))).toEqual(['f:a', 'f:z', 'k:{"a":"x","b":1}', 'v:"a"', 'v:"b"']);
  });
});

describe('serverSideApply', () => {
  it('create: returns the applied object with an Apply entry of exactly the applied set', () => {
    const out = apply({
      live: undefined,
      applied: ms({ registry: { repo: 'registry.example.com/modules' } }, { labels: { a: '1' } }),
    });
    expect(out.spec).toEqual({ registry: { repo: 'registry.example.com/modules' } });
    expect(entries(out)).toEqual([
      {
        manager: 'modsync',
        operation: 'Apply',
        apiVersion: V1,
        time: T1,
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:metadata': { 'f:labels': { 'f:a': {} } }, 'f:spec': { 'f:registry': { 'f:repo': {} } } },
      },
    ]);
  });

  it('keys of preserve-unknown settings are members themselves (nested maps get ".")', () => {
    const out = apply({
      live: undefined,
      schema: MC,
      applied: mc({ enabled: true, settings: { a: { b: 1 }, c: [1, 2], empty: {} }, version: 1 }),
    });
    expect(fieldsOf(out, 'modsync')).toEqual({
      'f:spec': {
        'f:enabled': {},
        'f:settings': { 'f:a': { '.': {}, 'f:b': {} }, 'f:c': {}, 'f:empty': {} },
        'f:version': {},
      },
    });
  });

  it('an applied empty object is owned as a member; emptying a map keeps it as {}', () => {
    const live = apply({ live: undefined, schema: MC, applied: mc({ enabled: true, settings: { a: 1 } }) });
    const out = apply({ live, schema: MC, applied: mc({ enabled: true, settings: {} }), now: T2 });
    expect(out.spec).toEqual({ enabled: true, settings: {} });
    expect(fieldsOf(out, 'modsync')).toEqual({ 'f:spec': { 'f:enabled': {}, 'f:settings': {} } });
  });

  it('re-applying the same configuration gives an object deep-equal to live (same times)', () => {
    const cfg = ms({ registry: { repo: 'r' } }, { labels: { a: '1' } });
    const live = withDefaults(apply({ live: undefined, applied: cfg }));
    const again = apply({ live, applied: cfg, now: T2 });
    expect(again).toEqual(live);
  });

  it('removes a field the manager applied before and no longer applies, keeps unowned defaults', () => {
    const live = withDefaults(
      apply({ live: undefined, applied: ms({ registry: { repo: 'r', ca: 'PEM' } }, { labels: { a: '1' } }) }),
    );
    const out = apply({ live, applied: ms({ registry: { repo: 'r' } }), now: T2 });
    expect(out.spec).toEqual({ registry: { repo: 'r', scheme: 'HTTPS' } });
    expect(out.metadata.labels).toBeUndefined();
    expect(out.metadata.uid).toBe('c0ffee');
    expect(entries(out)[0]).toMatchObject({ time: T2, fieldsV1: { 'f:spec': { 'f:registry': { 'f:repo': {} } } } });
  });

  it('conflicts with another Apply manager that owns a field it changes', () => {
    const live = withDefaults(apply({ live: undefined, applied: ms({ registry: { repo: 'r1' } }), manager: 'gitops' }));
    const res = serverSideApply({
      live,
      applied: ms({ registry: { repo: 'r2' } }),
      manager: 'modsync',
      force: false,
      schema: MS,
      apiVersion: V1,
      now: T2,
    });
    expect(res).toEqual({
      ok: false,
      conflicts: [{ manager: 'gitops', apiVersion: V1, field: '.spec.registry.repo', operation: 'Apply' }],
    });
  });

  it('conflicts with an Update manager (a plain create) too', () => {
    const created = mc({ enabled: true, updatePolicy: 'p' });
    created.metadata.managedFields = recordUpdate({
      old: undefined,
      updated: created,
      manager: 'kubectl-create',
      schema: MC,
      apiVersion: V1,
      now: T1,
    }) as unknown as Json;
    const res = serverSideApply({
      live: created,
      applied: mc({ enabled: false, updatePolicy: 'p' }),
      manager: 'modsync',
      force: false,
      schema: MC,
      apiVersion: V1,
      now: T2,
    });
    expect(res).toEqual({
      ok: false,
      conflicts: [{ manager: 'kubectl-create', apiVersion: V1, field: '.spec.enabled', operation: 'Update' }],
    });
  });

  it('force takes the field over: the other manager loses it, entries ordered Apply first', () => {
    const created = mc({ enabled: true, updatePolicy: 'p' });
    created.metadata.managedFields = recordUpdate({
      old: undefined,
      updated: created,
      manager: 'kubectl-create',
      schema: MC,
      apiVersion: V1,
      now: T1,
    }) as unknown as Json;
    const out = apply({ live: created, applied: mc({ enabled: false }), schema: MC, force: true, now: T2 });
    expect(out.spec).toEqual({ enabled: false, updatePolicy: 'p' });
    expect(entries(out).map((e) => [e.manager, e.operation, e.time])).toEqual([
      ['modsync', 'Apply', T2],
      ['kubectl-create', 'Update', T1],
    ]);
    expect(fieldsOf(out, 'kubectl-create')).toEqual({ 'f:spec': { '.': {}, 'f:updatePolicy': {} } });
    expect(fieldsOf(out, 'modsync')).toEqual({ 'f:spec': { 'f:enabled': {} } });
  });

  it('two appliers of the same value share it without conflict; it survives one of them dropping it', () => {
    const live = withDefaults(
      apply({ live: undefined, applied: ms({ registry: { repo: 'r', ca: 'PEM' } }), manager: 'a' }),
    );
    const shared = apply({ live, applied: ms({ registry: { repo: 'r', ca: 'PEM' } }), manager: 'b', now: T2 });
    expect(fieldsOf(shared, 'a')).toEqual(fieldsOf(shared, 'b'));
    const dropped = apply({ live: shared, applied: ms({ registry: { repo: 'r' } }), manager: 'a', now: T3 });
    expect((dropped.spec as any).registry.ca).toBe('PEM');
    expect(fieldsOf(dropped, 'a')).toEqual({ 'f:spec': { 'f:registry': { 'f:repo': {} } } });
  });

  it('replaces atomic lists whole and owns them as one leaf', () => {
    const win = (from: string): Json => ({ from, to: '23:00' });
    const live = apply({
      live: undefined,
      schema: MUP,
      applied: {
        apiVersion: 'deckhouse.io/v1alpha2',
        kind: 'ModuleUpdatePolicy',
        metadata: { name: 'p' },
        spec: { update: { windows: [win('1:00'), win('2:00')] } },
      } as Obj,
    });
    const out = apply({
      live,
      schema: MUP,
      now: T2,
      applied: {
        apiVersion: 'deckhouse.io/v1alpha2',
        kind: 'ModuleUpdatePolicy',
        metadata: { name: 'p' },
        spec: { update: { windows: [win('3:00')] } },
      } as Obj,
    });
    expect((out.spec as any).update.windows).toEqual([win('3:00')]);
    expect(fieldsOf(out, 'modsync')).toEqual({ 'f:spec': { 'f:update': { 'f:windows': {} } } });
  });

  it('merges set lists item by item, shared items in the applied order, others kept in place', () => {
    const created = ms({ registry: { repo: 'r' } }, { finalizers: ['a', 'b'] });
    created.metadata.managedFields = recordUpdate({
      old: undefined,
      updated: created,
      manager: 'controller',
      schema: MS,
      apiVersion: V1,
      now: T1,
    }) as unknown as Json;
    const out = apply({
      live: created,
      applied: ms({ registry: { repo: 'r' } }, { finalizers: ['c', 'a'] }),
      manager: 'other',
      now: T2,
    });
    expect(out.metadata.finalizers).toEqual(['c', 'a', 'b']);
    expect(fieldsOf(out, 'other')).toEqual({
      'f:metadata': { 'f:finalizers': { 'v:"a"': {}, 'v:"c"': {} } },
      'f:spec': { 'f:registry': { 'f:repo': {} } },
    });
    expect(fieldsOf(out, 'controller')).toEqual({
      'f:metadata': { 'f:finalizers': { '.': {}, 'v:"a"': {}, 'v:"b"': {} } },
      'f:spec': { '.': {}, 'f:registry': { '.': {}, 'f:repo': {} } },
    });
  });

  it('defaulted fields are owned by nobody: another manager can set them without conflict', () => {
    const live = withDefaults(apply({ live: undefined, applied: ms({ registry: { repo: 'r' } }) }));
    expect(JSON.stringify(fieldsOf(live, 'modsync'))).not.toContain('scheme');
    const out = apply({ live, applied: ms({ registry: { scheme: 'HTTP', repo: 'r' } }), manager: 'other', now: T2 });
    expect((out.spec as any).registry.scheme).toBe('HTTP');
  });

  it('a main-resource apply never touches status; a status apply touches only status', () => {
    const live = withDefaults(apply({ live: undefined, applied: ms({ registry: { repo: 'r' } }) }));
    live.status = { phase: 'Active', modulesCount: 2 };
    const main = apply({
      live,
      applied: { ...ms({ registry: { repo: 'r' } }), status: { phase: 'Terminating' } } as Obj,
      now: T2,
    });
    expect(main).toEqual(live);
    const status = apply({
      live,
      manager: 'deckhouse-controller',
      subresource: 'status',
      now: T2,
      applied: { ...ms({ registry: { repo: 'changed' } }), status: { phase: 'Terminating' } } as Obj,
    });
    expect(status.spec).toEqual(live.spec);
    expect(status.status).toEqual({ phase: 'Terminating', modulesCount: 2 });
    expect(entries(status).find((e) => e.manager === 'deckhouse-controller')).toEqual({
      manager: 'deckhouse-controller',
      operation: 'Apply',
      apiVersion: V1,
      time: T2,
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:status': { 'f:phase': {} } },
      subresource: 'status',
    });
  });

  it('never mutates its inputs', () => {
    const live = withDefaults(
      apply({ live: undefined, applied: ms({ registry: { repo: 'r' } }, { labels: { a: '1' } }) }),
    );
    const applied = ms({ registry: { repo: 'r2' } });
    const before = JSON.stringify([live, applied]);
    apply({ live, applied, now: T2 });
    expect(JSON.stringify([live, applied])).toBe(before);
  });
});

describe('recordUpdate', () => {
  it('create: owns everything written, maps that appeared are members (".")', () => {
    const created = ms({ registry: { repo: 'r' } }, { labels: { a: '1' } });
    expect(
      recordUpdate({
        old: undefined,
        updated: created,
        manager: 'kubectl-create',
        schema: MS,
        apiVersion: V1,
        now: T1,
      }),
    ).toEqual([
      {
        manager: 'kubectl-create',
        operation: 'Update',
        apiVersion: V1,
        time: T1,
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { '.': {}, 'f:a': {} } },
          'f:spec': { '.': {}, 'f:registry': { '.': {}, 'f:repo': {} } },
        },
      },
    ]);
  });

  it('an update that changes nothing leaves the entries as they were', () => {
    const live = withDefaults(apply({ live: undefined, applied: ms({ registry: { repo: 'r' } }) }));
    const same = structuredClone(live);
    expect(
      recordUpdate({ old: live, updated: same, manager: 'kubectl-edit', schema: MS, apiVersion: V1, now: T2 }),
    ).toEqual(entries(live));
  });

  it('a changed field moves to the writer; a removed field leaves every owner; empty entries go', () => {
    const live = withDefaults(apply({ live: undefined, applied: ms({ registry: { repo: 'r', ca: 'PEM' } }) }));
    const updated = structuredClone(live);
    (updated.spec as any).registry.repo = 'r2';
    delete (updated.spec as any).registry.ca;
    const mf = recordUpdate({ old: live, updated, manager: 'kubectl-edit', schema: MS, apiVersion: V1, now: T2 });
    expect(mf).toEqual([
      {
        manager: 'kubectl-edit',
        operation: 'Update',
        apiVersion: V1,
        time: T2,
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:spec': { 'f:registry': { 'f:repo': {} } } },
      },
    ]);
  });

  it('honours managedFields a client resets with [{}], keeps them when the client omits them', () => {
    const live = withDefaults(apply({ live: undefined, applied: ms({ registry: { repo: 'r' } }) }));
    const reset = structuredClone(live);
    reset.metadata.managedFields = [{}];
    expect(recordUpdate({ old: live, updated: reset, manager: 'm', schema: MS, apiVersion: V1, now: T2 })).toEqual([]);
    const omitted = structuredClone(live);
    delete omitted.metadata.managedFields;
    (omitted.spec as any).scanInterval = '5m';
    const mf = recordUpdate({ old: live, updated: omitted, manager: 'm', schema: MS, apiVersion: V1, now: T2 });
    expect(mf.map((e) => e.manager)).toEqual(['modsync', 'm']);
  });

  it('status writes are tracked per subresource with keyed list items', () => {
    const old = {
      apiVersion: 'deckhouse.io/v1beta1',
      kind: 'Module',
      metadata: { name: 'module-one' },
      spec: { packageVersion: 'v1' },
    } as Obj;
    const updated = structuredClone(old);
    updated.status = {
      conditions: [{ type: 'Ready', status: 'True', reason: 'R', message: '', lastTransitionTime: T1 }],
    };
    const mf = recordUpdate({
      old,
      updated,
      manager: 'deckhouse-controller',
      schema: MODULE,
      apiVersion: 'deckhouse.io/v1beta1',
      now: T1,
      subresource: 'status',
    });
    expect(mf).toEqual([
      {
        manager: 'deckhouse-controller',
        operation: 'Update',
        apiVersion: 'deckhouse.io/v1beta1',
        time: T1,
        fieldsType: 'FieldsV1',
        subresource: 'status',
        fieldsV1: {
          'f:status': {
            '.': {},
            'f:conditions': {
              '.': {},
              'k:{"type":"Ready"}': {
                '.': {},
                'f:lastTransitionTime': {},
                'f:message': {},
                'f:reason': {},
                'f:status': {},
                'f:type': {},
              },
            },
          },
        },
      },
    ]);
  });

  it('a conflict on a keyed list item names it like the apiserver', () => {
    const old = {
      apiVersion: 'deckhouse.io/v1beta1',
      kind: 'Module',
      metadata: { name: 'm' },
      spec: { packageVersion: 'v1' },
    } as Obj;
    const live = structuredClone(old);
    live.status = { conditions: [{ type: 'Ready', status: 'True', reason: 'R', message: '', lastTransitionTime: T1 }] };
    live.metadata.managedFields = recordUpdate({
      old,
      updated: live,
      manager: 'deckhouse-controller',
      schema: MODULE,
      apiVersion: 'deckhouse.io/v1beta1',
      now: T1,
      subresource: 'status',
    }) as unknown as Json;
    const res = serverSideApply({
      live,
      manager: 'me',
      force: false,
      schema: MODULE,
      apiVersion: 'deckhouse.io/v1beta1',
      now: T2,
      subresource: 'status',
      applied: { ...old, status: { conditions: [{ type: 'Ready', status: 'False' }] } } as Obj,
    });
    expect(res).toEqual({
      ok: false,
      conflicts: [
        {
          manager: 'deckhouse-controller',
          apiVersion: 'deckhouse.io/v1beta1',
          field: '.status.conditions[type="Ready"].status',
          operation: 'Update',
          subresource: 'status',
        },
      ],
    });
  });
});

describe('conflictManagerText', () => {
  it('names appliers alone, updaters with their version, and the subresource', () => {
    expect(conflictManagerText({ manager: 'gitops', apiVersion: V1, field: '.spec.x', operation: 'Apply' })).toBe(
      '"gitops"',
    );
    expect(
      conflictManagerText({ manager: 'kubectl-edit', apiVersion: V1, field: '.spec.x', operation: 'Update' }),
    ).toBe('"kubectl-edit" using deckhouse.io/v1alpha1');
    expect(
      conflictManagerText({
        manager: 'c',
        apiVersion: V1,
        field: '.status.x',
        operation: 'Update',
        subresource: 'status',
      }),
    ).toBe('"c" with subresource "status" using deckhouse.io/v1alpha1');
  });
});

describe('conflictManagerKey', () => {
  it('identifies updaters by version and subresource but appliers by name alone, never by time', () => {
    expect(conflictManagerKey({ manager: 'gitops', apiVersion: V1, field: '.spec.x', operation: 'Apply' })).toBe(
      '{"manager":"gitops","operation":"Apply"}',
    );
    expect(
      conflictManagerKey({
        manager: 'c',
        apiVersion: V1,
        field: '.status.x',
        operation: 'Update',
        subresource: 'status',
      }),
    ).toBe('{"manager":"c","operation":"Update","apiVersion":"deckhouse.io/v1alpha1","subresource":"status"}');
  });
});
