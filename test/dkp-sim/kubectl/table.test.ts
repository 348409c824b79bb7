/**
 * Table output (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`): column definitions
 * from the CRDs' printer columns, the JSONPath forms they use, date cells as ages, includeObject.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, type SimInstance } from '../index.ts';
import { evaluateJsonPath } from './jsonpath.ts';
import { humanDuration } from '../duration.ts';
import { call, moduleSource, msPath } from '../test-helpers.ts';
import type { Json } from '../types.ts';

const TABLE = {
  Accept:
    'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
};
let sim: SimInstance;
let base: string;

beforeAll(async () => {
  sim = await start({ controller: false });
  base = sim.url;
});
afterAll(async () => {
  await sim.stop();
});

describe('Table responses', () => {
  it('lists ModuleSources as a Table with NAME and the printer columns', async () => {
    const created = (await call(base, 'POST', msPath(), moduleSource('t-a'))).body;
    await call(base, 'PUT', msPath('t-a', 'status'), {
      ...created,
      status: {
        modulesCount: 3,
        phase: 'Active',
        syncTime: new Date(Date.now() - 90_000).toISOString(),
        message: 'Ready',
      },
    });
    const r = await call(base, 'GET', msPath(), undefined, undefined, TABLE);
    expect(r.body).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1' });
    expect(r.body.columnDefinitions.map((c: { name: string }) => c.name)).toEqual([
      'Name',
      'count',
      'status',
      'sync',
      'msg',
    ]);
    expect(r.body.columnDefinitions[0]).toMatchObject({ type: 'string', format: 'name', priority: 0 });
    expect(r.body.columnDefinitions[3]).toMatchObject({
      type: 'date',
      format: 'date-time',
      description: 'When the repository was synchronized.',
    });
    expect(r.body.rows[0].cells).toEqual(['t-a', 3, 'Active', '90s', 'Ready']);
    expect(r.body.rows[0].object).toMatchObject({
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { name: 't-a' },
    });
    expect(r.body.metadata.resourceVersion).toMatch(/^\d+$/);
  });

  it('honours includeObject and answers single GETs as one-row Tables', async () => {
    const none = await call(base, 'GET', `${msPath('t-a')}?includeObject=None`, undefined, undefined, TABLE);
    expect(none.body.rows).toHaveLength(1);
    expect(none.body.rows[0].object).toBeUndefined();
    const full = await call(base, 'GET', `${msPath()}?includeObject=Object`, undefined, undefined, TABLE);
    expect(full.body.rows[0].object.spec.registry.repo).toBe('registry.example.com/t-a');
  });

  it('fills ModuleRelease columns from an escaped label key and leaves missing values null', async () => {
    const mr = {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleRelease',
      metadata: {
        name: 'module-one-v0.7.24',
        labels: { 'modules.deckhouse.io/update-policy': 'manual', module: 'module-one', source: 'example' },
      },
      spec: { moduleName: 'module-one', version: '0.7.24', weight: 900 },
    };
    expect((await call(base, 'POST', '/apis/deckhouse.io/v1alpha1/modulereleases', mr)).status).toBe(201);
    const r = await call(base, 'GET', '/apis/deckhouse.io/v1alpha1/modulereleases', undefined, undefined, TABLE);
    const names = r.body.columnDefinitions.map((c: { name: string }) => c.name);
    const row = r.body.rows[0].cells;
    expect(row[names.indexOf('update policy')]).toBe('manual');
    expect(row[names.indexOf('phase')]).toBeNull();
  });

  it('renders MUP update windows (a list) as JSON text in a string column', async () => {
    const mup = {
      apiVersion: 'deckhouse.io/v1alpha2',
      kind: 'ModuleUpdatePolicy',
      metadata: { name: 'win' },
      spec: { update: { mode: 'Auto', windows: [{ from: '8:00', to: '10:00' }] } },
    };
    expect((await call(base, 'POST', '/apis/deckhouse.io/v1alpha2/moduleupdatepolicies', mup)).status).toBe(201);
    const r = await call(
      base,
      'GET',
      '/apis/deckhouse.io/v1alpha2/moduleupdatepolicies/win',
      undefined,
      undefined,
      TABLE,
    );
    expect(r.body.columnDefinitions.map((c: { name: string; priority: number }) => `${c.name}/${c.priority}`)).toEqual([
      'Name/0',
      'release channel/0',
      'update mode/0',
      'update windows/1',
    ]);
    expect(r.body.rows[0].cells).toEqual(['win', 'Stable', 'Auto', '[{"from":"8:00","to":"10:00"}]']);
  });

  it('serves plain JSON when no Table is asked for', async () => {
    expect((await call(base, 'GET', msPath())).body.kind).toBe('ModuleSourceList');
  });
});

describe('JSONPath subset and ages', () => {
  const obj = {
    metadata: { labels: { 'modules.deckhouse.io/update-policy': 'auto' } },
    status: {
      phase: 'Ready',
      conditions: [
        { type: 'EnabledByModuleManager', status: 'True' },
        { type: 'IsReady', status: 'False' },
      ],
    },
  } as unknown as Json;

  it('selects fields, escaped dots, filters, indexes and wildcards', () => {
    expect(evaluateJsonPath(obj, '.status.phase')).toEqual(['Ready']);
    expect(evaluateJsonPath(obj, '.metadata.labels.modules\\.deckhouse\\.io/update-policy')).toEqual(['auto']);
    expect(evaluateJsonPath(obj, ".status.conditions[?(@.type=='IsReady')].status")).toEqual(['False']);
    expect(evaluateJsonPath(obj, '.status.conditions[1].type')).toEqual(['IsReady']);
    expect(evaluateJsonPath(obj, '.status.conditions[*].status')).toEqual(['True', 'False']);
    expect(evaluateJsonPath(obj, '.status.missing')).toEqual([]);
  });

  it('prints ages like kubectl', () => {
    expect(humanDuration(5_000)).toBe('5s');
    expect(humanDuration(119_000)).toBe('119s');
    expect(humanDuration(5 * 60_000 + 3_000)).toBe('5m3s');
    expect(humanDuration(33 * 3600_000)).toBe('33h');
    expect(humanDuration(3 * 86400_000 + 4 * 3600_000)).toBe('3d4h');
    expect(humanDuration(48 * 86400_000)).toBe('48d');
    expect(humanDuration(-5_000)).toBe('<invalid>');
  });
});
