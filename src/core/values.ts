/**
 * The one value comparison of modsync (kind handlers, diffs, export): JSON-like values
 * compared the way the API server would consider them equal (key order irrelevant, numbers by
 * value, a key holding `undefined` the same as an absent key, as it serializes), so that a
 * manifest and its live object read back are "the same" exactly when nothing would change.
 */

/** Whether a value is a JSON object (not null, not an array); `T` types its values (`JsonValue`). */
export function isPlainObject<T = unknown>(value: unknown): value is Record<string, T> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep equality of JSON-like values; numbers compare numerically (`1` and `1.0` are equal). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return a === b || (Number.isNaN(a) && Number.isNaN(b));
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/** The value at a path in a JSON-like value, or undefined. */
export function getPath(value: unknown, path: readonly (string | number)[]): unknown {
  let cur = value;
  for (const seg of path) {
    if (Array.isArray(cur) && typeof seg === 'number') cur = cur[seg];
    else if (isPlainObject(cur) && typeof seg === 'string') cur = cur[seg];
    else return undefined;
  }
  return cur;
}

/**
 * Orders strings by code unit, the same everywhere. `localeCompare` would depend on the
 * process's locale and costs ~6 ms to set up ICU's collator in a short-lived run.
 */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
