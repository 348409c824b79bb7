import { describe, expect, it } from 'vitest';
import { decodeFieldsV1 } from '../../src/core/field-set.ts';
import { fieldSetOf } from '../../src/core/field-set-walk.ts';
import type { KubeObject } from '../../src/core/object.ts';
import { rootNodeOf } from '../../src/core/schema-info.ts';
import type { JsonMap } from '../dkp-sim/types.ts';
import { KINDS, kindOf, objectOf, type Kind } from './crds.ts';
import { generateSequence } from './generate.ts';
import { runOracle, unavailableReason } from './oracle.ts';
import { ROOT_TYPE } from './smd-schema.ts';

// The one allowed skip: without go and Debian's structured-merge-diff there is no oracle.
const reason = unavailableReason();
if (reason) console.warn(`structured-merge-diff oracle tests skipped: ${reason}`);

/** A set as sorted path strings, comparable across the two encodings. */
function paths(fieldsV1: JsonMap): string[] {
  return decodeFieldsV1(fieldsV1 as never)
    .paths()
    .map((p) => p.join(' '))
    .sort();
}

/** ToFieldSet from structured-merge-diff, without what a stored set never holds (stripMeta, status). */
function oracleSets(kind: Kind, objects: JsonMap[]): string[][] {
  const { smd: schema, apiVersion } = kind;
  const res = runOracle({ schema, typeName: ROOT_TYPE, apiVersion, ops: [], fieldSets: objects });
  return res.fieldSets.map((fs, i) => {
    if (typeof fs === 'string') throw new Error(`object ${i}: ${fs}`);
    return paths(fs).filter((p) => p !== 'f:status' && !p.startsWith('f:status '));
  });
}

function modsyncSet(kind: Kind, obj: JsonMap): string[] {
  const set = fieldSetOf(obj as unknown as KubeObject, rootNodeOf(kind.openAPIV3Schema as never));
  return set
    .paths()
    .map((p) => p.join(' '))
    .sort();
}

const MC = kindOf('ModuleConfig');
const MUP = kindOf('ModuleUpdatePolicy');
const MS = kindOf('ModuleSource');

const HAND_PICKED: Array<{ kind: Kind; object: JsonMap }> = [
  { kind: MC, object: objectOf(MC, { spec: { enabled: true, settings: {} } }) },
  {
    kind: MC,
    object: objectOf(
      MC,
      { spec: { settings: { a: { b: [1, { c: 2 }], d: {} }, e: null }, version: 2 } },
      {
        labels: { 'modsync.io/instance': 'x' },
        annotations: { 'modules.deckhouse.io/allow-disabling': 'true' },
      },
    ),
  },
  {
    kind: MUP,
    object: objectOf(
      MUP,
      { spec: { update: { windows: [{ from: '1:00', to: '2:00' }] } } },
      {
        finalizers: ['a', 'b<c>'],
        ownerReferences: [{ apiVersion: 'v1', kind: 'Secret', name: 's', uid: 'u&1' }],
      },
    ),
  },
  { kind: MUP, object: objectOf(MUP, { spec: { update: {} } }) },
  { kind: MS, object: objectOf(MS, { spec: { registry: { repo: 'r' } }, status: { phase: 'x' } }) },
];

describe.skipIf(!!reason)("modsync's client-side field sets against structured-merge-diff ToFieldSet", () => {
  it('hand-picked objects: empty structs, free-form settings, map keys, set and map lists', () => {
    for (const { kind, object } of HAND_PICKED) {
      expect(modsyncSet(kind, object), JSON.stringify(object)).toEqual(oracleSets(kind, [object])[0]);
    }
  });

  for (const kind of KINDS) {
    it(`${kind.kind}: every applied configuration of 80 seeded sequences`, () => {
      const objects: JsonMap[] = [];
      for (let seed = 1; seed <= 80; seed++) {
        for (const op of generateSequence(kind, seed, 8)) {
          if (op.operation === 'Apply' && op.object) objects.push(op.object);
        }
      }
      const expected = oracleSets(kind, objects);
      expect(objects.length).toBeGreaterThan(150);
      for (const [i, object] of objects.entries())
        expect(modsyncSet(kind, object), JSON.stringify(object)).toEqual(expected[i]);
    });
  }
});
