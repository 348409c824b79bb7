/**
 * Walking objects along field sets: the set an applied object produces (structured-merge-diff's
 * toFieldSet for CRDs), the value at a path, and the dotted form users read in diffs.
 */
import { isPlainObject } from './values.ts';
import type { FieldPath, PathElement } from './field-set.ts';
import {
  FieldSet,
  childKey,
  fieldElement,
  indexElement,
  keyElement,
  valueElement,
  canonicalJson,
} from './field-set.ts';
import type { JsonObject, JsonValue, KubeObject } from './object.ts';
import type { SchemaNode } from './schema-info.ts';

/** Top-level keys that are never part of a main-resource set. */
const STRIPPED_ROOT = new Set(['apiVersion', 'kind', 'status']);

/** Metadata the server owns; never part of any set. */
const STRIPPED_META = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'managedFields',
  'selfLink',
]);

/**
 * The field set of `obj` as the server would record it for an Apply of `obj`: every scalar
 * leaf; atomic lists/objects as one leaf; keys of free-form maps as members themselves;
 * declared struct fields only through their contents, except when empty (`update: {}`) or
 * null, which makes them members (structured-merge-diff v4.1+, what current API servers run).
 * `root` comes from SchemaInfo.schemaFor.
 */
export function fieldSetOf(obj: KubeObject, root: SchemaNode): FieldSet {
  const set = new FieldSet();
  const top: JsonObject = {};
  for (const [k, v] of Object.entries(obj)) {
    if (STRIPPED_ROOT.has(k) || v === undefined) continue;
    if (k === 'metadata' && isPlainObject<JsonValue>(v)) {
      const meta: JsonObject = {};
      for (const [mk, mv] of Object.entries(v)) if (!STRIPPED_META.has(mk) && mv !== undefined) meta[mk] = mv;
      top[k] = meta;
    } else {
      top[k] = v as JsonValue;
    }
  }
  walk(top, root, [], '', set);
  // The server strips `metadata` itself (it would be a member once name and friends are gone).
  set.delete([fieldElement('metadata')]);
  return set;
}

/** `key` is the pathKey of `path`, built along with it. */
function walk(value: JsonValue, node: SchemaNode, path: PathElement[], key: string, set: FieldSet): void {
  if (value === null) {
    set.insert(path, key);
    return;
  }
  switch (node.type) {
    case 'scalar':
      set.insert(path, key);
      return;
    case 'untyped':
      if (isPlainObject<JsonValue>(value))
        walkMap(value, { type: 'map', atomic: false, fields: {}, elements: node }, path, key, set);
      else set.insert(path, key);
      return;
    case 'list': {
      if (node.listType === 'atomic' || !Array.isArray(value)) {
        set.insert(path, key);
        return;
      }
      const listType = node.listType;
      value.forEach((item, i) => {
        const el = listItemElement(listType, node.mapKeys, item, i);
        const itemPath = [...path, el];
        const itemKey = childKey(key, el);
        if (listType === 'map') walk(item, node.items, itemPath, itemKey, set);
        set.insert(itemPath, itemKey);
      });
      return;
    }
    case 'map':
      if (node.atomic || !isPlainObject<JsonValue>(value)) {
        set.insert(path, key);
        return;
      }
      walkMap(value, node, path, key, set);
      return;
  }
}

function walkMap(
  value: JsonObject,
  node: Extract<SchemaNode, { type: 'map' }>,
  path: PathElement[],
  key: string,
  set: FieldSet,
): void {
  for (const [name, child] of Object.entries(value)) {
    if (child === undefined) continue;
    const declared = Object.hasOwn(node.fields, name) ? node.fields[name] : undefined;
    const type = declared ?? node.elements;
    // A key the schema does not know would have been pruned by the server: no member.
    if (!type) continue;
    const el = fieldElement(name);
    const childPath = [...path, el];
    const ck = childKey(key, el);
    walk(child, type, childPath, ck, set);
    // Map keys are members; so is a field set to null or to an empty object (kept on apply).
    if (!declared || child === null || (isPlainObject<JsonValue>(child) && Object.keys(child).length === 0))
      set.insert(childPath, ck);
  }
}

function listItemElement(listType: 'set' | 'map', mapKeys: string[], item: JsonValue, index: number): PathElement {
  if (listType === 'set') return valueElement(item);
  if (isPlainObject<JsonValue>(item) && mapKeys.length > 0 && mapKeys.every((k) => item[k] !== undefined)) {
    const keys: JsonObject = {};
    for (const k of mapKeys) keys[k] = item[k] as JsonValue;
    return keyElement(keys);
  }
  return indexElement(index);
}

/** The value found at `path`, or `found: false` when some step is missing. */
export type Lookup = { found: true; value: JsonValue } | { found: false };

/** Follows a path into an object (fields, keyed items, set values, indexes). */
export function valueAt(obj: unknown, path: FieldPath): Lookup {
  let cur: unknown = obj;
  for (const el of path) {
    const next = step(cur, el);
    if (next === undefined) return { found: false };
    cur = next;
  }
  return { found: true, value: cur as JsonValue };
}

function step(cur: unknown, el: PathElement): unknown {
  const kind = el.slice(0, 2);
  const rest = el.slice(2);
  if (kind === 'f:') return isPlainObject<JsonValue>(cur) && Object.hasOwn(cur, rest) ? cur[rest] : undefined;
  if (!Array.isArray(cur)) return undefined;
  if (kind === 'i:') return cur[Number(rest)];
  if (kind === 'v:') return cur.find((item) => canonicalJson(item as JsonValue) === rest);
  if (kind === 'k:') {
    const keys = JSON.parse(rest) as JsonObject;
    return cur.find(
      (item) =>
        isPlainObject<JsonValue>(item) &&
        Object.entries(keys).every(([k, v]) => canonicalJson(item[k] as JsonValue) === canonicalJson(v)),
    );
  }
  return undefined;
}

/** Removes the value at `path` from `obj` in place (used to show what SSA will drop). */
export function removeAt(obj: unknown, path: FieldPath): void {
  if (path.length === 0) return;
  const parent = valueAt(obj, path.slice(0, -1));
  if (!parent.found) return;
  const last = path[path.length - 1] as PathElement;
  const container = parent.value;
  if (last.startsWith('f:') && isPlainObject<JsonValue>(container)) {
    delete container[last.slice(2)];
  } else if (Array.isArray(container)) {
    const item = step(container, last);
    const at = container.indexOf(item as JsonValue);
    if (at >= 0) container.splice(at, 1);
  }
}

const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * The dotted form of a path users read and kind handlers match on:
 * `spec.update.windows`, `metadata.labels["modsync.io/instance"]`, `items[name=a]`.
 */
export function displayPath(path: FieldPath): string {
  let out = '';
  for (const el of path) {
    const rest = el.slice(2);
    if (el.startsWith('f:')) out += PLAIN_NAME.test(rest) ? `${out ? '.' : ''}${rest}` : `[${JSON.stringify(rest)}]`;
    else if (el.startsWith('k:')) {
      const keys = JSON.parse(rest) as JsonObject;
      out += `[${Object.entries(keys)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : canonicalJson(v)}`)
        .join(',')}]`;
    } else out += `[${rest}]`;
  }
  return out;
}
