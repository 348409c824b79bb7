/**
 * Field paths and field sets as sigs.k8s.io/structured-merge-diff models them (package
 * fieldpath), with the `fieldsV1` wire encoding of managedFields. A path element is kept in its
 * serialized form: `f:<field>`, `k:<json of the key fields>`, `v:<json value>`, `i:<index>`;
 * k:/v: JSON is produced the way the Go server writes it (sorted keys, HTML-safe escaping), so
 * equal elements are equal strings.
 */
import type { Json, JsonMap } from './types.ts';

/** A set of field paths, as a trie: `members` are paths ending here, `children` go deeper (never empty). */
export interface FieldSet {
  members: Set<string>;
  children: Map<string, FieldSet>;
}

/** An empty field set. */
export function emptySet(): FieldSet {
  return { members: new Set(), children: new Map() };
}

function isMap(v: Json | undefined): v is JsonMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON as Go's encoding/json writes it: map keys sorted, `<`, `>`, `&`, U+2028/2029 escaped. */
export function goJson(v: Json): string {
  if (Array.isArray(v)) return `[${v.map(goJson).join(',')}]`;
  if (isMap(v))
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${goString(k)}:${goJson(v[k]!)}`)
      .join(',')}}`;
  return typeof v === 'string' ? goString(v) : JSON.stringify(v);
}

function goString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `f:<name>`: a field of a map or struct. */
export function fieldElement(name: string): string {
  return `f:${name}`;
}

/** `k:{...}`: the item of a map-type list with these key fields. */
export function keyElement(keys: JsonMap): string {
  return `k:${goJson(keys)}`;
}

/** `v:<json>`: the item of a set-type list with this value. */
export function valueElement(value: Json): string {
  return `v:${goJson(value)}`;
}

/** Parses and re-serializes a path element so that foreign encodings compare equal; throws on garbage. */
export function canonicalElement(pe: string): string {
  const kind = pe.slice(0, 2);
  const body = pe.slice(2);
  if (kind === 'f:') return pe;
  if (kind === 'i:' && /^\d+$/.test(body)) return `i:${Number(body)}`;
  if (kind === 'k:') {
    const keys = JSON.parse(body) as Json;
    if (!isMap(keys)) throw new Error(`invalid key path element ${pe}`);
    return keyElement(keys);
  }
  if (kind === 'v:') return valueElement(JSON.parse(body) as Json);
  throw new Error(`unknown path element ${pe}`);
}

const KIND_ORDER: Record<string, number> = { 'f:': 0, 'k:': 1, 'v:': 2, 'i:': 3 };

function valueRank(v: Json): number {
  if (typeof v === 'number') return 0;
  if (typeof v === 'string') return 1;
  if (typeof v === 'boolean') return 2;
  if (Array.isArray(v)) return 3;
  return isMap(v) ? 4 : 5;
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** structured-merge-diff's total order of values (numbers, strings, booleans, lists, maps, null). */
function compareValues(a: Json, b: Json): number {
  const ra = valueRank(a);
  const rb = valueRank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return cmpStr(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = compareValues(a[i]!, b[i]!);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  if (isMap(a) && isMap(b)) return compareFieldLists(a, b);
  return 0;
}

function compareFieldLists(a: JsonMap, b: JsonMap): number {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
    const c = cmpStr(ka[i]!, kb[i]!) || compareValues(a[ka[i]!]!, b[kb[i]!]!);
    if (c !== 0) return c;
  }
  return ka.length - kb.length;
}

/** The order of path elements in a serialized set: fields, then keys, values, indexes. */
export function compareElements(a: string, b: string): number {
  const ka = KIND_ORDER[a.slice(0, 2)] ?? 4;
  const kb = KIND_ORDER[b.slice(0, 2)] ?? 4;
  if (ka !== kb) return ka - kb;
  const ba = a.slice(2);
  const bb = b.slice(2);
  if (ka === 0) return cmpStr(ba, bb);
  if (ka === 3) return Number(ba) - Number(bb);
  return compareValues(JSON.parse(ba) as Json, JSON.parse(bb) as Json);
}

/** Adds a path (non-empty) to the set, in place. */
export function insertPath(set: FieldSet, path: readonly string[]): void {
  let node = set;
  for (let i = 0; i < path.length - 1; i++) {
    let child = node.children.get(path[i]!);
    if (!child) {
      child = emptySet();
      node.children.set(path[i]!, child);
    }
    node = child;
  }
  if (path.length > 0) node.members.add(path[path.length - 1]!);
}

/** True when the exact path is a member. */
export function hasPath(set: FieldSet, path: readonly string[]): boolean {
  let node: FieldSet | undefined = set;
  for (let i = 0; i < path.length - 1 && node; i++) node = node.children.get(path[i]!);
  return !!node && path.length > 0 && node.members.has(path[path.length - 1]!);
}

/** True when the set holds no path. */
export function isEmptySet(set: FieldSet): boolean {
  return set.members.size === 0 && set.children.size === 0;
}

function combine(a: FieldSet, b: FieldSet, op: 'union' | 'difference' | 'intersection'): FieldSet {
  const out = emptySet();
  for (const m of a.members) if (op === 'union' || (op === 'difference') !== b.members.has(m)) out.members.add(m);
  if (op === 'union') for (const m of b.members) out.members.add(m);
  for (const [pe, child] of a.children) {
    const other = b.children.get(pe);
    const c = other ? combine(child, other, op) : op === 'intersection' ? emptySet() : cloneSet(child);
    if (!isEmptySet(c)) out.children.set(pe, c);
  }
  if (op === 'union')
    for (const [pe, child] of b.children) if (!a.children.has(pe)) out.children.set(pe, cloneSet(child));
  return out;
}

/** Paths in either set. */
export function union(a: FieldSet, b: FieldSet): FieldSet {
  return combine(a, b, 'union');
}

/** Paths of `a` not in `b` (exact paths: a member of `b` does not cover `a`'s deeper paths). */
export function difference(a: FieldSet, b: FieldSet): FieldSet {
  return combine(a, b, 'difference');
}

/** Paths in both sets. */
export function intersection(a: FieldSet, b: FieldSet): FieldSet {
  return combine(a, b, 'intersection');
}

/** A deep copy. */
export function cloneSet(s: FieldSet): FieldSet {
  return union(emptySet(), { members: s.members, children: s.children });
}

/** Every member path, in serialization order. */
export function listPaths(set: FieldSet, prefix: string[] = []): string[][] {
  const keys = [...new Set([...set.members, ...set.children.keys()])].sort(compareElements);
  const out: string[][] = [];
  for (const pe of keys) {
    if (set.members.has(pe)) out.push([...prefix, pe]);
    const child = set.children.get(pe);
    if (child) out.push(...listPaths(child, [...prefix, pe]));
  }
  return out;
}

/** True when both sets hold the same paths. */
export function setsEqual(a: FieldSet, b: FieldSet): boolean {
  return isEmptySet(difference(a, b)) && isEmptySet(difference(b, a));
}

/** Encodes a set as `fieldsV1`: `{}` for a member, its children plus `".": {}` when it is both. */
export function encodeFieldsV1(set: FieldSet): JsonMap {
  const out: JsonMap = {};
  const keys = [...new Set([...set.members, ...set.children.keys()])].sort(compareElements);
  for (const pe of keys) {
    const child = set.children.get(pe);
    if (!child) {
      out[pe] = {};
      continue;
    }
    const inner = encodeFieldsV1(child);
    if (set.members.has(pe)) inner['.'] = {};
    out[pe] = inner;
  }
  return out;
}

/** Decodes `fieldsV1` into a set; unknown element kinds are skipped like the server does. */
export function decodeFieldsV1(fields: JsonMap): FieldSet {
  const out = emptySet();
  for (const [key, value] of Object.entries(fields)) {
    if (key === '.') continue;
    let pe: string;
    try {
      pe = canonicalElement(key);
    } catch {
      continue;
    }
    const sub = isMap(value) ? value : {};
    const child = decodeFieldsV1(sub);
    if (!isEmptySet(child)) out.children.set(pe, child);
    if (isEmptySet(child) || '.' in sub) out.members.add(pe);
  }
  return out;
}

function elementString(pe: string): string {
  const body = pe.slice(2);
  const show = (v: Json): string =>
    typeof v === 'string' ? JSON.stringify(v) : isMap(v) || Array.isArray(v) ? goJson(v) : String(v);
  switch (pe.slice(0, 2)) {
    case 'f:':
      return `.${body}`;
    case 'k:': {
      const keys = JSON.parse(body) as JsonMap;
      return `[${Object.keys(keys)
        .sort()
        .map((k) => `${k}=${show(keys[k]!)}`)
        .join(',')}]`;
    }
    case 'v:':
      return `[=${show(JSON.parse(body) as Json)}]`;
    default:
      return `[${body}]`;
  }
}

/** A path as the apiserver prints it in conflicts: `.spec.registry.repo`, `.status.conditions[type="Ready"]`. */
export function pathString(path: readonly string[]): string {
  return path.map(elementString).join('');
}
