// Taking fields over from kubectl's managers before modsync applies, on managedFields exactly as
// dkp-sim records them for kubectl apply / create / edit / patch / apply --server-side
// (takeover-fixtures.ts), and the planner's and apply check's predictions.
import { describe, expect, it } from 'vitest';
import type { FieldSet } from '../../src/core/field-set.ts';
import { decodeFieldsV1 } from '../../src/core/field-set.ts';
import { displayPath, fieldSetOf } from '../../src/core/field-set-walk.ts';
import type { KubeObject, ManagedFieldsEntry } from '../../src/core/object.ts';
import { withOwnership } from '../../src/core/ownership.ts';
import { loadSchemaInfo } from '../../src/core/schema-info.ts';
import {
  DEFAULT_TAKEOVER_MANAGERS,
  checkRemoved,
  predictKept,
  takeoverPatch,
  type JsonPatchOp,
} from '../../src/core/takeover.ts';
import { mcPatched, msApplied, msCreated, mupEdited, mupServerSide } from './takeover-fixtures.ts';

const schemas = loadSchemaInfo();

/** The object modsync would apply for `live` (its spec as git has it, plus the ownership label). */
function desiredOf(live: KubeObject, spec: Record<string, unknown> = live.spec ?? {}): KubeObject {
  const metadata = { name: live.metadata.name };
  const obj = { apiVersion: live.apiVersion, kind: live.kind, metadata, spec } as KubeObject;
  return withOwnership(obj, 'modsync');
}

function fieldsOf(obj: KubeObject): FieldSet {
  return fieldSetOf(obj, schemas.schemaFor(obj.kind, obj.apiVersion)!);
}

function entriesIn(ops: JsonPatchOp[] | undefined): ManagedFieldsEntry[] {
  const op = ops?.find((o) => o.path === '/metadata/managedFields');
  return (op?.value ?? []) as unknown as ManagedFieldsEntry[];
}

function fieldsOfEntry(entries: ManagedFieldsEntry[], manager: string): string[] | undefined {
  const e = entries.find((x) => x.manager === manager && !x.subresource);
  return e && decodeFieldsV1(e.fieldsV1).paths().map(displayPath);
}

const opts = { managers: DEFAULT_TAKEOVER_MANAGERS };
const REMOVE_ANNOTATION: JsonPatchOp = {
  op: 'remove',
  path: '/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration',
};

describe('takeoverPatch', () => {
  it('takes everything kubectl apply (client-side) wrote, drops the annotation, leaves the controller alone', () => {
    const ops = takeoverPatch(msApplied, fieldsOf(desiredOf(msApplied)), opts);
    const rv = msApplied.metadata.resourceVersion;
    expect(ops?.[0]).toEqual({ op: 'test', path: '/metadata/resourceVersion', value: rv });
    expect(ops?.at(-1)).toEqual(REMOVE_ANNOTATION);
    const entries = entriesIn(ops);
    const names = entries.map((e) => `${e.manager}${e.subresource ? '/' + e.subresource : ''}`);
    expect(names).toEqual(['deckhouse-controller', 'deckhouse-controller/status']);
    // The controller's own entries are passed through untouched, time included.
    expect(entries).toEqual(msApplied.metadata.managedFields!.filter((e) => e.manager === 'deckhouse-controller'));
  });

  it('takes over kubectl edit and the apply it edited (nothing else owns a policy: modsync gets the fields)', () => {
    const ops = takeoverPatch(mupEdited, fieldsOf(desiredOf(mupEdited)), opts);
    const entries = entriesIn(ops);
    expect(entries.map((e) => e.manager)).toEqual(['modsync']);
    expect(fieldsOfEntry(entries, 'modsync')).toEqual(['spec.releaseChannel', 'spec.update.mode']);
    expect(ops).toContainEqual(REMOVE_ANNOTATION);
  });

  it('narrows a kubectl entry to the fields modsync does not apply; a patch entry left empty goes', () => {
    const spec = structuredClone(mcPatched.spec!) as Record<string, any>;
    delete spec.settings.nested;
    const ops = takeoverPatch(mcPatched, fieldsOf(desiredOf(mcPatched, spec)), opts);
    const entries = entriesIn(ops);
    expect(fieldsOfEntry(entries, 'kubectl-client-side-apply')).toEqual([
      'spec',
      'spec.settings',
      'spec.settings.nested',
      'spec.settings.nested.a',
    ]);
    expect(fieldsOfEntry(entries, 'kubectl-patch')).toBeUndefined();
    expect(ops).toContainEqual(REMOVE_ANNOTATION);
  });

  it('takes kubectl create over, including a value the server defaulted into its entry', () => {
    const dockerCfg = (msCreated.spec as any).registry.dockerCfg;
    const spec = { registry: { repo: 'registry.example.com/other', dockerCfg } };
    const entries = entriesIn(takeoverPatch(msCreated, fieldsOf(desiredOf(msCreated, spec)), opts));
    // scheme (defaulted at create) was not in git: kubectl-create keeps it, and the team label.
    expect(fieldsOfEntry(entries, 'kubectl-create')).toEqual([
      'metadata.labels',
      'metadata.labels.team',
      'spec',
      'spec.registry',
      'spec.registry.scheme',
    ]);
  });

  it('moves the fields to a modsync Apply entry when no entry would be left (an empty list is ignored)', () => {
    const now = '2026-12-06T03:00:00Z';
    const ops = takeoverPatch(mupServerSide, fieldsOf(desiredOf(mupServerSide)), { ...opts, now });
    const entries = entriesIn(ops);
    expect(entries).toHaveLength(1);
    const apiVersion = 'deckhouse.io/v1alpha2';
    expect(entries[0]).toMatchObject({ manager: 'modsync', operation: 'Apply', apiVersion, time: now });
    const fields = fieldsOfEntry(entries, 'modsync');
    expect(fields).toEqual(['spec.releaseChannel', 'spec.update.mode', 'spec.update.windows']);
    expect(ops).not.toContainEqual(REMOVE_ANNOTATION);
  });

  it('never takes over Deckhouse controller managers, even when listed', () => {
    const managers = ['deckhouse-controller', 'deckhouse'];
    const live = structuredClone(msApplied);
    delete live.metadata.annotations!['kubectl.kubernetes.io/last-applied-configuration'];
    expect(takeoverPatch(live, fieldsOf(desiredOf(live)), { managers })).toBeUndefined();
  });

  it('takes over only listed managers, and nothing with an empty list', () => {
    const ops = takeoverPatch(mcPatched, fieldsOf(desiredOf(mcPatched)), { managers: ['kubectl-patch'] });
    const entries = entriesIn(ops);
    expect(fieldsOfEntry(entries, 'kubectl-patch')).toBeUndefined();
    // Only the annotation leaves the unlisted client-side apply entry.
    const annotation = 'metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]';
    expect(fieldsOfEntry(entries, 'kubectl-client-side-apply')).not.toContain(annotation);
    expect(fieldsOfEntry(entries, 'kubectl-client-side-apply')).toContain('spec.enabled');
    expect(takeoverPatch(mcPatched, fieldsOf(desiredOf(mcPatched)), { managers: [] })).toBeUndefined();
  });

  it('has nothing to do once adopted', () => {
    const adopted = structuredClone(msApplied);
    delete adopted.metadata.annotations!['kubectl.kubernetes.io/last-applied-configuration'];
    const entries = adopted.metadata.managedFields!;
    adopted.metadata.managedFields = entries.filter((e) => e.manager !== 'kubectl-client-side-apply');
    expect(takeoverPatch(adopted, fieldsOf(desiredOf(adopted)), opts)).toBeUndefined();
  });
});

/** mcPatched as adopted by a modsync that did not take over: its Apply entry co-owns with kubectl. */
function adoptedWithoutTakeover(): KubeObject {
  const live = structuredClone(mcPatched);
  live.metadata.labels = { 'modsync.io/instance': 'modsync' };
  const fieldsV1 = {
    'f:metadata': { 'f:labels': { 'f:modsync.io/instance': {} } },
    'f:spec': {
      'f:enabled': {},
      'f:settings': { 'f:nested': { '.': {}, 'f:a': {} }, 'f:replicas': {} },
      'f:source': {},
      'f:updatePolicy': {},
      'f:version': {},
    },
  };
  const entry: ManagedFieldsEntry = {
    manager: 'modsync',
    operation: 'Apply',
    apiVersion: 'deckhouse.io/v1alpha1',
    time: '2026-12-06T02:30:00Z',
    fieldsType: 'FieldsV1',
    fieldsV1,
  };
  live.metadata.managedFields = [entry, ...live.metadata.managedFields!];
  return live;
}

describe('predictKept', () => {
  const live = adoptedWithoutTakeover();
  const spec = structuredClone(live.spec!) as Record<string, any>;
  delete spec.settings.nested;
  const desired = fieldsOf(desiredOf(live, spec));

  it('predicts the removal happens once kubectl is taken over (also what modsync applied before)', () => {
    expect(predictKept(live, desired, DEFAULT_TAKEOVER_MANAGERS)).toEqual([]);
    const ops = takeoverPatch(live, desired, opts);
    expect(fieldsOfEntry(entriesIn(ops), 'kubectl-client-side-apply')).toBeUndefined();
  });

  it('names the manager that keeps a dropped field when it is not taken over', () => {
    expect(predictKept(live, desired, []).map((k) => [k.field, k.managers])).toEqual([
      ['spec.settings.nested', ['kubectl-client-side-apply']],
      ['spec.settings.nested.a', ['kubectl-client-side-apply']],
    ]);
  });

  it('says nothing for an object modsync never applied', () => {
    expect(predictKept(mcPatched, desired, [])).toEqual([]);
  });
});

describe('checkRemoved', () => {
  const gone = [['f:spec', 'f:settings', 'f:nested']];

  it('names the manager that still owns a field the apply should have removed', () => {
    expect(checkRemoved(mcPatched, gone)).toEqual([
      { path: gone[0], field: 'spec.settings.nested', managers: ['kubectl-client-side-apply'] },
    ]);
  });

  it('is empty when the field is gone', () => {
    const returned = structuredClone(mcPatched);
    delete (returned.spec as any).settings.nested;
    expect(checkRemoved(returned, gone)).toEqual([]);
  });
});
