import { describe, expect, it } from 'vitest';
import { KINDS, kindOf, objectOf } from './crds.ts';
import { runBoth, type Step } from './differential.ts';
import { generateSequence } from './generate.ts';
import { runOracle, unavailableReason, type OracleOp } from './oracle.ts';
import { SCENARIOS } from './scenarios.ts';
import { ROOT_TYPE } from './smd-schema.ts';

// The one allowed skip: without go and Debian's structured-merge-diff there is no oracle.
const reason = unavailableReason();
if (reason) console.warn(`structured-merge-diff oracle tests skipped: ${reason}`);

/** The first op where the two sides differ, with the sequence so far, for a readable failure. */
function firstMismatch(steps: Step[]): { at: number; ops: OracleOp[]; oracle: unknown; sim: unknown } | undefined {
  for (let i = 0; i < steps.length; i++) {
    const { oracle, sim } = steps[i]!;
    if (JSON.stringify(sorted(oracle)) !== JSON.stringify(sorted(sim))) {
      return { at: i, ops: steps.slice(0, i + 1).map((s) => s.op), oracle, sim };
    }
  }
  return undefined;
}

function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted);
  if (!v || typeof v !== 'object') return v;
  const keys = Object.keys(v).sort();
  return Object.fromEntries(keys.map((k) => [k, sorted((v as Record<string, unknown>)[k])]));
}

describe.skipIf(!!reason)('dkp-sim managedFields against structured-merge-diff (merge.Updater)', () => {
  for (const scenario of SCENARIOS) {
    it(scenario.name, () => {
      const steps = runBoth(scenario.kind, scenario.ops);
      for (const [i, step] of steps.entries()) {
        expect(step.oracle.error, `op ${i}`).toBeUndefined();
        expect(sorted(step.sim), `op ${i}: ${JSON.stringify(step.op)}`).toEqual(sorted(step.oracle));
      }
    });
  }

  it('the scenarios reach conflicts, prunes and co-owned leftovers (they test something)', () => {
    const steps = SCENARIOS.flatMap((s) => runBoth(s.kind, s.ops));
    expect(steps.filter((s) => s.oracle.conflicts).length).toBeGreaterThanOrEqual(3);
    // The "drop a field another manager still owns" story keeps the value, owned by the old writer.
    const adopt = runBoth(SCENARIOS[0]!.kind, SCENARIOS[0]!.ops);
    const last = adopt[adopt.length - 1]!.oracle;
    expect((last.object?.spec as { scanInterval?: string } | undefined)?.scanInterval).toBe('5m');
    expect(last.managedFields?.map((e) => e.manager)).toEqual(['modsync', 'kubectl-client-side-apply']);
  });

  for (const kind of KINDS) {
    it(`${kind.kind}: 80 seeded sequences of 8 writes give the same objects, entries and conflicts`, () => {
      let ops = 0;
      let conflicts = 0;
      for (let seed = 1; seed <= 80; seed++) {
        const steps = runBoth(kind, generateSequence(kind, seed, 8));
        ops += steps.length;
        conflicts += steps.filter((s) => s.oracle.conflicts).length;
        expect(steps.find((s) => s.oracle.error)?.oracle.error, `seed ${seed}`).toBeUndefined();
        expect(firstMismatch(steps), `seed ${seed}`).toBeUndefined();
      }
      expect(ops).toBeGreaterThan(500);
      expect(conflicts).toBeGreaterThan(20);
    });
  }
});

describe.skipIf(!!reason)('the v4.1.2 differences the comparison normalises really exist', () => {
  const MS = kindOf('ModuleSource');
  const run = (ops: OracleOp[], keepEmptied: boolean) =>
    runOracle({ schema: MS.smd, typeName: ROOT_TYPE, apiVersion: MS.apiVersion, ops, keepEmptied }).results;

  it('v4.1.2 prunes an emptied map to null (newer versions keep {}), which keepEmptied restores', () => {
    const ops: OracleOp[] = [
      { manager: 'm', operation: 'Apply', object: objectOf(MS, { spec: { scanInterval: '1m' } }) },
      { manager: 'm', operation: 'Apply', object: objectOf(MS, { spec: {} }) },
    ];
    expect(run(ops, false)[1]!.object?.spec).toBeNull();
    expect(run(ops, true)[1]!.object?.spec).toEqual({});
  });

  it('v4.1.2 appends new associative-list items after the live ones (newer: the applied order)', () => {
    const ref = (uid: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', name: uid, uid });
    const ops: OracleOp[] = [
      { manager: 'm', operation: 'Apply', object: objectOf(MS, {}, { ownerReferences: [ref('b')] }) },
      { manager: 'm', operation: 'Apply', object: objectOf(MS, {}, { ownerReferences: [ref('a'), ref('b')] }) },
    ];
    const v4 = run(ops, true)[1]!.object?.metadata as { ownerReferences: Array<{ uid: string }> };
    expect(v4.ownerReferences.map((r) => r.uid)).toEqual(['b', 'a']);
    const steps = runBoth(MS, ops);
    expect((steps[1]!.sim.object?.metadata as typeof v4 | undefined)?.ownerReferences.map((r) => r.uid)).toEqual([
      'a',
      'b',
    ]);
  });
});
