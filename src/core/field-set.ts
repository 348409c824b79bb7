/**
 * Field sets as the API server keeps them in `managedFields` (structured-merge-diff's
 * fieldpath.Set, serialized as `fieldsV1`). modsync compares its own Apply entry with the
 * set of the object it wants to apply to decide "unchanged" without asking the server.
 *
 * A path is a list of elements written exactly as fieldsV1 keys: `f:<field>`,
 * `k:<json of key fields>`, `v:<json value>`, `i:<index>`. `k:` and `v:` JSON is kept in a
 * canonical form (object keys sorted) so equal paths compare equal as strings.
 */
import type { JsonObject, JsonValue } from './object.ts';

/** One step of a path, in fieldsV1 key form: `f:spec`, `k:{"name":"a"}`, `v:"x"`, `i:0`. */
export type PathElement = string;

/** A path from the object root. */
export type FieldPath = readonly PathElement[];

/** JSON with object keys sorted, so the same value always has the same text. */
export function canonicalJson(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k] as JsonValue)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Element for an object field. */
export function fieldElement(name: string): PathElement {
  return `f:${name}`;
}

/** Element for an item of a `map` list, by its key fields. */
export function keyElement(keys: JsonObject): PathElement {
  return `k:${canonicalJson(keys)}`;
}

/** Element for an item of a `set` list, by its value. */
export function valueElement(value: JsonValue): PathElement {
  return `v:${canonicalJson(value)}`;
}

/** Element for a list item by position (only lists the schema cannot key). */
export function indexElement(index: number): PathElement {
  return `i:${index}`;
}

/** Puts `k:`/`v:` JSON of an element read from the wire into canonical form. */
export function normalizeElement(el: string): PathElement {
  if (el.startsWith('k:') || el.startsWith('v:')) {
    try {
      return `${el.slice(0, 2)}${canonicalJson(JSON.parse(el.slice(2)) as JsonValue)}`;
    } catch {
      return el;
    }
  }
  return el;
}

const SEP = '\u0000';

/** The map key of a path: its elements joined by NUL, which no element contains. */
function pathKey(path: FieldPath): string {
  return path.join(SEP);
}

/** The key of `el` below the path keyed `parent` ('' for the root), without joining the whole path. */
export function childKey(parent: string, el: PathElement): string {
  return parent === '' ? el : parent + SEP + el;
}

/** A set of paths; membership, equality, union and difference, and fieldsV1 encoding. */
export class FieldSet {
  private readonly members = new Map<string, FieldPath>();
  private leafCache: FieldPath[] | undefined;

  constructor(paths: Iterable<FieldPath> = []) {
    for (const p of paths) this.insert(p);
  }

  /** Adds a path; `key` is its pathKey when the caller already has it (walks build it as they go). */
  insert(path: FieldPath, key: string = pathKey(path)): void {
    if (path.length === 0 || this.members.has(key)) return;
    this.members.set(key, [...path]);
    this.leafCache = undefined;
  }

  delete(path: FieldPath): void {
    if (this.members.delete(pathKey(path))) this.leafCache = undefined;
  }

  has(path: FieldPath): boolean {
    return this.members.has(pathKey(path));
  }

  get size(): number {
    return this.members.size;
  }

  /** Members in insertion order (the walk order of the object they came from). */
  paths(): FieldPath[] {
    return [...this.members.values()];
  }

  /** Members with no member below them: the values to compare. */
  leaves(): FieldPath[] {
    if (this.leafCache) return [...this.leafCache];
    const above = new Set<string>();
    for (const key of this.members.keys()) {
      for (let i = key.indexOf(SEP); i >= 0; i = key.indexOf(SEP, i + 1)) above.add(key.slice(0, i));
    }
    const leaves: FieldPath[] = [];
    for (const [key, path] of this.members) if (!above.has(key)) leaves.push(path);
    this.leafCache = leaves;
    return [...leaves];
  }

  equals(other: FieldSet): boolean {
    if (other.size !== this.size) return false;
    for (const key of this.members.keys()) if (!other.members.has(key)) return false;
    return true;
  }

  union(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [key, path] of this.members) out.members.set(key, path);
    for (const [key, path] of other.members) if (!out.members.has(key)) out.members.set(key, path);
    return out;
  }

  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [key, path] of this.members) if (!other.members.has(key)) out.members.set(key, path);
    return out;
  }
}

interface TreeNode {
  member: boolean;
  children: Map<PathElement, TreeNode>;
}

/** Order of element kinds in serialized sets, as structured-merge-diff sorts them. */
const KIND_ORDER: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

function compareElements(a: PathElement, b: PathElement): number {
  const ka = KIND_ORDER[a.slice(0, 1)] ?? 9;
  const kb = KIND_ORDER[b.slice(0, 1)] ?? 9;
  if (ka !== kb) return ka - kb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The `fieldsV1` JSON of a set (`{}` for a member without children, `".": {}` beside children). */
export function encodeFieldsV1(set: FieldSet): JsonObject {
  const root: TreeNode = { member: false, children: new Map() };
  for (const path of set.paths()) {
    let node = root;
    for (const el of path) {
      let child = node.children.get(el);
      if (!child) {
        child = { member: false, children: new Map() };
        node.children.set(el, child);
      }
      node = child;
    }
    node.member = true;
  }
  const encode = (node: TreeNode): JsonObject => {
    const out: JsonObject = {};
    if (node.member && node.children.size > 0) out['.'] = {};
    for (const el of [...node.children.keys()].sort(compareElements))
      out[el] = encode(node.children.get(el) as TreeNode);
    return out;
  };
  return encode(root);
}

/** Reads a `fieldsV1` JSON object (as found in `metadata.managedFields[].fieldsV1`). */
export function decodeFieldsV1(json: JsonObject | undefined): FieldSet {
  const set = new FieldSet();
  const walk = (node: JsonObject, prefix: PathElement[], prefixKey: string): void => {
    for (const [key, child] of Object.entries(node)) {
      if (key === '.') continue;
      const el = normalizeElement(key);
      const path = [...prefix, el];
      const pk = childKey(prefixKey, el);
      const obj = child !== null && typeof child === 'object' && !Array.isArray(child) ? child : {};
      if (Object.keys(obj).length === 0 || Object.hasOwn(obj, '.')) set.insert(path, pk);
      walk(obj, path, pk);
    }
  };
  if (json) walk(json, [], '');
  return set;
}
