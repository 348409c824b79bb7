/**
 * Runs one write sequence on structured-merge-diff (the oracle) and on dkp-sim and lines the
 * results up op by op, with the known version differences normalised (normalize.ts).
 */
import type { Kind } from './crds.ts';
import { runOracle, type OracleOp, type OracleResult } from './oracle.ts';
import { normalizePair } from './normalize.ts';
import { ROOT_TYPE } from './smd-schema.ts';
import { runSim } from './sim-runner.ts';

/** One op's outcome on both sides, normalised. */
export interface Step {
  op: OracleOp;
  oracle: OracleResult;
  sim: OracleResult;
}

/** Both sides of a sequence, op by op. */
export function runBoth(kind: Kind, ops: OracleOp[]): Step[] {
  const { smd: schema, apiVersion } = kind;
  const oracle = runOracle({ schema, typeName: ROOT_TYPE, apiVersion, ops, keepEmptied: true });
  const sim = runSim(kind.openAPIV3Schema, kind.apiVersion, ops);
  return ops.map((op, i) => {
    const [o, s] = normalizePair(oracle.results[i]!, sim[i]!);
    return { op, oracle: o, sim: s };
  });
}
