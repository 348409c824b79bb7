import { describe, expect, it } from 'vitest';
import { FieldSet, decodeFieldsV1, encodeFieldsV1 } from '../../src/core/field-set.ts';
import { displayPath, fieldSetOf, valueAt } from '../../src/core/field-set-walk.ts';
import { APPLY_ORDER, apiVersionOf } from '../../src/core/kinds.ts';
import type { KubeObject } from '../../src/core/object.ts';
import type { SchemaNode } from '../../src/core/schema-info.ts';
import { loadSchemaInfo, schemaInfoFromCrds } from '../../src/core/schema-info.ts';

const schemas = loadSchemaInfo();

function schemaOf(obj: KubeObject): SchemaNode {
  const s = schemas.schemaFor(obj.kind, obj.apiVersion);
  if (!s) throw new Error(`no schema for ${obj.apiVersion} ${obj.kind}`);
  return s;
}

const mc: KubeObject = {
  apiVersion: 'deckhouse.io/v1alpha1',
  kind: 'ModuleConfig',
  metadata: {
    name: 'module-one',
    uid: 'u-1',
    resourceVersion: '7',
    generation: 2,
    creationTimestamp: '2026-01-01T00:00:00Z',
    labels: { 'modsync.io/instance': 'modsync' },
    managedFields: [],
  },
  spec: {
    enabled: true,
    version: 1,
    source: 'example',
    settings: {
      logLevel: 'debug',
      https: { mode: 'CertManager', certManager: { clusterIssuerName: 'letsencrypt' } },
      nodeSelector: {},
      tolerations: [{ key: 'dedicated', operator: 'Exists' }],
    },
  },
  status: { version: '1', message: '' },
};

describe('schema info', () => {
  it('loads the project CRDs and knows every managed kind at the version modsync writes', () => {
    for (const kind of APPLY_ORDER) expect(schemas.schemaFor(kind, apiVersionOf(kind))?.type).toBe('map');
    expect(schemas.schemaFor('ModuleConfig', 'deckhouse.io/v9')).toBeUndefined();
  });
});

describe('fieldSetOf follows the server for the three managed kinds', () => {
  it('ModuleConfig: label keys and settings keys are members, nested settings maps carry ".", lists inside settings are atomic', () => {
    expect(encodeFieldsV1(fieldSetOf(mc, schemaOf(mc)))).toEqual({
      'f:metadata': { 'f:labels': { 'f:modsync.io/instance': {} } },
      'f:spec': {
        'f:enabled': {},
        'f:source': {},
        'f:version': {},
        'f:settings': {
          'f:https': { '.': {}, 'f:certManager': { '.': {}, 'f:clusterIssuerName': {} }, 'f:mode': {} },
          'f:logLevel': {},
          'f:nodeSelector': {},
          'f:tolerations': {},
        },
      },
    });
  });

  it('ModuleSource: declared registry struct is not a member, only its contents', () => {
    const ms: KubeObject = {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleSource',
      metadata: {
        name: 'example',
        labels: { 'modsync.io/instance': 'prod', team: 'platform' },
        annotations: { note: 'x' },
      },
      spec: { scanInterval: '15m', registry: { repo: 'registry.example.io/modules', dockerCfg: 'e30=' } },
    };
    expect(encodeFieldsV1(fieldSetOf(ms, schemaOf(ms)))).toEqual({
      'f:metadata': {
        'f:annotations': { 'f:note': {} },
        'f:labels': { 'f:modsync.io/instance': {}, 'f:team': {} },
      },
      'f:spec': { 'f:registry': { 'f:dockerCfg': {}, 'f:repo': {} }, 'f:scanInterval': {} },
    });
  });

  it('ModuleUpdatePolicy: the windows list is one atomic leaf', () => {
    const mup: KubeObject = {
      apiVersion: 'deckhouse.io/v1alpha2',
      kind: 'ModuleUpdatePolicy',
      metadata: { name: 'night' },
      spec: {
        releaseChannel: 'Stable',
        update: { mode: 'Auto', windows: [{ from: '1:00', to: '4:30', days: ['Mon'] }] },
      },
    };
    expect(encodeFieldsV1(fieldSetOf(mup, schemaOf(mup)))).toEqual({
      'f:spec': { 'f:releaseChannel': {}, 'f:update': { 'f:mode': {}, 'f:windows': {} } },
    });
  });

  it('ModuleUpdatePolicy: an empty declared object (update: {}) is a member itself, as the API server records it', () => {
    const mup: KubeObject = {
      apiVersion: 'deckhouse.io/v1alpha2',
      kind: 'ModuleUpdatePolicy',
      metadata: { name: 'plain' },
      spec: { releaseChannel: 'Alpha', update: {} },
    };
    expect(encodeFieldsV1(fieldSetOf(mup, schemaOf(mup)))).toEqual({
      'f:spec': { 'f:releaseChannel': {}, 'f:update': {} },
    });
    const mc: KubeObject = {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleConfig',
      metadata: { name: 'm' },
      spec: { enabled: false, settings: {} },
    };
    expect(encodeFieldsV1(fieldSetOf(mc, schemaOf(mc)))).toEqual({ 'f:spec': { 'f:enabled': {}, 'f:settings': {} } });
  });

  it('leaves out apiVersion, kind, name, server metadata and status', () => {
    const paths = fieldSetOf(mc, schemaOf(mc))
      .paths()
      .map((p) => p.join('/'));
    expect(
      paths.some((p) =>
        /status|f:name|f:uid|resourceVersion|generation|creationTimestamp|managedFields|apiVersion|f:kind/.test(p),
      ),
    ).toBe(false);
  });

  it('keys unknown to the schema (pruned by the server) are not members', () => {
    const ms: KubeObject = {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleSource',
      metadata: { name: 'x' },
      spec: { registry: { repo: 'r', bogus: 'y' } },
    };
    expect(encodeFieldsV1(fieldSetOf(ms, schemaOf(ms)))).toEqual({ 'f:spec': { 'f:registry': { 'f:repo': {} } } });
  });
});

describe('fieldsV1 decoding and encoding', () => {
  const wire = {
    'f:metadata': {
      'f:labels': { '.': {}, 'f:app': {} },
      'f:finalizers': { '.': {}, 'v:"modules.deckhouse.io/module-registered"': {} },
    },
    'f:spec': { 'f:settings': { 'f:https': { '.': {}, 'f:mode': {} } } },
  };

  it('round-trips a server fieldsV1 object', () => {
    expect(encodeFieldsV1(decodeFieldsV1(wire))).toEqual(wire);
  });

  it('decodes members: "." marks a member with children, {} a member leaf, plain nesting is not a member', () => {
    const set = decodeFieldsV1(wire);
    expect(set.has(['f:metadata', 'f:labels'])).toBe(true);
    expect(set.has(['f:metadata'])).toBe(false);
    expect(set.has(['f:spec', 'f:settings'])).toBe(false);
    expect(set.has(['f:spec', 'f:settings', 'f:https'])).toBe(true);
    expect(set.has(['f:spec', 'f:settings', 'f:https', 'f:mode'])).toBe(true);
    expect(set.size).toBe(6);
  });

  it('treats keyed elements with differently ordered JSON as the same path', () => {
    const a = decodeFieldsV1({ 'f:items': { 'k:{"b":1,"a":"x"}': { 'f:v': {} } } });
    const b = decodeFieldsV1({ 'f:items': { 'k:{"a":"x","b":1}': { 'f:v': {} } } });
    expect(a.equals(b)).toBe(true);
  });

  it('set equality notices one missing or extra member', () => {
    const base = decodeFieldsV1({ 'f:spec': { 'f:enabled': {}, 'f:source': {} } });
    expect(base.equals(decodeFieldsV1({ 'f:spec': { 'f:source': {}, 'f:enabled': {} } }))).toBe(true);
    expect(base.equals(decodeFieldsV1({ 'f:spec': { 'f:enabled': {} } }))).toBe(false);
    expect(base.equals(decodeFieldsV1({ 'f:spec': { 'f:enabled': {}, 'f:source': {}, 'f:version': {} } }))).toBe(false);
  });

  it('an empty or absent fieldsV1 is the empty set', () => {
    expect(decodeFieldsV1(undefined).size).toBe(0);
    expect(decodeFieldsV1({}).size).toBe(0);
  });
});

describe('walking objects along paths', () => {
  it('leaves() yields the values to compare, with their dotted names', () => {
    const set = fieldSetOf(mc, schemaOf(mc));
    const leaves = set.leaves().map((p) => displayPath(p));
    expect(leaves).toContain('metadata.labels["modsync.io/instance"]');
    expect(leaves).toContain('spec.settings.https.certManager.clusterIssuerName');
    expect(leaves).toContain('spec.settings.tolerations');
    expect(leaves).not.toContain('spec.settings.https');
  });

  it('leaves() follows inserts and deletes, also past members that are not direct parents', () => {
    const set = new FieldSet([['f:spec'], ['f:spec', 'f:a', 'f:b'], ['f:other']]);
    expect(set.leaves()).toEqual([['f:spec', 'f:a', 'f:b'], ['f:other']]);
    set.leaves().pop(); // a caller's copy: the set keeps its own
    set.insert(['f:other', 'f:x']);
    expect(set.leaves()).toEqual([
      ['f:spec', 'f:a', 'f:b'],
      ['f:other', 'f:x'],
    ]);
    set.delete(['f:spec', 'f:a', 'f:b']);
    expect(set.leaves()).toEqual([['f:spec'], ['f:other', 'f:x']]);
    const other = new FieldSet([['f:spec'], ['f:new']]);
    expect(set.difference(other).paths()).toEqual([['f:other'], ['f:other', 'f:x']]);
    expect(set.union(other).leaves()).toEqual([['f:spec'], ['f:other', 'f:x'], ['f:new']]);
  });

  it('valueAt follows fields, keyed items and set values', () => {
    const obj = {
      spec: {
        items: [
          { name: 'a', v: 1 },
          { name: 'b', v: 2 },
        ],
        tags: ['x', 'y'],
      },
    };
    expect(valueAt(obj, ['f:spec', 'f:items', 'k:{"name":"b"}', 'f:v'])).toEqual({ found: true, value: 2 });
    expect(valueAt(obj, ['f:spec', 'f:tags', 'v:"y"'])).toEqual({ found: true, value: 'y' });
    expect(valueAt(obj, ['f:spec', 'f:missing'])).toEqual({ found: false });
    expect(displayPath(['f:spec', 'f:items', 'k:{"name":"b"}', 'f:v'])).toBe('spec.items[name=b].v');
  });

  it('honours x-kubernetes-list-type set and map from a CRD', () => {
    const info = schemaInfoFromCrds([
      {
        kind: 'CustomResourceDefinition',
        spec: {
          group: 'example.io',
          names: { kind: 'Thing' },
          versions: [
            {
              name: 'v1',
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: {
                      type: 'object',
                      properties: {
                        tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
                        ports: {
                          type: 'array',
                          'x-kubernetes-list-type': 'map',
                          'x-kubernetes-list-map-keys': ['name'],
                          items: {
                            type: 'object',
                            properties: { name: { type: 'string' }, port: { type: 'integer' } },
                          },
                        },
                        selector: {
                          type: 'object',
                          'x-kubernetes-map-type': 'atomic',
                          additionalProperties: { type: 'string' },
                        },
                      },
                    },
                  },
                },
              },
            },
          ],
        },
      },
    ]);
    const obj: KubeObject = {
      apiVersion: 'example.io/v1',
      kind: 'Thing',
      metadata: { name: 't' },
      spec: { tags: ['a'], ports: [{ name: 'http', port: 80 }], selector: { app: 'x' } },
    };
    const root = info.schemaFor('Thing', 'example.io/v1') as SchemaNode;
    expect(encodeFieldsV1(fieldSetOf(obj, root))).toEqual({
      'f:spec': {
        'f:ports': { 'k:{"name":"http"}': { '.': {}, 'f:name': {}, 'f:port': {} } },
        'f:selector': {},
        'f:tags': { 'v:"a"': {} },
      },
    });
  });

  it('FieldSet union and difference', () => {
    const a = new FieldSet([['f:a'], ['f:b']]);
    const b = new FieldSet([['f:b'], ['f:c']]);
    expect(a.union(b).size).toBe(3);
    expect(a.difference(b).paths()).toEqual([['f:a']]);
  });
});
