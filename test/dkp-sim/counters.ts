/**
 * Request counters for `/_sim/requests`: what clients asked since start or the last reset,
 * so tests and benchmarks can assert request budgets (e.g. "a no-op sync makes no writes").
 */
import { cloneJson } from './clone.ts';

/** Verbs the counters distinguish (server-side apply is counted apart from other patches). */
export type CountedVerb = 'list' | 'get' | 'watch' | 'apply' | 'patch' | 'create' | 'update' | 'delete' | 'discovery';

/** Verbs that are writes. */
export const WRITE_VERBS: ReadonlySet<CountedVerb> = new Set(['apply', 'patch', 'create', 'update', 'delete']);

/** The `/_sim/requests` document. */
export interface RequestCounts {
  total: number;
  writes: number;
  dryRuns: number;
  byVerb: Record<CountedVerb, number>;
  byResource: Record<string, Partial<Record<CountedVerb, number>>>;
}

function empty(): RequestCounts {
  return {
    total: 0,
    writes: 0,
    dryRuns: 0,
    byVerb: { list: 0, get: 0, watch: 0, apply: 0, patch: 0, create: 0, update: 0, delete: 0, discovery: 0 },
    byResource: {},
  };
}

/** Mutable request counters. */
export class Counters {
  private counts = empty();

  /** Counts one client request; dry-run writes go to `dryRuns`, not `writes`. */
  record(verb: CountedVerb, resource: string | undefined, dryRun: boolean): void {
    const c = this.counts;
    c.total++;
    c.byVerb[verb]++;
    if (WRITE_VERBS.has(verb)) {
      if (dryRun) c.dryRuns++;
      else c.writes++;
    }
    if (resource) {
      c.byResource[resource] ??= {};
      const r = c.byResource[resource];
      r[verb] = (r[verb] ?? 0) + 1;
    }
  }

  /** A copy of the current counts. */
  snapshot(): RequestCounts {
    return cloneJson(this.counts);
  }

  /** Starts counting from zero. */
  reset(): void {
    this.counts = empty();
  }
}
