/**
 * Helpers for the apiserver's field error texts: Go's rendering of a bad value in
 * `Invalid value: <v>` (%q for strings, %v for numbers and booleans, %#v for maps and lists),
 * and the list-type uniqueness checks apiextensions runs after schema validation.
 */
import type { FieldError, Json, JsonMap, Schema } from './types.ts';

function isMap(v: Json | undefined): v is JsonMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Go's %#v of a decoded JSON value inside an interface{}. */
function goSyntax(v: Json): string {
  if (v === null) return 'interface {}(nil)';
  if (Array.isArray(v)) return `[]interface {}{${v.map(goSyntax).join(', ')}}`;
  if (isMap(v))
    return `map[string]interface {}{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${goSyntax(v[k]!)}`)
      .join(', ')}}`;
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/** How field.Error prints a bad value: strings quoted, scalars plain, null as `null`, maps/lists in Go syntax. */
export function formatGoValue(v: Json): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return goSyntax(v);
}

function duplicate(field: string, value: Json): FieldError {
  return { reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${formatGoValue(value)}` };
}

function childPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/**
 * Duplicate items of `x-kubernetes-list-type: set` lists and duplicate keys of `map` lists, as
 * apiextensions' ValidateListSetsAndMaps reports them (`status.conditions[1]`).
 */
export function listTypeDuplicates(s: Schema | undefined, v: Json, path: string): FieldError[] {
  if (!s) return [];
  const out: FieldError[] = [];
  if (Array.isArray(v)) {
    const listType = s['x-kubernetes-list-type'];
    const seen = new Set<string>();
    v.forEach((item, i) => {
      if (listType === 'set') {
        const key = JSON.stringify(item);
        if (seen.has(key)) out.push(duplicate(`${path}[${i}]`, item));
        seen.add(key);
      } else if (listType === 'map' && isMap(item)) {
        const keyMap: JsonMap = {};
        for (const k of s['x-kubernetes-list-map-keys'] ?? []) if (item[k] !== undefined) keyMap[k] = item[k]!;
        const key = JSON.stringify(
          Object.keys(keyMap)
            .sort()
            .map((k) => [k, keyMap[k]]),
        );
        if (seen.has(key)) out.push(duplicate(`${path}[${i}]`, keyMap));
        seen.add(key);
      }
    });
    for (const [i, item] of v.entries()) out.push(...listTypeDuplicates(s.items, item, `${path}[${i}]`));
  } else if (isMap(v)) {
    const ap = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
    for (const [k, item] of Object.entries(v)) {
      const prop = s.properties?.[k] ?? ap;
      if (prop && item !== undefined) out.push(...listTypeDuplicates(prop, item, childPath(path, k)));
    }
  }
  return out;
}
