/**
 * A CRD's openAPIV3Schema in structured-merge-diff's schema form, converted by the rules of
 * k8s.io/kube-openapi pkg/schemaconv/openapi.go (ToSchemaFromOpenAPI), which the apiserver's
 * type converter runs over the CRD's structural schema (apiextensions-apiserver
 * buildOpenAPIModelsForApply): objects are maps with struct fields and an element type
 * (additionalProperties, or `__untyped_deduced_` for preserve-unknown-fields — inherited by every
 * descendant — and for objects without properties), lists follow x-kubernetes-list-type /
 * -list-map-keys (atomic by default), maps x-kubernetes-map-type. `metadata` is the ObjectMeta
 * type of k8s.io/apimachinery/pkg/apis/meta/v1/types.go (labels/annotations string maps,
 * finalizers a set, ownerReferences a map list keyed by uid, managedFields atomic).
 */
import type { Schema } from '../dkp-sim/types.ts';

/** A structured-merge-diff type reference (inlined atom or named type). */
interface TypeRef {
  namedType?: string;
  scalar?: string;
  map?: SmdMap;
  list?: SmdList;
}

interface SmdMap {
  fields?: Array<{ name: string; type: TypeRef }>;
  elementType?: TypeRef;
  elementRelationship?: string;
}

interface SmdList {
  elementType: TypeRef;
  elementRelationship: string;
  keys?: string[];
}

const DEDUCED: TypeRef = { namedType: '__untyped_deduced_' };
const STRING: TypeRef = { scalar: 'string' };
const NUMERIC: TypeRef = { scalar: 'numeric' };
const UNTYPED_ATOMIC: TypeRef = { namedType: '__untyped_atomic_' };

function primitive(type: string): TypeRef {
  if (type === 'integer' || type === 'number') return NUMERIC;
  return { scalar: type === 'boolean' ? 'boolean' : 'string' };
}

function convert(s: Schema, preserve: boolean): TypeRef {
  const keep = preserve || s['x-kubernetes-preserve-unknown-fields'] === true;
  if (s.type === 'object') return { map: objectOf(s, keep) };
  if (s.type === 'array') return { list: listOf(s, keep) };
  if (s.type) return primitive(s.type);
  // No type (int-or-string, free-form): untyped scalar, list and map at once.
  return { scalar: 'untyped', list: listOf(s, keep), map: objectOf(s, keep) };
}

function objectOf(s: Schema, preserve: boolean): SmdMap {
  const fields = Object.entries(s.properties ?? {}).map(([name, child]) => ({ name, type: convert(child, preserve) }));
  const out: SmdMap = { fields };
  const ap = s.additionalProperties;
  if (ap === undefined) {
    if (preserve || fields.length === 0) out.elementType = DEDUCED;
  } else if (typeof ap === 'object') out.elementType = convert(ap, preserve);
  else if (ap) out.elementType = DEDUCED;
  if (s['x-kubernetes-map-type'] === 'atomic') out.elementRelationship = 'atomic';
  return out;
}

function listOf(s: Schema, preserve: boolean): SmdList {
  const listType = s['x-kubernetes-list-type'] ?? 'atomic';
  const elementType = s.items ? convert(s.items, preserve) : { namedType: '__untyped_atomic_' };
  if (listType === 'atomic') return { elementType, elementRelationship: 'atomic' };
  const out: SmdList = { elementType, elementRelationship: 'associative' };
  if (listType === 'map') out.keys = s['x-kubernetes-list-map-keys'] ?? [];
  return out;
}

const OWNER_REFERENCE: TypeRef = {
  map: {
    fields: [
      { name: 'apiVersion', type: STRING },
      { name: 'blockOwnerDeletion', type: { scalar: 'boolean' } },
      { name: 'controller', type: { scalar: 'boolean' } },
      { name: 'kind', type: STRING },
      { name: 'name', type: STRING },
      { name: 'uid', type: STRING },
    ],
  },
};

const OBJECT_META: TypeRef = {
  map: {
    fields: [
      { name: 'annotations', type: { map: { elementType: STRING } } },
      { name: 'creationTimestamp', type: STRING },
      { name: 'deletionGracePeriodSeconds', type: NUMERIC },
      { name: 'deletionTimestamp', type: STRING },
      { name: 'finalizers', type: { list: { elementType: STRING, elementRelationship: 'associative' } } },
      { name: 'generateName', type: STRING },
      { name: 'generation', type: NUMERIC },
      { name: 'labels', type: { map: { elementType: STRING } } },
      { name: 'managedFields', type: { list: { elementType: UNTYPED_ATOMIC, elementRelationship: 'atomic' } } },
      { name: 'name', type: STRING },
      { name: 'namespace', type: STRING },
      {
        name: 'ownerReferences',
        type: { list: { elementType: OWNER_REFERENCE, elementRelationship: 'associative', keys: ['uid'] } },
      },
      { name: 'resourceVersion', type: STRING },
      { name: 'selfLink', type: STRING },
      { name: 'uid', type: STRING },
    ],
  },
};

/** Name of the root type in the schema smdSchema returns. */
export const ROOT_TYPE = 'root';

/**
 * The structured-merge-diff schema (JSON, which its YAML parser reads) of a custom resource:
 * the CRD version's openAPIV3Schema plus apiVersion, kind and ObjectMeta, and the two untyped
 * helper types kube-openapi adds (addCommonTypes).
 */
export function smdSchema(openAPIV3Schema: Schema): string {
  const root = convert({ ...openAPIV3Schema, type: 'object' }, false);
  const fields = (root.map!.fields ?? []).filter((f) => !['apiVersion', 'kind', 'metadata'].includes(f.name));
  fields.push({ name: 'apiVersion', type: STRING }, { name: 'kind', type: STRING });
  fields.push({ name: 'metadata', type: OBJECT_META });
  root.map!.fields = fields;
  const types = [
    { name: ROOT_TYPE, ...root },
    {
      name: '__untyped_atomic_',
      scalar: 'untyped',
      list: { elementType: { namedType: '__untyped_atomic_' }, elementRelationship: 'atomic' },
      map: { elementType: { namedType: '__untyped_atomic_' }, elementRelationship: 'atomic' },
    },
    {
      name: '__untyped_deduced_',
      scalar: 'untyped',
      list: { elementType: { namedType: '__untyped_atomic_' }, elementRelationship: 'atomic' },
      map: { elementType: { namedType: '__untyped_deduced_' }, elementRelationship: 'separable' },
    },
  ];
  return JSON.stringify({ types });
}
