/**
 * A live object as a person would have written it: only what some person or tool set.
 * managedFields say who set what: fields that only Deckhouse's controllers own (finalizers,
 * checksum annotations, settings they fill in) and fields nobody owns (API server defaults)
 * are dropped; what any other manager owns (kubectl, modsync, another GitOps tool) is kept.
 * Objects without managedFields (written before server-side apply existed) fall back to
 * dropping values equal to the CRD's default. Server metadata, status, the last-applied
 * annotation and modsync's ownership label never survive.
 */
import { isPlainObject } from '../core/values.ts';
import type { FieldPath, PathElement } from '../core/field-set.ts';
import { FieldSet, decodeFieldsV1 } from '../core/field-set.ts';
import { valueAt } from '../core/field-set-walk.ts';
import type { JsonObject, JsonValue, KubeObject } from '../core/object.ts';
import { OWNERSHIP_LABEL } from '../core/ownership.ts';
import { LAST_APPLIED_ANNOTATION, isControllerManager } from '../core/takeover.ts';

/** Annotations Deckhouse's controller writes (dropped when managedFields cannot tell). */
const CONTROLLER_ANNOTATIONS = ['modules.deckhouse.io/registry-spec-checksum'];

/** A CRD's openAPIV3Schema (only `properties`, `items`, `default` are read). */
export interface RawSchema {
  properties?: Record<string, RawSchema>;
  items?: RawSchema;
  default?: JsonValue;
  [key: string]: unknown;
}

/** What cleaning found out about an object. */
export interface CleanResult {
  object: KubeObject;
  /** The managers whose fields were kept (empty without managedFields). */
  managers: string[];
}

const SEP = '\u0000';
const keyOf = (p: readonly string[]): string => p.join(SEP);

/** The union of the sets of every main-resource entry not written by a Deckhouse controller. */
function ownedByPeople(obj: KubeObject): { set: FieldSet; managers: string[] } {
  let set = new FieldSet();
  const managers: string[] = [];
  for (const e of obj.metadata.managedFields ?? []) {
    if (e.subresource || isControllerManager(e.manager)) continue;
    set = set.union(decodeFieldsV1(e.fieldsV1));
    if (!managers.includes(e.manager)) managers.push(e.manager);
  }
  return { set, managers };
}

/** Keeps from `value` (at `path`) only what `owned` covers; undefined when nothing is left. */
function keepOwned(
  value: JsonValue,
  path: PathElement[],
  owned: FieldSet,
  prefixes: Set<string>,
): JsonValue | undefined {
  const key = keyOf(path);
  const below = prefixes.has(key);
  if (!below) {
    if (!owned.has(path)) return undefined;
    // A member with nothing of its own below it: a leaf value, an atomic list, an empty map. A
    // non-empty map here is a container whose contents others own (a map that "appeared").
    return isPlainObject<JsonValue>(value) && Object.keys(value).length > 0 ? undefined : value;
  }
  if (isPlainObject<JsonValue>(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      const kept = keepOwned(v, [...path, `f:${k}`], owned, prefixes);
      if (kept !== undefined) out[k] = kept;
    }
    return Object.keys(out).length > 0 || owned.has(path) ? out : undefined;
  }
  if (Array.isArray(value)) {
    // Items of set/map lists are addressed by value or key: keep those an owned path names.
    const elements = new Set<string>();
    for (const p of owned.paths()) {
      if (p.length > path.length && keyOf(p.slice(0, path.length)) === key) elements.add(p[path.length]!);
    }
    const byItem = new Map<JsonValue, PathElement>();
    for (const el of elements) {
      const item = valueAt(value, [el]);
      if (item.found) byItem.set(item.value, el);
    }
    const out: JsonValue[] = [];
    for (const item of value) {
      const el = byItem.get(item);
      const kept = el === undefined ? undefined : keepOwned(item, [...path, el], owned, prefixes);
      if (kept !== undefined) out.push(kept);
    }
    return out.length > 0 || owned.has(path) ? out : undefined;
  }
  return owned.has(path) ? value : undefined;
}

function prefixesOf(set: FieldSet): Set<string> {
  const out = new Set<string>();
  for (const p of set.paths()) for (let i = 1; i < p.length; i++) out.add(keyOf(p.slice(0, i)));
  return out;
}

function sameJson(a: JsonValue, b: JsonValue): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Drops values equal to the schema's `default` (the API server would fill them in again). */
export function dropDefaults(value: JsonValue, schema: RawSchema | undefined): JsonValue | undefined {
  if (!schema) return value;
  if (schema.default !== undefined && sameJson(value, schema.default)) return undefined;
  if (isPlainObject<JsonValue>(value) && schema.properties) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      const kept = dropDefaults(v, schema.properties[k]);
      if (kept !== undefined) out[k] = kept;
    }
    return out;
  }
  return value;
}

/**
 * The object to write to git for `live`: apiVersion, kind, metadata (name, and the labels and
 * annotations people set), and the rest of the object (not status) filtered as described above.
 * `schema` (the CRD's openAPIV3Schema of live's version) is only used without managedFields.
 */
export function cleanForExport(live: KubeObject, schema?: RawSchema): CleanResult {
  const hasOwners = (live.metadata.managedFields ?? []).length > 0;
  const { set, managers } = ownedByPeople(live);
  const prefixes = prefixesOf(set);
  const body: JsonObject = {};
  for (const [k, v] of Object.entries(live)) {
    if (['apiVersion', 'kind', 'metadata', 'status'].includes(k) || v === undefined) continue;
    const kept = hasOwners
      ? keepOwned(v as JsonValue, [`f:${k}`], set, prefixes)
      : dropDefaults(v as JsonValue, schema?.properties?.[k]);
    if (kept !== undefined) body[k] = kept;
  }
  const metaPath: FieldPath = ['f:metadata'];
  const pick = (field: 'labels' | 'annotations', drop: readonly string[]): Record<string, string> | undefined => {
    const source = live.metadata[field];
    if (!source) return undefined;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(source)) {
      if (drop.includes(k)) continue;
      if (hasOwners ? !set.has([...metaPath, `f:${field}`, `f:${k}`]) : CONTROLLER_ANNOTATIONS.includes(k)) continue;
      out[k] = v;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  };
  const metadata: KubeObject['metadata'] = { name: live.metadata.name };
  const labels = pick('labels', [OWNERSHIP_LABEL]);
  const annotations = pick('annotations', [LAST_APPLIED_ANNOTATION]);
  if (labels) metadata.labels = labels;
  if (annotations) metadata.annotations = annotations;
  const object = structuredClone({ apiVersion: live.apiVersion, kind: live.kind, metadata, ...body }) as KubeObject;
  return { object, managers };
}
