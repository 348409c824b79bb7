/**
 * The two non-apply patch formats the apiserver accepts for custom resources:
 * JSON merge patch (RFC 7386) and JSON patch (RFC 6902). Both are pure: inputs are never
 * mutated. JSON patch failures carry the messages of evanphx/json-patch, which the apiserver
 * returns verbatim in a 422 (or a 400 when the patch document itself is malformed).
 */
import type { Json, JsonMap } from './types.ts';
import { cloneJson } from './clone.ts';

/** A patch that cannot be applied; `malformed` means the document itself is not a valid patch (400, not 422). */
export class PatchError extends Error {
  readonly malformed: boolean;
  constructor(message: string, malformed = false) {
    super(message);
    this.name = 'PatchError';
    this.malformed = malformed;
  }
}

function isMap(v: Json | undefined): v is JsonMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RFC 7386 merge patch: objects merge key by key, `null` deletes, anything else (arrays too) replaces. */
export function applyMergePatch(target: Json, patch: Json): Json {
  if (!isMap(patch)) return cloneJson(patch);
  const out: JsonMap = isMap(target) ? cloneJson(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = applyMergePatch(out[key] ?? null, value);
  }
  return out;
}

/** Splits an RFC 6901 pointer into unescaped tokens (`~1` is `/`, `~0` is `~`). */
function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`JSON pointer must be empty or start with a "/": ${pointer}`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

type Container = JsonMap | Json[];

function arrayIndex(token: string, length: number, forInsert: boolean): number {
  if (!/^(0|[1-9]\d*)$/.test(token))
    throw new PatchError(`Unable to access invalid index: ${token}: invalid index referenced`);
  const idx = Number(token);
  if (idx > length || (!forInsert && idx === length))
    throw new PatchError(`Unable to access invalid index: ${idx}: invalid index referenced`);
  return idx;
}

/** Walks to the parent of the pointer's last token; undefined when a step is missing. */
function parentOf(doc: Json, tokens: string[]): Container | undefined {
  let cur: Json | undefined = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) {
      if (!/^(0|[1-9]\d*)$/.test(t) || Number(t) >= cur.length) return undefined;
      cur = cur[Number(t)];
    } else if (isMap(cur)) {
      cur = cur[t];
    } else {
      return undefined;
    }
  }
  return Array.isArray(cur) || isMap(cur) ? cur : undefined;
}

function getAt(doc: Json, tokens: string[]): Json | undefined {
  if (tokens.length === 0) return doc;
  const parent = parentOf(doc, tokens);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) {
    if (!/^(0|[1-9]\d*)$/.test(last) || Number(last) >= parent.length) return undefined;
    return parent[Number(last)];
  }
  return parent && Object.hasOwn(parent, last) ? parent[last] : undefined;
}

function deepEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

interface Doc {
  root: Json;
}

function add(doc: Doc, path: string, value: Json): void {
  const tokens = parsePointer(path);
  if (tokens.length === 0) {
    doc.root = cloneJson(value);
    return;
  }
  const parent = parentOf(doc.root, tokens);
  if (!parent) throw new PatchError(`add operation does not apply: doc is missing path: "${path}": missing value`);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) {
    const idx = last === '-' ? parent.length : arrayIndex(last, parent.length, true);
    parent.splice(idx, 0, cloneJson(value));
  } else {
    parent[last] = cloneJson(value);
  }
}

function remove(doc: Doc, path: string, op = 'remove'): Json {
  const tokens = parsePointer(path);
  const parent = tokens.length > 0 ? parentOf(doc.root, tokens) : undefined;
  if (!parent) throw new PatchError(`error in ${op} for path: "${path}": missing value`);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) {
    const idx = arrayIndex(last, parent.length, false);
    return parent.splice(idx, 1)[0]!;
  }
  if (!Object.hasOwn(parent, last))
    throw new PatchError(
      `error in ${op} for path: "${path}": Unable to remove nonexistent key: ${last}: missing value`,
    );
  const old = parent[last]!;
  delete parent[last];
  return old;
}

function field(op: JsonMap, name: string, opName: string): Json {
  const v = op[name];
  if (v === undefined) throw new PatchError(`${opName} operation missing "${name}" field`, true);
  return v;
}

function pointerField(op: JsonMap, name: string, opName: string): string {
  const v = field(op, name, opName);
  if (typeof v !== 'string') throw new PatchError(`${opName} operation has a non-string "${name}"`, true);
  return v;
}

function applyOne(doc: Doc, op: JsonMap): void {
  const kind = op.op;
  switch (kind) {
    case 'add':
      add(doc, pointerField(op, 'path', 'add'), field(op, 'value', 'add'));
      return;
    case 'remove':
      remove(doc, pointerField(op, 'path', 'remove'));
      return;
    case 'replace': {
      const path = pointerField(op, 'path', 'replace');
      const value = field(op, 'value', 'replace');
      const tokens = parsePointer(path);
      if (tokens.length === 0) {
        doc.root = cloneJson(value);
        return;
      }
      if (getAt(doc.root, tokens) === undefined)
        throw new PatchError(`replace operation does not apply: doc is missing key: ${path}: missing value`);
      remove(doc, path, 'replace');
      add(doc, path, value);
      return;
    }
    case 'move': {
      const from = pointerField(op, 'from', 'move');
      const path = pointerField(op, 'path', 'move');
      if (getAt(doc.root, parsePointer(from)) === undefined)
        throw new PatchError(`move operation does not apply: doc is missing from path: ${from}: missing value`);
      if (path !== from && path.startsWith(`${from}/`))
        throw new PatchError(`move operation cannot move a value into one of its own children: ${from} -> ${path}`);
      add(doc, path, remove(doc, from, 'move'));
      return;
    }
    case 'copy': {
      const from = pointerField(op, 'from', 'copy');
      const value = getAt(doc.root, parsePointer(from));
      if (value === undefined)
        throw new PatchError(`copy operation does not apply: doc is missing from path: ${from}: missing value`);
      add(doc, pointerField(op, 'path', 'copy'), value);
      return;
    }
    case 'test': {
      const path = pointerField(op, 'path', 'test');
      const expected = field(op, 'value', 'test');
      const actual = getAt(doc.root, parsePointer(path));
      // A missing value only matches an expected null, as in evanphx/json-patch.
      if (!deepEqual(actual ?? null, expected)) throw new PatchError(`testing value ${path} failed: test failed`);
      return;
    }
    default:
      throw new PatchError(
        `Unexpected kind: ${typeof kind === 'string' ? kind : JSON.stringify(kind ?? null)}: unknown object type`,
      );
  }
}

/** RFC 6902 JSON patch: applies the operations in order, all or nothing. */
export function applyJsonPatch(target: Json, ops: Json): Json {
  if (!Array.isArray(ops))
    throw new PatchError('json: cannot unmarshal object into Go value of type jsonpatch.Patch', true);
  const doc: Doc = { root: cloneJson(target) };
  for (const op of ops) {
    if (!isMap(op))
      throw new PatchError('json: cannot unmarshal non-object into Go value of type jsonpatch.Operation', true);
    applyOne(doc, op);
  }
  return doc.root;
}
