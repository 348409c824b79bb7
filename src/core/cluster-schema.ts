/**
 * Checking an object against the schema the cluster itself serves, before sending it. A field
 * the cluster's CRD does not declare fails a server-side apply with HTTP 500 "failed to create
 * typed patch object (…): .spec.x: field not declared in schema" whatever fieldValidation says
 * (kubernetes/kubernetes#139253), and an older Deckhouse rejects enum values a newer one takes.
 *
 * Input: the OpenAPI v3 document of a group version (`/openapi/v3/apis/deckhouse.io/v1alpha1`), as
 * parsed JSON (what ClusterPort.openApiSchemas returns).
 * The apiserver builds it from each CRD's structural schema (apiextensions-apiserver
 * `pkg/controller/openapi/builder/builder.go`): `components.schemas` keyed by the reversed group
 * (`io.deckhouse.v1alpha1.ModuleSource`), each with `x-kubernetes-group-version-kind`, the
 * CRD's properties, enums and `x-kubernetes-*` extensions, `metadata` as a `$ref` (wrapped in
 * `allOf` in v3) to ObjectMeta.
 */
import { isPlainObject } from './values.ts';
import type { JsonValue, KubeObject } from './object.ts';

/** The part of an OpenAPI v3 document the check reads. */
export interface OpenApiV3Document {
  components?: { schemas?: Record<string, unknown> };
  [key: string]: unknown;
}

/** Why an object does not fit the cluster's schema. */
export type ClusterSchemaReason = 'NotServed' | 'UnknownField' | 'UnsupportedValue';

/** One problem, naming the field (dotted, `spec.update.windows[0].days[1]`). */
export interface ClusterSchemaProblem {
  reason: ClusterSchemaReason;
  /** Empty for NotServed. */
  field: string;
  message: string;
}

/** Options of checkAgainstCluster. */
export interface ClusterSchemaOptions {
  /** The cluster's Deckhouse version, named in messages when known (`1.70`). */
  deckhouseVersion?: string;
}

interface Node {
  type?: string;
  properties?: Record<string, Node>;
  additionalProperties?: Node | boolean;
  items?: Node;
  enum?: JsonValue[];
  allOf?: Node[];
  $ref?: string;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-group-version-kind'?: { group?: string; version?: string; kind?: string }[];
}

/** The root schema the cluster serves for `apiVersion` + `kind`, or undefined when not served. */
export function servedSchema(doc: object | undefined, apiVersion: string, kind: string): unknown {
  const schemas = (doc as OpenApiV3Document | undefined)?.components?.schemas;
  if (!schemas) return undefined;
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  for (const s of Object.values(schemas)) {
    const gvks = (s as Node)['x-kubernetes-group-version-kind'];
    const match = (g: { group?: string; version?: string; kind?: string }): boolean =>
      (g.group ?? '') === group && g.version === version && g.kind === kind;
    if (Array.isArray(gvks) && gvks.some(match)) return s;
  }
  const reversed = (group || 'core').split('.').reverse().join('.');
  return schemas[`${reversed}.${version}.${kind}`];
}

/** Follows `$ref` / single-`allOf` wrappers inside the document; undefined for refs it cannot see. */
function resolve(node: Node | undefined, doc: OpenApiV3Document, depth = 0): Node | undefined {
  if (!node || depth > 8) return node;
  const ref = node.$ref ?? (node.allOf?.length === 1 ? node.allOf[0]?.$ref : undefined);
  if (!ref) return node;
  const name = ref.startsWith('#/components/schemas/') ? ref.slice('#/components/schemas/'.length) : undefined;
  const target = name ? (doc.components?.schemas?.[name] as Node | undefined) : undefined;
  return target ? resolve(target, doc, depth + 1) : undefined;
}

const PLAIN = /^[A-Za-z_][A-Za-z0-9_-]*$/;

function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (!PLAIN.test(key)) return `${parent}[${JSON.stringify(key)}]`;
  return parent ? `${parent}.${key}` : key;
}

function sameScalar(a: JsonValue, b: JsonValue): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function unknownText(field: string, kind: string, where: string): string {
  return `${field}: field not declared in the cluster's ${kind} schema (${where})`;
}

interface Walk {
  doc: OpenApiV3Document;
  kind: string;
  where: string;
  out: ClusterSchemaProblem[];
}

function walk(value: JsonValue, raw: Node | undefined, path: string, w: Walk): void {
  const node = resolve(raw, w.doc);
  if (!node || value === null) return;
  if (node.enum && !node.enum.some((e) => sameScalar(e, value))) {
    const allowed = node.enum.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))).join(', ');
    w.out.push({
      reason: 'UnsupportedValue',
      field: path,
      message:
        `${path}: ${JSON.stringify(value)} is not accepted by the cluster (${w.where}); ` +
        `supported values: ${allowed}`,
    });
    return;
  }
  if (node['x-kubernetes-int-or-string']) return;
  if (Array.isArray(value)) {
    const items = node.items;
    if (items)
      value.forEach((item, i) => {
        walk(item, items, childPath(path, i), w);
      });
    return;
  }
  if (!isPlainObject<JsonValue>(value)) return;
  const preserve = node['x-kubernetes-preserve-unknown-fields'] === true;
  const extra = node.additionalProperties;
  for (const [key, child] of Object.entries(value)) {
    const declared = node.properties && Object.hasOwn(node.properties, key) ? node.properties[key] : undefined;
    if (declared) walk(child, declared, childPath(path, key), w);
    else if (isPlainObject<JsonValue>(extra)) walk(child, extra, childPath(path, key), w);
    else if (!preserve && extra !== true) {
      const field = childPath(path, key);
      w.out.push({ reason: 'UnknownField', field, message: unknownText(field, w.kind, w.where) });
    }
  }
}

/** `Deckhouse 1.70`, or a neutral wording when the version is not known. */
function whereText(version: string | undefined): string {
  return version ? `Deckhouse ${version}` : 'its Deckhouse version';
}

/**
 * What in `obj` the cluster's schema (`served`, the OpenAPI v3 document of obj's group version)
 * does not take: the kind/version not served at all, fields it does not declare (outside
 * `x-kubernetes-preserve-unknown-fields`), enum values it does not accept. `apiVersion`,
 * `kind` and `metadata` (ObjectMeta, the same on every cluster) and `status` are not checked.
 */
export function checkAgainstCluster(
  obj: KubeObject,
  served: OpenApiV3Document | object | undefined,
  opts: ClusterSchemaOptions = {},
): ClusterSchemaProblem[] {
  const where = whereText(opts.deckhouseVersion);
  const doc = served as OpenApiV3Document | undefined;
  const root = servedSchema(doc, obj.apiVersion, obj.kind) as Node | undefined;
  if (!doc || !root) {
    const message = `${obj.apiVersion} ${obj.kind} is not served by the cluster (${where})`;
    return [{ reason: 'NotServed', field: '', message }];
  }
  const w: Walk = { doc, kind: obj.kind, where, out: [] };
  const resolved = resolve(root, doc) ?? {};
  for (const [key, value] of Object.entries(obj)) {
    if (['apiVersion', 'kind', 'metadata', 'status'].includes(key) || value === undefined) continue;
    const props = resolved.properties;
    const declared = props && Object.hasOwn(props, key) ? props[key] : undefined;
    if (declared) walk(value as JsonValue, declared, key, w);
    else if (resolved['x-kubernetes-preserve-unknown-fields'] !== true) {
      w.out.push({ reason: 'UnknownField', field: key, message: unknownText(key, obj.kind, where) });
    }
  }
  return w.out;
}
