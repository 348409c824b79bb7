/**
 * Fault injection for `/_sim/faults`: rules matched against each client request (never
 * `/_sim/*`) that add latency, answer an error status, never answer, or reset the connection.
 */
import type { CountedVerb } from './counters.ts';

/** One fault rule; unset matchers match everything. */
export interface FaultRule {
  verb?: CountedVerb;
  resource?: string;
  name?: string;
  status?: 500 | 503 | 429 | 409;
  latencyMs?: number;
  /** Never answer the request. */
  timeout?: true;
  /** Destroy the connection without an answer. */
  reset?: true;
  /** Probability (0..1) that a matching request is hit; default 1. */
  rate?: number;
  /** Only the first n matching requests are hit. */
  count?: number;
}

/** What a request is, for matching. */
export interface RequestInfo {
  verb: CountedVerb;
  resource?: string;
  name?: string;
}

const STATUSES = new Set([500, 503, 429, 409]);

/** Checks a rule list from a request body; returns an error text or undefined. */
export function checkRules(rules: unknown): string | undefined {
  if (!Array.isArray(rules)) return 'expected a list of fault rules';
  for (const r of rules) {
    if (r === null || typeof r !== 'object') return 'each fault rule must be an object';
    const rule = r as FaultRule;
    if (rule.status !== undefined && !STATUSES.has(rule.status))
      return `status must be one of 500, 503, 429, 409 (got ${String(rule.status)})`;
    if (rule.rate !== undefined && (typeof rule.rate !== 'number' || rule.rate < 0 || rule.rate > 1))
      return 'rate must be a number between 0 and 1';
    if (rule.count !== undefined && (!Number.isInteger(rule.count) || rule.count < 0))
      return 'count must be a non-negative integer';
    if (rule.latencyMs !== undefined && (typeof rule.latencyMs !== 'number' || rule.latencyMs < 0))
      return 'latencyMs must be a non-negative number';
  }
  return undefined;
}

/** The active fault rules. */
export class Faults {
  private rules: { rule: FaultRule; remaining: number }[] = [];
  private readonly random: () => number;

  constructor(random: () => number = Math.random) {
    this.random = random;
  }

  /** Replaces the rules. */
  set(rules: FaultRule[]): void {
    this.rules = rules.map((rule) => ({ rule: { ...rule }, remaining: rule.count ?? Infinity }));
  }

  /** Removes every rule. */
  clear(): void {
    this.rules = [];
  }

  /** The current rules (with `count` showing what is left). */
  list(): FaultRule[] {
    return this.rules.map(({ rule, remaining }) =>
      Number.isFinite(remaining) ? { ...rule, count: remaining } : { ...rule },
    );
  }

  /** The first rule that hits this request (consuming one of its `count`), if any. */
  match(info: RequestInfo): FaultRule | undefined {
    for (const entry of this.rules) {
      const { rule } = entry;
      if (rule.verb !== undefined && rule.verb !== info.verb) continue;
      if (rule.resource !== undefined && rule.resource !== info.resource) continue;
      if (rule.name !== undefined && rule.name !== info.name) continue;
      if (entry.remaining <= 0) continue;
      if (rule.rate !== undefined && this.random() >= rule.rate) continue;
      entry.remaining--;
      return rule;
    }
    return undefined;
  }
}
