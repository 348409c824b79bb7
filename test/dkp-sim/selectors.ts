/**
 * Label and field selectors for LIST and WATCH (`=`, `==`, `!=`, `in`, `notin`, `key`, `!key`;
 * field selectors on metadata.name / metadata.namespace, as the apiserver allows for CRs).
 */
import { badRequest } from './status.ts';
import type { JsonMap, Obj } from './types.ts';

/** A compiled selector: true when the object matches. */
export type Matcher = (obj: Obj) => boolean;

function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((x) => x.trim()).filter((x) => x !== '');
}

function requirement(raw: string): (labels: Record<string, string>) => boolean {
  let m = /^!\s*([A-Za-z0-9_./-]+)$/.exec(raw);
  if (m) return (l) => !(m![1]! in l);
  m = /^([A-Za-z0-9_./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(raw);
  if (m) {
    const [, key, op, list] = m as unknown as [string, string, string, string];
    const values = new Set(list.split(',').map((v) => v.trim()));
    return op === 'in' ? (l) => key in l && values.has(l[key]!) : (l) => !(key in l) || !values.has(l[key]!);
  }
  m = /^([A-Za-z0-9_./-]+)\s*(==|=|!=)\s*([A-Za-z0-9_.-]*)$/.exec(raw);
  if (m) {
    const [, key, op, value] = m as unknown as [string, string, string, string];
    return op === '!=' ? (l) => l[key] !== value : (l) => l[key] === value;
  }
  m = /^([A-Za-z0-9_./-]+)$/.exec(raw);
  if (m) return (l) => m![1]! in l;
  throw badRequest(`unable to parse requirement: found '${raw}', expected: in, notin, =, ==, !=, gt, lt`);
}

/** Compiles a `labelSelector` query value (empty matches everything). */
export function labelSelector(expr: string | null): Matcher {
  if (!expr) return () => true;
  const reqs = splitTopLevel(expr).map(requirement);
  return (obj) => {
    const labels = (obj.metadata.labels ?? {}) as JsonMap as Record<string, string>;
    return reqs.every((r) => r(labels));
  };
}

/** Compiles a `fieldSelector` query value; only metadata.name and metadata.namespace are supported. */
export function fieldSelector(expr: string | null): Matcher {
  if (!expr) return () => true;
  const reqs = splitTopLevel(expr).map((raw) => {
    const m = /^([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*)$/.exec(raw);
    if (!m) throw badRequest(`invalid selector: '${expr}'; can't understand '${raw}'`);
    const [, field, op, value] = m as unknown as [string, string, string, string];
    if (field !== 'metadata.name' && field !== 'metadata.namespace')
      throw badRequest(`field label not supported: ${field}`);
    const get = (o: Obj): string => (field === 'metadata.name' ? o.metadata.name : (o.metadata.namespace ?? ''));
    return op === '!=' ? (o: Obj) => get(o) !== value : (o: Obj) => get(o) === value;
  });
  return (obj) => reqs.every((r) => r(obj));
}
