/**
 * The OpenAPI v3 documents kubectl needs: the `/openapi/v3` index and one document per
 * group/version. kubectl reads them to learn that PATCH takes `fieldValidation` (so it validates
 * server-side instead of failing with "failed to download openapi"), which patch types a kind
 * accepts (no strategic merge for CRs, so client-side apply uses a JSON merge patch), and the
 * schemas for `kubectl explain`.
 */
import { createHash } from 'node:crypto';
import type { ResourceRegistry } from './resources.ts';
import type { Json, JsonMap, ResourceDef, Schema, VersionDef } from './types.ts';

const PATCH_CONTENT = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'];

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

/** Schema name as the apiserver publishes CR schemas (`io.deckhouse.v1alpha1.ModuleSource`). */
function schemaName(def: ResourceDef, version: string): string {
  const reversed = (def.group || 'core').split('.').reverse().join('.');
  return `${reversed}.${version}.${def.kind}`;
}

/** The JSON fields of apiextensions/v1 JSONSchemaProps: a CRD schema keeps nothing else. */
const SCHEMA_KEYS = new Set([
  'id',
  '$schema',
  '$ref',
  'description',
  'type',
  'format',
  'title',
  'default',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'uniqueItems',
  'multipleOf',
  'enum',
  'maxProperties',
  'minProperties',
  'required',
  'items',
  'allOf',
  'oneOf',
  'anyOf',
  'not',
  'properties',
  'additionalProperties',
  'patternProperties',
  'dependencies',
  'additionalItems',
  'definitions',
  'externalDocs',
  'example',
  'nullable',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-int-or-string',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-list-type',
  'x-kubernetes-map-type',
  'x-kubernetes-validations',
]);
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions', 'dependencies']);
const SCHEMA_LISTS = new Set(['allOf', 'oneOf', 'anyOf']);
const SCHEMA_ONE = new Set(['not', 'items', 'additionalProperties', 'additionalItems']);

/**
 * The schema as the apiserver has it: decoding the CRD into JSONSchemaProps drops every key the
 * type does not have, so Deckhouse's documentation extensions (`x-doc-examples`, `x-doc-default`,
 * `x-doc-deprecated`) never reach a cluster's OpenAPI. Values (`default`, `enum`, `example`) stay.
 */
function storedSchema(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(storedSchema);
  if (x === null || typeof x !== 'object') return x;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(x)) {
    if (!SCHEMA_KEYS.has(k)) continue;
    if (SCHEMA_MAPS.has(k) && v && typeof v === 'object') {
      // `dependencies` values may be string lists; the other maps hold schemas.
      const entries = Object.entries(v).map(([n, sub]) => [n, Array.isArray(sub) ? sub : storedSchema(sub)]);
      out[k] = Object.fromEntries(entries);
    } else if (SCHEMA_LISTS.has(k) || SCHEMA_ONE.has(k)) out[k] = storedSchema(v);
    else out[k] = v;
  }
  return out;
}

function objectSchema(def: ResourceDef, v: VersionDef): JsonMap {
  const s = storedSchema(v.schema) as Schema;
  s.type = 'object';
  s.properties = {
    apiVersion: {
      type: 'string',
      description: 'APIVersion defines the versioned schema of this representation of an object.',
    },
    kind: {
      type: 'string',
      description: 'Kind is a string value representing the REST resource this object represents.',
    },
    metadata: { type: 'object', description: "Standard object's metadata." },
    ...(s.properties ?? {}),
  };
  return {
    ...(s as unknown as JsonMap),
    'x-kubernetes-group-version-kind': [{ group: def.group, kind: def.kind, version: v.name }],
  };
}

function operation(def: ResourceDef, v: VersionDef, action: string, ref: string, patch: boolean): JsonMap {
  const params: Json[] = [
    { name: 'dryRun', in: 'query', schema: { type: 'string', uniqueItems: true } },
    { name: 'fieldManager', in: 'query', schema: { type: 'string', uniqueItems: true } },
    { name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } },
  ];
  if (patch) params.push({ name: 'force', in: 'query', schema: { type: 'boolean', uniqueItems: true } });
  const contentTypes = patch ? PATCH_CONTENT : ['application/json', 'application/yaml'];
  const content: JsonMap = {};
  for (const c of contentTypes) content[c] = { schema: patch ? { type: 'object' } : { $ref: ref } };
  return {
    operationId: `${action}${def.kind}`,
    parameters: params,
    requestBody: { content, required: true },
    responses: { '200': { description: 'OK', content: { 'application/json': { schema: { $ref: ref } } } } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: def.group, version: v.name, kind: def.kind },
  };
}

/** The OpenAPI v3 document of one group/version, or undefined when it is not served. */
export function openApiV3Document(registry: ResourceRegistry, group: string, version: string): JsonMap | undefined {
  const served = registry.inVersion(group, version);
  if (served.length === 0) return undefined;
  const paths: JsonMap = {};
  const schemas: JsonMap = {};
  for (const { def, version: v } of served) {
    const name = schemaName(def, v.name);
    const ref = `#/components/schemas/${name}`;
    schemas[name] = objectSchema(def, v);
    const base = `/${gvPath(group, version)}${def.namespaced ? '/namespaces/{namespace}' : ''}/${def.plural}`;
    const get = { ...operation(def, v, 'get', ref, false) };
    delete get.requestBody;
    paths[base] = { post: operation(def, v, 'post', ref, false) };
    paths[`${base}/{name}`] = {
      get,
      put: operation(def, v, 'put', ref, false),
      patch: operation(def, v, 'patch', ref, true),
    };
    if (v.statusSubresource) paths[`${base}/{name}/status`] = { patch: operation(def, v, 'patch', ref, true) };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.4' }, paths, components: { schemas } };
}

/** One served OpenAPI v3 document: the exact bytes sent and their hash. */
export interface OpenApiBytes {
  bytes: Buffer;
  /** kube-openapi handler3's computeETag: the SHA-512 of the bytes in upper-case hex. */
  hash: string;
  /** When the document was built (handler3's lastModified of the group version). */
  lastModified: Date;
}

/** kube-openapi handler3's computeETag (`fmt.Sprintf("%X", sha512.Sum512(data))`). */
export function openApiHash(bytes: Buffer): string {
  return createHash('sha512').update(bytes).digest('hex').toUpperCase();
}

// A registry never changes after start, so its documents are built once (like handler3's caches).
const built = new WeakMap<ResourceRegistry, Map<string, OpenApiBytes | null>>();

/**
 * The document at index key `gv` (`apis/deckhouse.io/v1alpha1`, `api/v1`) as bytes with its hash,
 * or undefined when that group/version is not served.
 */
export function openApiV3Bytes(registry: ResourceRegistry, gv: string): OpenApiBytes | undefined {
  const docs = built.get(registry) ?? new Map();
  built.set(registry, docs);
  if (!docs.has(gv)) {
    const parts = gv.split('/');
    const doc =
      parts[0] === 'api' && parts.length === 2
        ? openApiV3Document(registry, '', parts[1]!)
        : parts[0] === 'apis' && parts.length === 3
          ? openApiV3Document(registry, parts[1]!, parts[2]!)
          : undefined;
    const bytes = doc ? Buffer.from(JSON.stringify(doc), 'utf8') : undefined;
    docs.set(gv, bytes ? { bytes, hash: openApiHash(bytes), lastModified: new Date() } : null);
  }
  return docs.get(gv) ?? undefined;
}

/**
 * The `/openapi/v3` index: one entry per served group/version, keys sorted as Go marshals a map,
 * each `serverRelativeURL` carrying the document's hash (handler3's constructServerRelativeURL).
 */
export function openApiV3Index(registry: ResourceRegistry): JsonMap {
  const keys: string[] = [];
  for (const { group, versions } of [{ group: '', versions: ['v1'] }, ...registry.groups()]) {
    for (const version of versions) keys.push(gvPath(group, version));
  }
  const paths: JsonMap = {};
  for (const gv of keys.sort()) {
    const doc = openApiV3Bytes(registry, gv);
    if (doc) paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${doc.hash}` };
  }
  return { paths };
}
