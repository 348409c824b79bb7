/**
 * The part of the Deckhouse CRD schemas that field sets depend on: which object keys are
 * declared struct fields and which are map keys, and how each list merges (atomic, set, map).
 * It mirrors how the API server turns a CRD's structural schema into a structured-merge-diff
 * type, so that modsync computes the same field sets as the server's managedFields.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { crdDir } from './paths.ts';

/** A scalar leaf: strings, numbers, booleans, int-or-string. */
export interface ScalarNode {
  type: 'scalar';
}

/** An array; `atomic` is the CRD default (the whole list is one leaf). */
export interface ListNode {
  type: 'list';
  listType: 'atomic' | 'set' | 'map';
  /** `x-kubernetes-list-map-keys` of a `map` list. */
  mapKeys: string[];
  items: SchemaNode;
}

/**
 * An object: declared `fields` (struct members, not set members themselves) and/or
 * `elements`, the type of any other key (map keys are set members themselves).
 */
export interface MapNode {
  type: 'map';
  /** `x-kubernetes-map-type: atomic`: the whole object is one leaf. */
  atomic: boolean;
  fields: Record<string, SchemaNode>;
  elements?: SchemaNode;
}

/**
 * Free-form data under `x-kubernetes-preserve-unknown-fields`: objects are granular maps
 * (every key a member), lists are atomic, scalars leaves.
 */
export interface UntypedNode {
  type: 'untyped';
}

export type SchemaNode = ScalarNode | ListNode | MapNode | UntypedNode;

/** Looks up the root type of a served kind/version. */
export interface SchemaInfo {
  /** Root type of `kind` at `apiVersion` (`deckhouse.io/v1alpha1`), undefined when unknown. */
  schemaFor(kind: string, apiVersion: string): SchemaNode | undefined;
}

/** Raw OpenAPI v3 schema node as written in a CRD. */
interface OpenApiSchema {
  type?: string;
  properties?: Record<string, OpenApiSchema>;
  additionalProperties?: OpenApiSchema | boolean;
  items?: OpenApiSchema;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
}

const SCALAR: ScalarNode = { type: 'scalar' };
const UNTYPED: UntypedNode = { type: 'untyped' };

function structOf(fields: Record<string, SchemaNode>): MapNode {
  return { type: 'map', atomic: false, fields };
}

function mapOf(elements: SchemaNode): MapNode {
  return { type: 'map', atomic: false, fields: {}, elements };
}

/**
 * `metadata` is typed by ObjectMeta whatever the CRD says; only the parts an applied object
 * can carry matter (labels, annotations, finalizers, ownerReferences).
 */
const OBJECT_META: MapNode = structOf({
  name: SCALAR,
  generateName: SCALAR,
  namespace: SCALAR,
  labels: mapOf(SCALAR),
  annotations: mapOf(SCALAR),
  finalizers: { type: 'list', listType: 'set', mapKeys: [], items: SCALAR },
  ownerReferences: {
    type: 'list',
    listType: 'map',
    mapKeys: ['uid'],
    items: structOf({
      apiVersion: SCALAR,
      kind: SCALAR,
      name: SCALAR,
      uid: SCALAR,
      controller: SCALAR,
      blockOwnerDeletion: SCALAR,
    }),
  },
  deletionGracePeriodSeconds: SCALAR,
});

/** Converts one structural-schema node the way the API server's type converter does. */
export function schemaNodeOf(s: OpenApiSchema | undefined): SchemaNode {
  if (!s) return UNTYPED;
  if (s['x-kubernetes-int-or-string']) return SCALAR;
  if (s.type === 'array') {
    return {
      type: 'list',
      listType: s['x-kubernetes-list-type'] ?? 'atomic',
      mapKeys: s['x-kubernetes-list-map-keys'] ?? [],
      items: s.items ? schemaNodeOf(s.items) : UNTYPED,
    };
  }
  if (s.type === 'object' || s.properties || s.additionalProperties) {
    const fields: Record<string, SchemaNode> = {};
    for (const [name, child] of Object.entries(s.properties ?? {})) fields[name] = schemaNodeOf(child);
    const node: MapNode = { type: 'map', atomic: s['x-kubernetes-map-type'] === 'atomic', fields };
    if (s['x-kubernetes-preserve-unknown-fields']) node.elements = UNTYPED;
    else if (s.additionalProperties && typeof s.additionalProperties === 'object')
      node.elements = schemaNodeOf(s.additionalProperties);
    else if (s.additionalProperties === true) node.elements = UNTYPED;
    return node;
  }
  if (s.type === undefined && s['x-kubernetes-preserve-unknown-fields']) return UNTYPED;
  return SCALAR;
}

/** Root type of an object: apiVersion/kind, ObjectMeta, then the CRD's own properties. */
export function rootNodeOf(openApi: OpenApiSchema): MapNode {
  const root = schemaNodeOf({ ...openApi, type: 'object' }) as MapNode;
  return { ...root, fields: { ...root.fields, apiVersion: SCALAR, kind: SCALAR, metadata: OBJECT_META } };
}

interface CrdDocument {
  kind?: string;
  spec?: {
    group?: string;
    names?: { kind?: string };
    versions?: { name: string; schema?: { openAPIV3Schema?: OpenApiSchema } }[];
  };
}

/** Builds a SchemaInfo from the schemas of kinds (the generated, already parsed CRD schemas). */
export function schemaInfoFromSchemas(
  schemas: readonly { apiVersion: string; kind: string; schema: unknown }[],
): SchemaInfo {
  const byKey = new Map<string, SchemaNode>();
  for (const s of schemas) byKey.set(`${s.kind} ${s.apiVersion}`, rootNodeOf(s.schema as OpenApiSchema));
  return { schemaFor: (kind, apiVersion) => byKey.get(`${kind} ${apiVersion}`) };
}

/** Builds a SchemaInfo from already parsed CRD documents (used by tests and the loader). */
export function schemaInfoFromCrds(crds: unknown[]): SchemaInfo {
  const byKey = new Map<string, SchemaNode>();
  for (const raw of crds) {
    const crd = raw as CrdDocument;
    if (crd?.kind !== 'CustomResourceDefinition' || !crd.spec?.names?.kind) continue;
    for (const v of crd.spec.versions ?? []) {
      const schema = v.schema?.openAPIV3Schema;
      if (schema) byKey.set(`${crd.spec.names.kind} ${crd.spec.group}/${v.name}`, rootNodeOf(schema));
    }
  }
  return {
    schemaFor: (kind, apiVersion) => byKey.get(`${kind} ${apiVersion}`),
  };
}

/**
 * Reads every CRD under `dir` (default: the project's `crds/deckhouse`, found from `src/` and
 * from `dist/src/`). Call it once per process and pass the result around.
 */
export function loadSchemaInfo(dir: string = crdDir()): SchemaInfo {
  const docs: unknown[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!/\.ya?ml$/.test(file)) continue;
    docs.push(parse(readFileSync(join(dir, file), 'utf8')));
  }
  return schemaInfoFromCrds(docs);
}
