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

function keyOf(path: FieldPath): string {
  return path.join(SEP);
}

/** A set of paths; membership, equality, union and difference, and fieldsV1 encoding. */
export class FieldSet {
  private readonly members = new Map<string, FieldPath>();

  constructor(paths: Iterable<FieldPath> = []) {
    for (const p of paths) this.insert(p);
  }

  insert(path: FieldPath): void {
    if (path.length === 0) return;
    const key = keyOf(path);
    if (!this.members.has(key)) this.members.set(key, [...path]);
  }

  delete(path: FieldPath): void {
    this.members.delete(keyOf(path));
  }

  has(path: FieldPath): boolean {
    return this.members.has(keyOf(path));
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
    const prefixes = new Set<string>();
    for (const p of this.members.values()) {
      for (let i = 1; i < p.length; i++) prefixes.add(keyOf(p.slice(0, i)));
    }
    return this.paths().filter((p) => !prefixes.has(keyOf(p)));
  }

  equals(other: FieldSet): boolean {
    if (other.size !== this.size) return false;
    for (const key of this.members.keys()) if (!other.members.has(key)) return false;
    return true;
  }

  union(other: FieldSet): FieldSet {
    return new FieldSet([...this.paths(), ...other.paths()]);
  }

  difference(other: FieldSet): FieldSet {
    return new FieldSet(this.paths().filter((p) => !other.has(p)));
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
  const walk = (node: JsonObject, prefix: PathElement[]): void => {
    for (const [key, child] of Object.entries(node)) {
      if (key === '.') continue;
      const path = [...prefix, normalizeElement(key)];
      const obj = child !== null && typeof child === 'object' && !Array.isArray(child) ? child : {};
      const keys = Object.keys(obj);
      if (keys.length === 0 || keys.includes('.')) set.insert(path);
      walk(obj, path);
    }
  };
  if (json) walk(json, []);
  return set;
}
