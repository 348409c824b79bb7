import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { applyDefaults, pruneUnknownFields, validateObject } from './schema.ts';
import type { FieldError, Obj, Schema } from './types.ts';

/** The openAPIV3Schema of one version of a real Deckhouse CRD. */
function crdSchema(file: string, version: string): Schema {
  const path = fileURLToPath(new URL(`../../crds/deckhouse/${file}.yaml`, import.meta.url));
  const crd = parse(readFileSync(path, 'utf8')) as {
    spec: { versions: Array<{ name: string; schema: { openAPIV3Schema: Schema } }> };
  };
  const v = crd.spec.versions.find((x) => x.name === version);
  if (!v) throw new Error(`${file} has no version ${version}`);
  return v.schema.openAPIV3Schema;
}

const MS = crdSchema('modulesource', 'v1alpha1');
const MC = crdSchema('moduleconfig', 'v1alpha1');
const MUP1 = crdSchema('moduleupdatepolicy', 'v1alpha1');
const MUP2 = crdSchema('moduleupdatepolicy', 'v1alpha2');
const MODULE2 = crdSchema('module', 'v1beta1');

function obj(kind: string, rest: Record<string, unknown>, metadata: Record<string, unknown> = {}): Obj {
  return { apiVersion: 'deckhouse.io/v1alpha1', kind, metadata: { name: 'x', ...metadata }, ...rest } as Obj;
}

describe('pruneUnknownFields', () => {
  it('drops undeclared fields and reports them as the apiserver names them', () => {
    const o = obj(
      'ModuleSource',
      { spec: { registry: { repo: 'r', color: 'red' }, bogus: 1 }, extra: true },
      { foo: 'bar' },
    );
    expect(pruneUnknownFields(MS, o)).toEqual(['metadata.foo', 'extra', 'spec.bogus', 'spec.registry.color']);
    expect(o).toEqual(obj('ModuleSource', { spec: { registry: { repo: 'r' } } }));
  });

  it('names list items by index', () => {
    const o = obj('ModuleUpdatePolicy', {
      spec: {
        update: {
          windows: [
            { from: '1:00', to: '2:00' },
            { from: '3:00', to: '4:00', tz: 'UTC' },
          ],
        },
      },
    });
    expect(pruneUnknownFields(MUP2, o)).toEqual(['spec.update.windows[1].tz']);
  });

  it('keeps everything under x-kubernetes-preserve-unknown-fields and additionalProperties', () => {
    const mc = obj('ModuleConfig', { spec: { enabled: true, settings: { any: { deep: [1, { x: null }] } } } });
    expect(pruneUnknownFields(MC, mc)).toEqual([]);
    expect((mc.spec as any).settings).toEqual({ any: { deep: [1, { x: null }] } });
    const mup = obj('ModuleUpdatePolicy', {
      spec: {
        update: {},
        moduleReleaseSelector: { labelSelector: { matchLabels: { source: 'example', 'any/key': 'v' } } },
      },
    });
    expect(pruneUnknownFields(MUP1, mup)).toEqual([]);
    expect((mup.spec as any).moduleReleaseSelector.labelSelector.matchLabels).toEqual({
      source: 'example',
      'any/key': 'v',
    });
  });

  it('never prunes apiVersion, kind or standard metadata', () => {
    const o = obj(
      'ModuleSource',
      { spec: { registry: { repo: 'r' } } },
      { labels: { a: 'b' }, annotations: { c: 'd' }, finalizers: ['f'], uid: 'u' },
    );
    const before = structuredClone(o);
    expect(pruneUnknownFields(MS, o)).toEqual([]);
    expect(o).toEqual(before);
  });

  it('drops nulls of non-nullable fields without a default, keeps them where a default will apply', () => {
    const o = obj('ModuleSource', { spec: { registry: { repo: 'r', scheme: null, ca: null } } });
    pruneUnknownFields(MS, o);
    expect((o.spec as any).registry).toEqual({ repo: 'r', scheme: null });
    applyDefaults(MS, o);
    expect((o.spec as any).registry).toEqual({ repo: 'r', scheme: 'HTTPS' });
  });
});

describe('applyDefaults', () => {
  it('defaults ModuleSource spec.registry.scheme to HTTPS', () => {
    const o = obj('ModuleSource', { spec: { registry: { repo: 'r' } } });
    applyDefaults(MS, o);
    expect(o.spec).toEqual({ registry: { repo: 'r', scheme: 'HTTPS' } });
  });

  it('keeps a value that is set', () => {
    const o = obj('ModuleSource', { spec: { registry: { repo: 'r', scheme: 'HTTP' } } });
    applyDefaults(MS, o);
    expect((o.spec as any).registry.scheme).toBe('HTTP');
  });

  it('defaults MUP v1alpha2 releaseChannel, and update.mode only where update exists', () => {
    const withUpdate = obj('ModuleUpdatePolicy', { spec: { update: { windows: [] } } });
    applyDefaults(MUP2, withUpdate);
    expect(withUpdate.spec).toEqual({ releaseChannel: 'Stable', update: { mode: 'Auto', windows: [] } });
    const withoutUpdate = obj('ModuleUpdatePolicy', { spec: {} });
    applyDefaults(MUP2, withoutUpdate);
    expect(withoutUpdate.spec).toEqual({ releaseChannel: 'Stable' });
    const noSpec = obj('ModuleUpdatePolicy', {});
    applyDefaults(MUP2, noSpec);
    expect(noSpec.spec).toBeUndefined();
  });

  it('defaults MUP v1alpha1 update to {} and then its mode to AutoPatch', () => {
    const o = obj('ModuleUpdatePolicy', {
      spec: { moduleReleaseSelector: { labelSelector: { matchLabels: { a: 'b' } } } },
    });
    applyDefaults(MUP1, o);
    expect((o.spec as any).update).toEqual({ mode: 'AutoPatch' });
    expect((o.spec as any).releaseChannel).toBe('Stable');
  });

  it('deep-copies default values', () => {
    const schema: Schema = {
      type: 'object',
      properties: {
        spec: { type: 'object', properties: { list: { type: 'array', items: { type: 'string' }, default: ['a'] } } },
      },
    };
    const a = obj('X', { spec: {} });
    const b = obj('X', { spec: {} });
    applyDefaults(schema, a);
    applyDefaults(schema, b);
    (a.spec as any).list.push('b');
    expect((b.spec as any).list).toEqual(['a']);
    expect(schema.properties!.spec!.properties!.list!.default).toEqual(['a']);
  });
});

describe('validateObject: the apiserver field errors the Deckhouse CRDs can produce', () => {
  const cases: Array<{ name: string; schema: Schema; o: Obj; want: FieldError[] }> = [
    {
      name: 'type: string where a boolean is declared',
      schema: MC,
      o: obj('ModuleConfig', { spec: { enabled: 'yes' } }),
      want: [
        {
          reason: 'FieldValueTypeInvalid',
          field: 'spec.enabled',
          message: 'Invalid value: "string": spec.enabled in body must be of type boolean: "string"',
        },
      ],
    },
    {
      name: 'type: number field given a string, object field given an integer',
      schema: MC,
      o: obj('ModuleConfig', { spec: { version: '1', settings: 3 } }),
      want: [
        {
          reason: 'FieldValueTypeInvalid',
          field: 'spec.version',
          message: 'Invalid value: "string": spec.version in body must be of type number: "string"',
        },
        {
          reason: 'FieldValueTypeInvalid',
          field: 'spec.settings',
          message: 'Invalid value: "integer": spec.settings in body must be of type object: "integer"',
        },
      ],
    },
    {
      name: 'required spec',
      schema: MC,
      o: obj('ModuleConfig', {}),
      want: [{ reason: 'FieldValueRequired', field: 'spec', message: 'Required value' }],
    },
    {
      name: 'enum and nested required',
      schema: MS,
      o: obj('ModuleSource', { spec: { registry: { scheme: 'FTP' } } }),
      want: [
        {
          reason: 'FieldValueNotSupported',
          field: 'spec.registry.scheme',
          message: 'Unsupported value: "FTP": supported values: "HTTP", "HTTPS"',
        },
        { reason: 'FieldValueRequired', field: 'spec.registry.repo', message: 'Required value' },
      ],
    },
    {
      name: 'pattern inside a list item, enum in a nested list',
      schema: MUP2,
      o: obj('ModuleUpdatePolicy', {
        spec: { update: { windows: [{ from: '25:00', to: '10:00', days: ['Mon', 'Funday'] }] } },
      }),
      want: [
        {
          reason: 'FieldValueInvalid',
          field: 'spec.update.windows[0].from',
          message:
            'Invalid value: "25:00": spec.update.windows[0].from in body should match \'^(?:\\d|[01]\\d|2[0-3]):[0-5]\\d$\'',
        },
        {
          reason: 'FieldValueNotSupported',
          field: 'spec.update.windows[0].days[1]',
          message: 'Unsupported value: "Funday": supported values: "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"',
        },
      ],
    },
    {
      name: 'required inside a list item',
      schema: MUP2,
      o: obj('ModuleUpdatePolicy', { spec: { update: { windows: [{ from: '1:00' }] } } }),
      want: [{ reason: 'FieldValueRequired', field: 'spec.update.windows[0].to', message: 'Required value' }],
    },
    {
      name: 'scanInterval pattern of a ModuleSource',
      schema: MS,
      o: obj('ModuleSource', { spec: { registry: { repo: 'r' }, scanInterval: '5 minutes' } }),
      want: [
        {
          reason: 'FieldValueInvalid',
          field: 'spec.scanInterval',
          message: 'Invalid value: "5 minutes": spec.scanInterval in body should match \'^(\\d+h)?(\\d+m)?(\\d+s)?$\'',
        },
      ],
    },
    {
      name: 'minProperties of the v1alpha1 label selector',
      schema: MUP1,
      o: obj('ModuleUpdatePolicy', { spec: { update: {}, moduleReleaseSelector: { labelSelector: {} } } }),
      want: [
        {
          reason: 'FieldValueInvalid',
          field: 'spec.moduleReleaseSelector.labelSelector',
          message:
            'Invalid value: 0: spec.moduleReleaseSelector.labelSelector in body should have at least 1 properties',
        },
      ],
    },
    {
      name: 'additionalProperties values are validated under their key',
      schema: MUP1,
      o: obj('ModuleUpdatePolicy', {
        spec: { update: {}, moduleReleaseSelector: { labelSelector: { matchLabels: { module: 7 } } } },
      }),
      want: [
        {
          reason: 'FieldValueTypeInvalid',
          field: 'spec.moduleReleaseSelector.labelSelector.matchLabels.module',
          message:
            'Invalid value: "integer": spec.moduleReleaseSelector.labelSelector.matchLabels.module in body must be of type string: "integer"',
        },
      ],
    },
    {
      name: 'oneOf/not of the v1alpha1 matchExpressions (Exists with values)',
      schema: MUP1,
      o: obj('ModuleUpdatePolicy', {
        spec: {
          update: {},
          moduleReleaseSelector: {
            labelSelector: { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] },
          },
        },
      }),
      want: [
        {
          reason: 'FieldValueInvalid',
          field: '<nil>',
          message:
            'Invalid value: "": "spec.moduleReleaseSelector.labelSelector.matchExpressions[0]" must validate one and only one schema (oneOf). Found none valid',
        },
        {
          reason: 'FieldValueInvalid',
          field: '<nil>',
          message:
            'Invalid value: "": "spec.moduleReleaseSelector.labelSelector.matchExpressions[0]" must not validate the schema (not)',
        },
      ],
    },
    {
      name: 'oneOf of the v1alpha1 matchExpressions (In without values)',
      schema: MUP1,
      o: obj('ModuleUpdatePolicy', {
        spec: {
          update: {},
          moduleReleaseSelector: { labelSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] } },
        },
      }),
      want: [
        {
          reason: 'FieldValueInvalid',
          field: '<nil>',
          message:
            'Invalid value: "": "spec.moduleReleaseSelector.labelSelector.matchExpressions[0]" must validate one and only one schema (oneOf). Found none valid',
        },
        {
          reason: 'FieldValueRequired',
          field: 'spec.moduleReleaseSelector.labelSelector.matchExpressions[0].values',
          message: 'Required value',
        },
      ],
    },
    {
      name: 'date-time format, minLength, int64 format and minimum of conditions',
      schema: MODULE2,
      o: obj('Module', {
        spec: { packageVersion: 'v1.0.0' },
        status: {
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              lastTransitionTime: 'yesterday',
              reason: '',
              message: 'm',
              observedGeneration: 1.5,
            },
            {
              type: 'Installed',
              status: 'True',
              lastTransitionTime: '2026-01-02T03:04:05Z',
              reason: 'R',
              message: 'm',
              observedGeneration: -1,
            },
          ],
        },
      }),
      want: [
        {
          reason: 'FieldValueTypeInvalid',
          field: 'status.conditions[0].lastTransitionTime',
          message:
            'Invalid value: "yesterday": status.conditions[0].lastTransitionTime in body must be of type date-time: "yesterday"',
        },
        {
          reason: 'FieldValueTypeInvalid',
          field: 'status.conditions[0].observedGeneration',
          message:
            'Invalid value: "float64": status.conditions[0].observedGeneration in body must be of type int64: "float64"',
        },
        {
          reason: 'FieldValueInvalid',
          field: 'status.conditions[0].reason',
          message: 'Invalid value: "": status.conditions[0].reason in body should be at least 1 chars long',
        },
        {
          reason: 'FieldValueInvalid',
          field: 'status.conditions[1].observedGeneration',
          message:
            'Invalid value: -1: status.conditions[1].observedGeneration in body should be greater than or equal to 0',
        },
      ],
    },
    {
      name: 'duplicate keys of a map-type list',
      schema: MODULE2,
      o: obj('Module', {
        spec: { packageVersion: 'v1.0.0' },
        status: {
          conditions: [
            { type: 'Ready', status: 'True', lastTransitionTime: '2026-01-02T03:04:05Z', reason: 'R', message: 'm' },
            { type: 'Ready', status: 'False', lastTransitionTime: '2026-01-02T03:04:05Z', reason: 'R', message: 'm' },
          ],
        },
      }),
      want: [
        {
          reason: 'FieldValueDuplicate',
          field: 'status.conditions[1]',
          message: 'Duplicate value: map[string]interface {}{"type":"Ready"}',
        },
      ],
    },
    {
      name: 'a valid object has no errors',
      schema: MUP2,
      o: obj('ModuleUpdatePolicy', {
        spec: {
          releaseChannel: 'Alpha',
          update: { mode: 'Manual', windows: [{ from: '13:30', to: '14:00', days: ['Mon'] }] },
        },
      }),
      want: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(validateObject(c.schema, c.o)).toEqual(c.want);
    });
  }

  const custom: Schema = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          port: { 'x-kubernetes-int-or-string': true },
          count: { type: 'integer' },
          ratio: { type: 'number' },
          note: { type: 'string', nullable: true },
          name: { type: 'string', maxLength: 3 },
          tags: { type: 'array', items: { type: 'string' }, maxItems: 1 },
        },
      },
    },
  };
  const customCases: Array<{ name: string; spec: Record<string, unknown>; want: FieldError[] }> = [
    { name: 'int-or-string accepts both', spec: { port: 'http' }, want: [] },
    {
      name: 'int-or-string rejects others',
      spec: { port: true },
      want: [
        {
          reason: 'FieldValueTypeInvalid',
          field: 'spec.port',
          message: 'Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"',
        },
      ],
    },
    {
      name: 'integer rejects a fraction',
      spec: { count: 1.5 },
      want: [
        {
          reason: 'FieldValueTypeInvalid',
          field: 'spec.count',
          message: 'Invalid value: "number": spec.count in body must be of type integer: "number"',
        },
      ],
    },
    { name: 'number accepts an integer', spec: { ratio: 2 }, want: [] },
    { name: 'nullable accepts null', spec: { note: null }, want: [] },
    {
      name: 'non-nullable rejects null',
      spec: { name: null },
      want: [
        {
          reason: 'FieldValueTypeInvalid',
          field: 'spec.name',
          message: 'Invalid value: "null": spec.name in body must be of type string: "null"',
        },
      ],
    },
    {
      name: 'maxLength',
      spec: { name: 'long' },
      want: [{ reason: 'FieldValueTooLong', field: 'spec.name', message: 'Too long: may not be more than 3 bytes' }],
    },
    {
      name: 'maxItems',
      spec: { tags: ['a', 'b'] },
      want: [{ reason: 'FieldValueTooMany', field: 'spec.tags', message: 'Too many: 2: must have at most 1 items' }],
    },
  ];
  for (const c of customCases) {
    it(`schema keyword: ${c.name}`, () => {
      expect(validateObject(custom, obj('X', { spec: c.spec }))).toEqual(c.want);
    });
  }
});
