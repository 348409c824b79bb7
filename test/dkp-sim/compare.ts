/**
 * Object comparison for the write path: the no-op check (an unchanged object is not written)
 * and the generation rule (only changes outside metadata and status bump it).
 */
import type { Json, Obj } from './types.ts';
import { cloneJson } from './clone.ts';

/** JSON with sorted keys, so equal objects give equal strings. */
export function canonical(v: Json | undefined): string {
  if (v === undefined) return 'undefined';
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  return `{${Object.keys(v)
    .sort()
    .filter((k) => v[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
    .join(',')}}`;
}

function withoutVolatile(o: Obj): Json {
  const c = cloneJson(o) as unknown as { metadata: Record<string, Json> } & Record<string, Json>;
  delete c.metadata.resourceVersion;
  const mf = c.metadata.managedFields;
  if (Array.isArray(mf)) {
    c.metadata.managedFields = mf.map((e) => {
      if (e && typeof e === 'object' && !Array.isArray(e)) {
        const copy = { ...e };
        delete copy.time;
        return copy;
      }
      return e;
    });
  }
  return c as unknown as Json;
}

/** True when a write would change nothing but managedFields timestamps and the resourceVersion. */
export function sameObject(a: Obj, b: Obj): boolean {
  return canonical(withoutVolatile(a)) === canonical(withoutVolatile(b));
}

/** True when anything outside metadata and status differs (the CRD rule for `generation`). */
export function specChanged(a: Obj, b: Obj): boolean {
  const strip = (o: Obj): Json => {
    const c: Record<string, Json> = {};
    for (const [k, v] of Object.entries(o)) if (k !== 'metadata' && k !== 'status' && v !== undefined) c[k] = v;
    return c;
  };
  return canonical(strip(a)) !== canonical(strip(b));
}
