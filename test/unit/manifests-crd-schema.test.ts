// The CRD validator must catch what the API server (with strict field validation) would
// reject, and must not reject what the server accepts: Kubernetes keywords and formats,
// unknown fields, and the open/closed rules of structural schemas.
import { describe, expect, it } from 'vitest';
import { createCrdValidator, loadCrdSchemas, toStrictSchema } from '../../src/manifests/crd-schema.ts';

const schema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        port: { 'x-kubernetes-int-or-string': true },
        replicas: { type: 'integer', format: 'int32' },
        cert: { type: 'string', format: 'byte' },
        memory: { type: 'string', format: 'quantity' },
        at: { type: 'string', format: 'date-time' },
        vendor: { type: 'string', format: 'something-k8s-does-not-know' },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        items: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: {
            type: 'object',
            properties: {
              name: { type: 'string' },
              op: { type: 'string' },
              values: { type: 'array', items: { type: 'string' } },
            },
            oneOf: [
              { properties: { op: { enum: ['Exists'] } }, not: { required: ['values'] } },
              { properties: { op: { enum: ['In'] } }, required: ['values'] },
            ],
          },
        },
      },
      'x-kubernetes-validations': [{ rule: 'self.replicas > 0', message: 'CEL is not evaluated client-side' }],
      'x-doc-default': {},
    },
  },
};

const validator = createCrdValidator([{ apiVersion: 'example.io/v1', kind: 'Thing', schema }]);
const check = (spec: Record<string, unknown>) =>
  validator
    .validate('example.io/v1', 'Thing', {
      apiVersion: 'example.io/v1',
      kind: 'Thing',
      metadata: { name: 'x', anything: 1 },
      spec,
    })
    .map((p) => p.message);

describe('Kubernetes keywords and formats', () => {
  it('accepts a valid object, including preserved unknown fields and open maps', () => {
    expect(
      check({
        port: 'http',
        replicas: 3,
        cert: 'aGVsbG8=',
        memory: '1.5Gi',
        at: '2026-01-01T00:00:00Z',
        vendor: 'x',
        free: { any: { thing: 1 } },
        labels: { a: 'b' },
      }),
    ).toEqual([]);
    expect(check({ port: 8080 })).toEqual([]);
  });

  it('implements x-kubernetes-int-or-string', () => {
    expect(check({ port: 1.5 })).toEqual(['spec.port: must be an integer or a string, not a number']);
    expect(check({ port: true })).toEqual(['spec.port: must be an integer or a string, not a boolean']);
  });

  it('checks int32, byte, quantity and date-time, ignoring formats Kubernetes does not know', () => {
    expect(check({ replicas: 2 ** 31 })).toEqual(['spec.replicas: must be a valid int32 (got 2147483648)']);
    expect(check({ cert: 'not base64!' })).toEqual(['spec.cert: must be a valid byte (got "not base64!")']);
    expect(check({ memory: '1.5 GB' })).toEqual(['spec.memory: must be a valid quantity (got "1.5 GB")']);
    expect(check({ at: 'yesterday' })).toEqual(['spec.at: must be a valid date-time (got "yesterday")']);
    expect(check({ vendor: 'anything at all' })).toEqual([]);
  });

  it('reports unknown fields in closed objects, at the key, with a hint', () => {
    const problems = validator.validate('example.io/v1', 'Thing', { spec: { replica: 1 } });
    expect(problems).toEqual([
      { path: ['spec', 'replica'], message: 'spec.replica: unknown field (did you mean "replicas"?)', target: 'key' },
    ]);
  });

  it('keeps oneOf branches open (validation only) and folds their errors into one message', () => {
    expect(
      check({
        items: [
          { name: 'a', op: 'Exists' },
          { name: 'b', op: 'In', values: ['x'] },
        ],
      }),
    ).toEqual([]);
    expect(check({ items: [{ name: 'a', op: 'Exists', values: ['x'] }] })).toEqual([
      'spec.items[0]: must match exactly one of the allowed forms',
    ]);
  });

  it('reports a wrong type once, not with every other keyword of that field', () => {
    expect(check({ labels: 'a=b' })).toEqual(['spec.labels: must be a mapping, not a string']);
  });
});

describe('toStrictSchema', () => {
  it('closes structural objects only and teaches the root about apiVersion, kind and metadata', () => {
    const strict = toStrictSchema(schema) as {
      additionalProperties: unknown;
      properties: Record<
        string,
        { additionalProperties?: unknown; properties?: Record<string, { additionalProperties?: unknown }> }
      >;
    };
    expect(strict.additionalProperties).toBe(false);
    expect(Object.keys(strict.properties)).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
    const spec = strict.properties.spec!;
    expect(spec.additionalProperties).toBe(false);
    expect(spec.properties?.free?.additionalProperties).toBeUndefined();
    expect(spec.properties?.labels?.additionalProperties).toEqual({ type: 'string' });
    expect(schema.properties.spec).not.toHaveProperty('additionalProperties');
  });
});

describe('the project CRDs', () => {
  it('provide every version of the managed kinds, served or not', async () => {
    const names = (await loadCrdSchemas()).map((s) => `${s.apiVersion} ${s.kind}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'deckhouse.io/v1alpha1 ModuleSource',
        'deckhouse.io/v1alpha1 ModuleUpdatePolicy',
        'deckhouse.io/v1alpha2 ModuleUpdatePolicy',
        'deckhouse.io/v1alpha1 ModuleConfig',
      ]),
    );
  });
});
