/**
 * Schema-aware walks over objects, mirroring sigs.k8s.io/structured-merge-diff/typed for the
 * types the apiserver derives from a CRD schema: declared properties are struct fields,
 * additionalProperties and x-kubernetes-preserve-unknown-fields give maps with arbitrary keys,
 * lists are atomic unless x-kubernetes-list-type says `set` or `map`, untyped values are
 * "deduced" (maps granular, lists atomic). Implements ToFieldSet, Compare, Merge, RemoveItems
 * and EnsureNamedFieldsAreMembers.
 */
import { emptySet, fieldElement, hasPath, insertPath, isEmptySet, type FieldSet } from './fieldset-path.ts';
import { atomFor, fieldShape, isMap, itemElement, schemaAtom, type Atom } from './fieldset-shape.ts';
import type { Json, JsonMap, Schema } from './types.ts';
import { cloneJson } from './clone.ts';

export { resourceShape } from './fieldset-shape.ts';

/**
 * ToFieldSet: scalars, atomic lists/maps, list items and undeclared map keys are members;
 * declared fields only hold their contents, except a null or empty object, which is a member
 * itself (structured-merge-diff >= 4.1 owns empty structs so that `update: {}` can be kept).
 */
export function toFieldSet(v: Json, s: Schema | undefined): FieldSet {
  const out = emptySet();
  walkSet(v, s, [], out);
  return out;
}

function walkSet(v: Json, s: Schema | undefined, path: string[], out: FieldSet): void {
  const a = atomFor(s, v);
  if (a.kind === 'scalar' || a.atomic) {
    if (path.length > 0) insertPath(out, path);
    return;
  }
  if (a.kind === 'list') {
    if (!Array.isArray(v)) return;
    v.forEach((item, i) => {
      const p = [...path, itemElement(a, item, i)];
      walkSet(item, a.elem, p, out);
      insertPath(out, p);
    });
    return;
  }
  if (!isMap(v)) return;
  for (const [k, child] of Object.entries(v)) {
    if (child === undefined) continue;
    const p = [...path, fieldElement(k)];
    walkSet(child, fieldShape(a, k), p, out);
    if (child === null || (isMap(child) && Object.keys(child).length === 0) || !Object.hasOwn(a.fields, k))
      insertPath(out, p);
  }
}

/** Paths added, changed and removed between two versions of an object (typed.Compare). */
export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

function canonical(v: Json | undefined): string {
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isMap(v))
    return `{${Object.keys(v)
      .sort()
      .filter((k) => v[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/** Deep equality of JSON values (key order ignored). */
export function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  return canonical(a) === canonical(b);
}

function isEmptyish(v: Json | undefined): boolean {
  return (
    v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (isMap(v) && Object.keys(v).length === 0)
  );
}

/** Is this node merged/compared as one leaf (scalar, atomic, both sides empty, kinds differ)? */
function isLeaf(a: Atom, l: Json | undefined, r: Json | undefined): boolean {
  if (a.kind === 'scalar' || a.atomic) return true;
  if (isEmptyish(l) && isEmptyish(r)) return true;
  const kind = (v: Json | undefined): string =>
    v === undefined || v === null ? 'none' : isMap(v) ? 'map' : Array.isArray(v) ? 'list' : 'scalar';
  const kl = kind(l);
  const kr = kind(r);
  return kl !== 'none' && kr !== 'none' && kl !== kr;
}

/** Children of a granular node, in merge order: left items first, then right-only ones. */
function pairs(
  a: Atom,
  l: Json | undefined,
  r: Json | undefined,
): Array<{ pe: string; l: Json | undefined; r: Json | undefined; shape: Schema | undefined }> {
  const out: Array<{ pe: string; l: Json | undefined; r: Json | undefined; shape: Schema | undefined }> = [];
  if (a.kind === 'map') {
    const lm = isMap(l) ? l : {};
    const rm = isMap(r) ? r : {};
    for (const k of Object.keys(lm))
      if (lm[k] !== undefined) out.push({ pe: fieldElement(k), l: lm[k], r: rm[k], shape: fieldShape(a, k) });
    for (const k of Object.keys(rm))
      if (rm[k] !== undefined && lm[k] === undefined)
        out.push({ pe: fieldElement(k), l: undefined, r: rm[k], shape: fieldShape(a, k) });
  } else if (a.kind === 'list') {
    const left = indexItems(a, l);
    const right = indexItems(a, r);
    for (const pe of mergedOrder([...left.keys()], [...right.keys()]))
      out.push({ pe, l: left.get(pe), r: right.get(pe), shape: a.elem });
  }
  return out;
}

/** List items by path element, first occurrence wins (duplicates are a validation matter). */
function indexItems(a: Atom & { kind: 'list' }, v: Json | undefined): Map<string, Json> {
  const out = new Map<string, Json>();
  if (Array.isArray(v))
    v.forEach((item, i) => {
      const pe = itemElement(a, item, i);
      if (!out.has(pe)) out.set(pe, item);
    });
  return out;
}

/**
 * The item order of a merged granular list, as structured-merge-diff computes it: items both
 * sides have follow the right (applied) order, left-only items stay where they were, right-only
 * items come in at their place in the right order.
 */
function mergedOrder(lhs: string[], rhs: string[]): string[] {
  const inLeft = new Set(lhs);
  const inRight = new Set(rhs);
  const shared = rhs.filter((pe) => inLeft.has(pe));
  let next = shared.shift();
  const out: string[] = [];
  let li = 0;
  let ri = 0;
  while (li < lhs.length || ri < rhs.length) {
    const before = li + ri;
    if (li < lhs.length && ri < rhs.length) {
      const pe = lhs[li]!;
      if (pe === rhs[ri]) {
        out.push(pe);
        li++;
        ri++;
        next = shared.shift();
        continue;
      }
      if (inRight.has(pe) && next !== undefined && next !== pe) {
        li++;
        continue;
      }
    }
    if (li < lhs.length && !inRight.has(lhs[li]!)) {
      out.push(lhs[li]!);
      li++;
      continue;
    }
    if (ri < rhs.length) {
      const pe = rhs[ri]!;
      out.push(pe);
      ri++;
      if (next === pe) next = shared.shift();
    }
    // A left item already taken from the right side: skip it (guards against a stall).
    if (li + ri === before) li++;
  }
  return out;
}

/** typed.Compare: leaves give added/modified/removed; granular nodes that appear or vanish are added/removed themselves. */
export function compareObjects(l: Json | undefined, r: Json | undefined, s: Schema | undefined): Comparison {
  const c: Comparison = { added: emptySet(), modified: emptySet(), removed: emptySet() };
  walkCompare(l, r, s, [], c);
  return c;
}

function valueKind(v: Json | undefined): string {
  return v === undefined || v === null ? 'none' : isMap(v) ? 'map' : Array.isArray(v) ? 'list' : 'scalar';
}

function walkCompare(
  l: Json | undefined,
  r: Json | undefined,
  s: Schema | undefined,
  path: string[],
  c: Comparison,
): void {
  const kl = valueKind(l);
  const kr = valueKind(r);
  if (kl !== 'none' && kr !== 'none' && kl !== kr) {
    // typed/compare.go (compareWalker.compare): an untyped value that changed kind is walked once
    // as each side's deduced atom, so the old map's contents are removed, the new map's added,
    // and the value itself is modified.
    const al = atomFor(s, l);
    const ar = atomFor(s, r);
    if (al.kind !== 'scalar' && !al.atomic) {
      for (const p of pairs(al, l, undefined)) walkCompare(p.l, undefined, p.shape, [...path, p.pe], c);
    }
    if (ar.kind !== 'scalar' && !ar.atomic) {
      for (const p of pairs(ar, undefined, r)) walkCompare(undefined, p.r, p.shape, [...path, p.pe], c);
    }
    if (path.length > 0) insertPath(c.modified, path);
    return;
  }
  const a = atomFor(s, r ?? l);
  const mark = (): void => {
    if (path.length === 0) return;
    if (l === undefined) insertPath(c.added, path);
    else if (r === undefined) insertPath(c.removed, path);
  };
  if (isLeaf(a, l, r)) {
    mark();
    if (path.length > 0 && l !== undefined && r !== undefined && !jsonEqual(l, r)) insertPath(c.modified, path);
    return;
  }
  for (const p of pairs(a, l, r)) walkCompare(p.l, p.r, p.shape, [...path, p.pe], c);
  mark();
}

/** typed.Merge with "keep right": maps and map/set lists merge item by item, leaves take the right side. */
export function mergeObjects(l: Json | undefined, r: Json | undefined, s: Schema | undefined): Json | undefined {
  const a = atomFor(s, r ?? l);
  if (isLeaf(a, l, r)) return cloneJson(r !== undefined ? r : l);
  const merged = pairs(a, l, r).map((p) => ({ pe: p.pe, v: mergeObjects(p.l, p.r, p.shape) }));
  if (a.kind === 'list') {
    const items = merged.filter((m) => m.v !== undefined).map((m) => m.v!);
    return items.length > 0 ? items : undefined;
  }
  const out: JsonMap = {};
  for (const m of merged) if (m.v !== undefined) out[m.pe.slice(2)] = m.v;
  return Object.keys(out).length > 0 ? out : undefined;
}

function subset(set: FieldSet, pe: string): FieldSet {
  return set.children.get(pe) ?? emptySet();
}

/**
 * typed.RemoveItems: drops every member of `set` (with everything under it) and descends where
 * the set goes deeper. A map or list emptied by the removal stays an empty map or list
 * (structured-merge-diff since kubernetes-sigs/structured-merge-diff#306; before, it became null).
 */
export function removeItems(v: Json, set: FieldSet, s: Schema | undefined): Json {
  const a = atomFor(s, v);
  if (a.kind === 'scalar' || a.atomic || isEmptyish(v)) return cloneJson(v);
  if (a.kind === 'list' && Array.isArray(v)) {
    const items: Json[] = [];
    v.forEach((item, i) => {
      const pe = itemElement(a, item, i);
      if (hasPath(set, [pe])) return;
      const sub = subset(set, pe);
      items.push(isEmptySet(sub) ? cloneJson(item) : removeItems(item, sub, a.elem));
    });
    return items;
  }
  if (a.kind === 'map' && isMap(v)) {
    const out: JsonMap = {};
    for (const [k, child] of Object.entries(v)) {
      if (child === undefined) continue;
      const pe = fieldElement(k);
      if (hasPath(set, [pe])) continue;
      const sub = subset(set, pe);
      out[k] = isEmptySet(sub) ? cloneJson(child) : removeItems(child, sub, fieldShape(a, k));
    }
    return out;
  }
  return cloneJson(v);
}

/**
 * Set.EnsureNamedFieldsAreMembers: declared struct fields that have owned contents become members
 * themselves (for a set made of `spec.a`, `spec` joins), so removing them removes the struct.
 */
export function ensureNamedFieldsAreMembers(set: FieldSet, s: Schema | undefined): FieldSet {
  const a = schemaAtom(s);
  const out: FieldSet = { members: new Set(set.members), children: new Map() };
  for (const [pe, child] of set.children) {
    let shape: Schema | undefined;
    if (a?.kind === 'map' && pe.startsWith('f:')) {
      const name = pe.slice(2);
      shape = Object.hasOwn(a.fields, name) ? a.fields[name] : a.elem;
      if (Object.hasOwn(a.fields, name)) out.members.add(pe);
    } else if (a?.kind === 'list' && pe.startsWith('k:')) {
      shape = a.elem;
    }
    out.children.set(pe, ensureNamedFieldsAreMembers(child, shape));
  }
  return out;
}
