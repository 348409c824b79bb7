// Checking objects against the OpenAPI v3 document a cluster serves for deckhouse.io, in the shape
// dkp-sim serves it (test/dkp-sim/openapi.ts, built like apiextensions-apiserver's openapi builder:
// components.schemas["io.deckhouse.v1alpha1.ModuleSource"] with x-kubernetes-group-version-kind).
import { describe, expect, it } from 'vitest';
import { checkAgainstCluster, servedSchema, type OpenApiV3Document } from '../../src/core/cluster-schema.ts';
import type { JsonObject, KubeObject } from '../../src/core/object.ts';
import { openApiV3Document } from '../dkp-sim/openapi.ts';
import { defaultRegistry } from '../dkp-sim/resources.ts';

const registry = defaultRegistry();
const docOf = (version: string): OpenApiV3Document =>
  openApiV3Document(registry, 'deckhouse.io', version) as OpenApiV3Document;

type Schema = { properties: Record<string, Schema>; enum?: string[] };
function schemaIn(doc: OpenApiV3Document, name: string): Schema {
  return doc.components!.schemas![name] as Schema;
}

/** The newest document with ModuleSource.spec.scanInterval removed, as Deckhouse 1.70 serves it. */
function olderV1alpha1(): OpenApiV3Document {
  const doc = structuredClone(docOf('v1alpha1'));
  delete schemaIn(doc, 'io.deckhouse.v1alpha1.ModuleSource').properties.spec!.properties.scanInterval;
  return doc;
}

const source = (spec: JsonObject): KubeObject => ({
  apiVersion: 'deckhouse.io/v1alpha1',
  kind: 'ModuleSource',
  metadata: { name: 'example', labels: { 'modsync.io/instance': 'modsync' } },
  spec,
});

const policy = (spec: JsonObject): KubeObject => ({
  apiVersion: 'deckhouse.io/v1alpha2',
  kind: 'ModuleUpdatePolicy',
  metadata: { name: 'p' },
  spec,
});

describe('checkAgainstCluster', () => {
  it('accepts what the cluster declares, metadata and preserve-unknown settings included', () => {
    expect(checkAgainstCluster(source({ registry: { repo: 'r' }, scanInterval: '5m' }), docOf('v1alpha1'))).toEqual([]);
    const mc: KubeObject = {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleConfig',
      metadata: { name: 'm', annotations: { a: 'b' } },
      spec: { enabled: true, version: 1, settings: { anything: { nested: [1, 2] } } },
    };
    expect(checkAgainstCluster(mc, docOf('v1alpha1'))).toEqual([]);
  });

  it('names a field the cluster does not declare, and its Deckhouse version', () => {
    const obj = source({ registry: { repo: 'r' }, scanInterval: '5m' });
    const problems = checkAgainstCluster(obj, olderV1alpha1(), { deckhouseVersion: '1.70' });
    expect(problems).toEqual([
      {
        reason: 'UnknownField',
        field: 'spec.scanInterval',
        message: "spec.scanInterval: field not declared in the cluster's ModuleSource schema (Deckhouse 1.70)",
      },
    ]);
  });

  it('finds unknown fields deep inside lists of objects', () => {
    const windows = [{ from: '8:00', to: '10:00', dayz: ['Mon'] }];
    const spec = { releaseChannel: 'Stable', update: { mode: 'Auto', windows } };
    const problems = checkAgainstCluster(policy(spec), docOf('v1alpha2'));
    expect(problems.map((p) => p.message)).toEqual([
      "spec.update.windows[0].dayz: field not declared in the cluster's ModuleUpdatePolicy schema " +
        '(its Deckhouse version)',
    ]);
  });

  it('rejects an enum value the cluster does not accept, and takes one a newer cluster added', () => {
    const lts = policy({ releaseChannel: 'Lts', update: { mode: 'Auto' } });
    const older = checkAgainstCluster(lts, docOf('v1alpha2'), { deckhouseVersion: '1.70' });
    expect(older).toEqual([
      {
        reason: 'UnsupportedValue',
        field: 'spec.releaseChannel',
        message:
          'spec.releaseChannel: "Lts" is not accepted by the cluster (Deckhouse 1.70); ' +
          'supported values: Alpha, Beta, EarlyAccess, Stable, RockSolid',
      },
    ]);
    const newer = structuredClone(docOf('v1alpha2'));
    const spec = schemaIn(newer, 'io.deckhouse.v1alpha2.ModuleUpdatePolicy').properties.spec!;
    spec.properties.releaseChannel!.enum!.push('Lts');
    expect(checkAgainstCluster(lts, newer)).toEqual([]);
  });

  it('says when the kind/version is not served at all', () => {
    const mup = policy({ releaseChannel: 'Stable' });
    const problems = checkAgainstCluster(mup, docOf('v1alpha1'), { deckhouseVersion: '1.60' });
    const message = 'deckhouse.io/v1alpha2 ModuleUpdatePolicy is not served by the cluster (Deckhouse 1.60)';
    expect(problems).toEqual([{ reason: 'NotServed', field: '', message }]);
    expect(checkAgainstCluster(source({}), undefined)[0]?.reason).toBe('NotServed');
  });

  it('follows $ref/allOf the way the real apiserver publishes metadata and shared types', () => {
    const doc: OpenApiV3Document = {
      components: {
        schemas: {
          'io.deckhouse.v1alpha1.ModuleSource': {
            type: 'object',
            'x-kubernetes-group-version-kind': [{ group: 'deckhouse.io', kind: 'ModuleSource', version: 'v1alpha1' }],
            properties: {
              metadata: { allOf: [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }] },
              spec: { allOf: [{ $ref: '#/components/schemas/spec' }] },
            },
          },
          spec: {
            type: 'object',
            properties: { registry: { type: 'object', properties: { repo: { type: 'string' } } } },
          },
        },
      },
    };
    expect(servedSchema(doc, 'deckhouse.io/v1alpha1', 'ModuleSource')).toBeDefined();
    const problems = checkAgainstCluster(source({ registry: { repo: 'r', scheme: 'HTTPS' } }), doc);
    expect(problems.map((p) => p.field)).toEqual(['spec.registry.scheme']);
  });
});
