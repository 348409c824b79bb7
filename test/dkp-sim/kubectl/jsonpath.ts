/**
 * The JSONPath subset CRD printer columns use: `.a.b`, escaped dots (`.labels.a\.b/c`),
 * `[n]`, `[*]` and filters `[?(@.type=='X')]`. Returns every match, like k8s.io/client-go/util/jsonpath.
 */
import type { Json } from '../types.ts';

type Step =
  | { kind: 'field'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'all' }
  | { kind: 'filter'; path: string[]; value: string };

function parsePath(expr: string): Step[] {
  const steps: Step[] = [];
  let i = expr.startsWith('{') && expr.endsWith('}') ? 1 : 0;
  const end = i === 1 ? expr.length - 1 : expr.length;
  while (i < end) {
    const ch = expr[i];
    if (ch === '.') {
      i++;
      let name = '';
      while (i < end && expr[i] !== '.' && expr[i] !== '[') {
        if (expr[i] === '\\' && i + 1 < end) i++;
        name += expr[i];
        i++;
      }
      if (name !== '') steps.push({ kind: 'field', name });
    } else if (ch === '[') {
      const close = expr.indexOf(']', i);
      const inner = expr.slice(i + 1, close);
      i = close + 1;
      const filter = /^\?\(@((?:\.[A-Za-z0-9_-]+)+)\s*==\s*['"](.*)['"]\)$/.exec(inner);
      if (inner === '*') steps.push({ kind: 'all' });
      else if (/^-?\d+$/.test(inner)) steps.push({ kind: 'index', index: Number(inner) });
      else if (filter) steps.push({ kind: 'filter', path: filter[1]!.split('.').slice(1), value: filter[2]! });
      else steps.push({ kind: 'field', name: inner.replace(/^['"]|['"]$/g, '') });
    } else {
      i++;
    }
  }
  return steps;
}

function child(v: Json, name: string): Json | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? v[name] : undefined;
}

/** All values `expr` selects in `root` (empty when nothing matches). */
export function evaluateJsonPath(root: Json, expr: string): Json[] {
  let cur: Json[] = [root];
  for (const step of parsePath(expr)) {
    const next: Json[] = [];
    for (const v of cur) {
      if (step.kind === 'field') {
        const c = child(v, step.name);
        if (c !== undefined) next.push(c);
      } else if (Array.isArray(v)) {
        if (step.kind === 'all') next.push(...v);
        else if (step.kind === 'index') {
          const item = v[step.index < 0 ? v.length + step.index : step.index];
          if (item !== undefined) next.push(item);
        } else {
          for (const item of v) {
            let x: Json | undefined = item;
            for (const p of step.path) x = x === undefined ? undefined : child(x, p);
            if (x !== undefined && x !== null && String(x) === step.value) next.push(item);
          }
        }
      } else if (step.kind === 'all' && v !== null && typeof v === 'object') {
        next.push(...Object.values(v));
      }
    }
    cur = next;
  }
  return cur;
}
