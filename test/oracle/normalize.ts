/**
 * The known differences between structured-merge-diff v4.1.2 (the oracle) and the version
 * current Kubernetes runs (what dkp-sim follows), normalised away and nothing else; README.md
 * lists them with their sources.
 */
import type { Json, JsonMap } from '../dkp-sim/types.ts';
import { goJson } from '../dkp-sim/fieldset-path.ts';
import type { OracleResult } from './oracle.ts';

function isMap(v: Json | undefined): v is JsonMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isEmptyCollection(v: Json | undefined): boolean {
  return Array.isArray(v) ? v.length === 0 : isMap(v) && Object.keys(v).length === 0;
}

/**
 * Difference 1 (typed/remove.go): v4.1.2's RemoveItems turns a map or list that pruning emptied
 * into null; since kubernetes-sigs/structured-merge-diff#306 (non-nullable fields, kept by #332)
 * it stays `{}` / `[]`. The oracle's null counts as equal where dkp-sim holds an empty collection.
 */
function emptiedToNull(oracle: Json | undefined, sim: Json | undefined): Json | undefined {
  if (oracle === null && isEmptyCollection(sim)) return structuredClone(sim);
  if (isMap(oracle) && isMap(sim)) {
    const out: JsonMap = {};
    for (const [k, v] of Object.entries(oracle)) out[k] = emptiedToNull(v, sim[k]) as Json;
    return out;
  }
  return oracle;
}

/** The associative (set/map) lists of the Deckhouse kinds: only ObjectMeta has any. */
const ASSOCIATIVE_LISTS: ReadonlyArray<readonly string[]> = [
  ['metadata', 'finalizers'],
  ['metadata', 'ownerReferences'],
];

/**
 * Difference 2 (typed/merge.go visitListItems): v4.1.2 merges an associative list as "live items
 * in live order, then new applied items"; current versions order shared items as applied and put
 * new ones at their applied position. Item order of associative lists is compared as a set.
 */
function sortAssociative(obj: JsonMap): JsonMap {
  const out = structuredClone(obj);
  for (const path of ASSOCIATIVE_LISTS) {
    let node: Json | undefined = out;
    for (const step of path.slice(0, -1)) node = isMap(node) ? node[step] : undefined;
    const list = isMap(node) ? node[path[path.length - 1]!] : undefined;
    if (Array.isArray(list)) list.sort((a, b) => (goJson(a) < goJson(b) ? -1 : goJson(a) > goJson(b) ? 1 : 0));
  }
  return out;
}

function sortedConflicts(r: OracleResult): OracleResult['conflicts'] {
  const key = (c: { manager: string; field: string }): string => `${c.manager} ${c.field}`;
  return r.conflicts && [...r.conflicts].sort((a, b) => key(a).localeCompare(key(b)));
}

/** Both results with exactly the known version differences normalised (conflicts compared as a set). */
export function normalizePair(oracle: OracleResult, sim: OracleResult): [OracleResult, OracleResult] {
  const o: OracleResult = { ...oracle, conflicts: sortedConflicts(oracle) };
  const s: OracleResult = { ...sim, conflicts: sortedConflicts(sim) };
  if (o.object && s.object) {
    o.object = sortAssociative(emptiedToNull(o.object, s.object) as JsonMap);
    s.object = sortAssociative(s.object);
  }
  for (const r of [o, s]) if (r.conflicts === undefined) delete r.conflicts;
  return [o, s];
}
