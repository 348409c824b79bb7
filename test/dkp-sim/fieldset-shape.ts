/**
 * The types structured-merge-diff derives from a CRD schema, as the walks in fieldset-typed.ts
 * need them: declared properties are struct fields, additionalProperties and
 * x-kubernetes-preserve-unknown-fields give maps with arbitrary keys, lists are atomic unless
 * x-kubernetes-list-type says `set` or `map`, untyped values are "deduced" (maps granular,
 * lists atomic); ObjectMeta comes from its Go type.
 */
import { keyElement, valueElement } from './fieldset-path.ts';
import type { Json, JsonMap, Schema } from './types.ts';

/** Marker for untyped content (inside preserve-unknown-fields objects). */
const DEDUCED: Schema = { 'x-dkp-deduced': true };

/** ObjectMeta as structured-merge-diff sees it (labels/annotations maps, finalizers a set, ownerReferences keyed by uid). */
const OBJECT_META: Schema = {
  type: 'object',
  properties: {
    ...Object.fromEntries(
      [
        'name',
        'generateName',
        'namespace',
        'selfLink',
        'uid',
        'resourceVersion',
        'creationTimestamp',
        'deletionTimestamp',
      ].map((k) => [k, { type: 'string' } as Schema]),
    ),
    generation: { type: 'integer' },
    deletionGracePeriodSeconds: { type: 'integer' },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    annotations: { type: 'object', additionalProperties: { type: 'string' } },
    finalizers: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
    ownerReferences: {
      type: 'array',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['uid'],
      items: {
        type: 'object',
        properties: {
          apiVersion: { type: 'string' },
          kind: { type: 'string' },
          name: { type: 'string' },
          uid: { type: 'string' },
          controller: { type: 'boolean' },
          blockOwnerDeletion: { type: 'boolean' },
        },
      },
    },
    managedFields: { type: 'array', items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
  },
};

/** The type of a whole resource: the CRD schema plus the implicit apiVersion, kind and ObjectMeta. */
export function resourceShape(schema: Schema): Schema {
  return {
    ...schema,
    type: 'object',
    properties: {
      ...schema.properties,
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: OBJECT_META,
    },
  };
}

/** One node of the derived type: a scalar, a list (atomic/set/map) or a map (atomic or granular). */
export type Atom =
  | { kind: 'scalar' }
  | { kind: 'list'; atomic: boolean; listType: string; keys: string[]; elem: Schema }
  | { kind: 'map'; atomic: boolean; fields: Record<string, Schema>; elem: Schema | undefined };

/** True for a JSON object. */
export function isMap(v: Json | undefined): v is JsonMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The atom a schema describes, without looking at a value; undefined for untyped content (deduced from the value). */
export function schemaAtom(s: Schema | undefined): Atom | undefined {
  if (!s || s === DEDUCED) return undefined;
  if (s['x-kubernetes-int-or-string']) return { kind: 'scalar' };
  if (s.type === 'array' || (!s.type && s.items)) {
    const listType = s['x-kubernetes-list-type'] ?? 'atomic';
    return {
      kind: 'list',
      atomic: listType === 'atomic',
      listType,
      keys: s['x-kubernetes-list-map-keys'] ?? [],
      elem: s.items ?? DEDUCED,
    };
  }
  if (
    s.type === 'object' ||
    s.properties ||
    s.additionalProperties !== undefined ||
    s['x-kubernetes-preserve-unknown-fields']
  ) {
    const ap = s.additionalProperties;
    let elem: Schema | undefined;
    if (s['x-kubernetes-preserve-unknown-fields'] || ap === true) elem = DEDUCED;
    else if (ap && typeof ap === 'object') elem = ap;
    return { kind: 'map', atomic: s['x-kubernetes-map-type'] === 'atomic', fields: s.properties ?? {}, elem };
  }
  if (s.type) return { kind: 'scalar' };
  return undefined;
}

/** The atom used to walk `v`: the schema's, or deduced from the value; a value of the wrong kind is a leaf. */
export function atomFor(s: Schema | undefined, v: Json | undefined): Atom {
  const a = schemaAtom(s);
  if (!a) {
    if (isMap(v)) return { kind: 'map', atomic: false, fields: {}, elem: DEDUCED };
    if (Array.isArray(v)) return { kind: 'list', atomic: true, listType: 'atomic', keys: [], elem: DEDUCED };
    return { kind: 'scalar' };
  }
  if (v === undefined || v === null) return a;
  if ((a.kind === 'map' && !isMap(v)) || (a.kind === 'list' && !Array.isArray(v))) return { kind: 'scalar' };
  return a;
}

/** The schema of a map entry: its declared property, else the element schema. */
export function fieldShape(a: Atom & { kind: 'map' }, key: string): Schema | undefined {
  return Object.hasOwn(a.fields, key) ? a.fields[key] : a.elem;
}

/** The path element of a list item (set value, or the map-list key fields present in the item). */
export function itemElement(a: Atom & { kind: 'list' }, item: Json, index: number): string {
  if (a.listType === 'set') return valueElement(item);
  if (a.listType === 'map' && isMap(item)) {
    const keys: JsonMap = {};
    for (const k of a.keys) if (item[k] !== undefined) keys[k] = item[k]!;
    return keyElement(keys);
  }
  return `i:${index}`;
}
