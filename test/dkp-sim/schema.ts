/**
 * Structural-schema handling of custom resources, as k8s.io/apiextensions-apiserver does it on
 * every write: pruning of unknown fields (pkg/apiserver/schema/pruning, plus the ObjectMeta
 * coercion of the CR decoder and the removal of non-nullable nulls), defaulting
 * (pkg/apiserver/schema/defaulting) and OpenAPI validation (./schema-validate.ts).
 */
import type { Json, JsonMap, Obj, Schema } from './types.ts';
import { cloneJson } from './clone.ts';

export { validateObject } from './schema-validate.ts';

/** ObjectMeta's JSON fields: everything else under `metadata` is dropped by the decoder. */
export const OBJECT_META_FIELDS: ReadonlySet<string> = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);

const META_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

function isMap(v: Json | undefined): v is JsonMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The schema that applies to map values not declared as properties, if any. */
function additionalSchema(s: Schema): Schema | undefined {
  const ap = s.additionalProperties;
  if (ap === undefined || ap === false) return undefined;
  return ap === true ? {} : ap;
}

function joinKey(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

/** Drops unknown ObjectMeta fields of an (embedded) object; records `<path>.metadata.<field>`. */
function pruneObjectMeta(obj: JsonMap, path: string, pruned: string[]): void {
  const meta = obj.metadata;
  if (!isMap(meta)) return;
  for (const k of Object.keys(meta)) {
    if (!OBJECT_META_FIELDS.has(k)) {
      delete meta[k];
      pruned.push(joinKey(joinKey(path, 'metadata'), k));
    }
  }
}

/**
 * The pruning walk. `embedded` means apiVersion/kind/metadata are implicit (the resource root
 * and x-kubernetes-embedded-resource objects): they are kept and not descended into.
 */
function prune(x: Json, s: Schema | undefined, path: string, pruned: string[], preserve: boolean): void {
  if (s?.['x-kubernetes-preserve-unknown-fields']) preserve = true;
  const embedded = s?.['x-kubernetes-embedded-resource'] === true;
  if (isMap(x)) {
    if (!s) {
      if (preserve) return;
      for (const k of Object.keys(x)) {
        pruned.push(joinKey(path, k));
        delete x[k];
      }
      return;
    }
    if (embedded && path !== '') pruneObjectMeta(x, path, pruned);
    const ap = additionalSchema(s);
    for (const k of Object.keys(x)) {
      if (embedded && META_FIELDS.has(k)) continue;
      const prop = s.properties?.[k];
      if (prop) prune(x[k]!, prop, joinKey(path, k), pruned, false);
      else if (ap) prune(x[k]!, ap, joinKey(path, k), pruned, false);
      else if (!preserve) {
        pruned.push(joinKey(path, k));
        delete x[k];
      }
    }
  } else if (Array.isArray(x)) {
    for (const [i, item] of x.entries()) prune(item, s?.items, `${path}[${i}]`, pruned, preserve);
  }
}

/** Removes `null` values of non-nullable fields without a default (the CR decoder does this after pruning). */
function dropNonNullableNulls(x: Json, s: Schema | undefined): void {
  if (!s) return;
  if (isMap(x)) {
    const ap = additionalSchema(s);
    for (const k of Object.keys(x)) {
      const prop = s.properties?.[k] ?? ap;
      if (!prop) continue;
      if (x[k] === null && !prop.nullable && prop.default === undefined) delete x[k];
      else dropNonNullableNulls(x[k]!, prop);
    }
  } else if (Array.isArray(x)) {
    for (const item of x) dropNonNullableNulls(item, s.items);
  }
}

/**
 * Drops the fields the structural schema does not declare, in place, like the apiserver's CR
 * decoder: unknown ObjectMeta fields first (`metadata.foo`), then the schema pruning of
 * everything else (sorted), honouring x-kubernetes-preserve-unknown-fields, additionalProperties
 * and x-kubernetes-embedded-resource; apiVersion/kind/metadata at the root are never pruned.
 * Returns the pruned paths as the apiserver names them (`spec.foo`, `spec.items[0].bar`, no
 * leading dot): warnings read `unknown field "spec.foo"`; the apply strict error prefixes a dot.
 * Also removes nulls of non-nullable fields that have no default, as the decoder does.
 */
export function pruneUnknownFields(schema: Schema, obj: Obj): string[] {
  const root = obj as unknown as JsonMap;
  const metaPaths: string[] = [];
  pruneObjectMeta(root, '', metaPaths);
  metaPaths.sort();
  const schemaPaths: string[] = [];
  prune(root, { ...schema, 'x-kubernetes-embedded-resource': true }, '', schemaPaths, false);
  schemaPaths.sort();
  const body: JsonMap = {};
  for (const [k, v] of Object.entries(root)) if (!META_FIELDS.has(k) && v !== undefined) body[k] = v;
  dropNonNullableNulls(body, schema);
  for (const k of Object.keys(root)) if (!META_FIELDS.has(k) && !(k in body)) delete root[k];
  return [...metaPaths, ...schemaPaths];
}

function isNonNullableNull(v: Json | undefined, s: Schema | undefined): boolean {
  return v === null && !(s?.nullable ?? false);
}

function defaultWalk(x: Json, s: Schema | undefined): void {
  if (!s) return;
  if (isMap(x)) {
    for (const [k, prop] of Object.entries(s.properties ?? {})) {
      if (prop.default === undefined) continue;
      if (!(k in x) || isNonNullableNull(x[k], prop)) x[k] = cloneJson(prop.default);
    }
    const ap = additionalSchema(s);
    for (const k of Object.keys(x)) {
      const prop = s.properties?.[k];
      if (prop) defaultWalk(x[k]!, prop);
      else if (ap) {
        if (isNonNullableNull(x[k], ap) && ap.default !== undefined) x[k] = cloneJson(ap.default);
        defaultWalk(x[k]!, ap);
      }
    }
  } else if (Array.isArray(x)) {
    x.forEach((item, i) => {
      if (isNonNullableNull(item, s.items) && s.items?.default !== undefined) x[i] = cloneJson(s.items.default);
      defaultWalk(x[i]!, s.items);
    });
  }
}

/**
 * Structural defaulting, in place: a property's default is set where its parent object exists
 * and the property is absent (or a non-nullable null), then the walk descends, so a defaulted
 * object gets its own defaults (MUP v1alpha1 `update: {}` then `mode: AutoPatch`). Defaults are
 * deep-copied. apiVersion/kind/metadata at the root are left alone.
 */
export function applyDefaults(schema: Schema, obj: Obj): void {
  const root = obj as unknown as JsonMap;
  const props: Record<string, Schema> = {};
  for (const [k, v] of Object.entries(schema.properties ?? {})) if (!META_FIELDS.has(k)) props[k] = v;
  defaultWalk(root, { ...schema, properties: props });
}
