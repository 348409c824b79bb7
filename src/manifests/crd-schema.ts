/**
 * Validates manifests against the project's own copies of the Deckhouse CRD schemas, the
 * way the API server with strict field validation would: enums, patterns, types, required
 * fields, Kubernetes formats and int-or-string, and unknown fields as errors (the server
 * would otherwise prune them silently, and git would say something the cluster does not).
 * CEL rules (`x-kubernetes-validations`) are not evaluated client-side. `strictRequired` is off
 * because Kubernetes schemas may require, inside oneOf branches, fields declared outside them.
 *
 * The validators of the bundled CRDs are compiled at build time (scripts/gen-validators.ts
 * writes generated-crd-validators.ts; a test checks it is up to date): a schema whose hash
 * matches one of them uses it, and ajv's compiler is loaded only for other schemas.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Ajv, ErrorObject, KeywordCxt, Options } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { crdDir } from '../core/paths.ts';
import type { ObjectPath } from '../kinds/types.ts';
import { bundledCrdSchemas } from './generated-crd-schemas.ts';
import { translateAjvErrors } from './schema-errors.ts';
import { KUBERNETES_FORMATS } from './schema-formats.ts';

/** A schema violation at a path; `key` when the field name itself is the problem. */
export interface SchemaProblem {
  path: ObjectPath;
  message: string;
  target: 'key' | 'value';
  /** Default `error`; an enum value the bundled CRDs reject is a `warning` (schema-errors.ts). */
  severity?: 'error' | 'warning';
}

/** An object schema to validate one apiVersion + kind with. */
export interface KindSchema {
  apiVersion: string;
  kind: string;
  schema: Record<string, unknown>;
}

/** Validates whole objects by apiVersion and kind. */
export interface CrdValidator {
  has(apiVersion: string, kind: string): boolean;
  /** Problems of `obj` against its schema; `metadata` and `status` are left to the caller. */
  validate(apiVersion: string, kind: string, obj: unknown): SchemaProblem[];
}

type SchemaNode = Record<string, unknown>;

const COMBINATORS = ['allOf', 'anyOf', 'oneOf'] as const;

/**
 * Reads every CRD in a folder: one schema per (group/version, kind), served or not. A file
 * whose content is one of the bundled CRDs comes from the generated module, without parsing
 * its YAML again.
 */
export async function loadCrdSchemas(dir: string = crdDir()): Promise<KindSchema[]> {
  const names = (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n)).sort();
  // Read at once, not one after another: every run of a sync pays for this.
  const texts = await Promise.all(names.map((name) => readFile(path.join(dir, name), 'utf8')));
  return texts.flatMap(
    (text) => bundledCrdSchemas(createHash('sha256').update(text).digest('hex')) ?? crdFileSchemas(text),
  );
}

interface CrdSpec {
  group: string;
  names: { kind: string };
  versions: { name: string; schema?: { openAPIV3Schema?: SchemaNode } }[];
}

/** The schemas of one CRD file's text (YAML, one or more documents). */
export function crdFileSchemas(text: string): KindSchema[] {
  const out: KindSchema[] = [];
  const docs = parseAllDocuments(text);
  for (const doc of Array.isArray(docs) ? docs : []) {
    const crd = doc.toJS() as { kind?: string; spec?: CrdSpec };
    if (crd?.kind !== 'CustomResourceDefinition' || !crd.spec) continue;
    for (const v of crd.spec.versions) {
      const schema = v.schema?.openAPIV3Schema;
      if (schema) out.push({ apiVersion: `${crd.spec.group}/${v.name}`, kind: crd.spec.names.kind, schema });
    }
  }
  return out;
}

/**
 * The schema as ajv should see it: `additionalProperties: false` on every structural object
 * that neither preserves unknown fields nor declares additionalProperties (branches of
 * allOf/anyOf/oneOf/not are validation-only in Kubernetes and stay open), and the object root
 * taught about apiVersion/kind/metadata, which a CRD schema leaves implicit.
 */
export function toStrictSchema(schema: SchemaNode): SchemaNode {
  const root = close(structuredClone(schema), false);
  const props = (root.properties ?? {}) as Record<string, SchemaNode>;
  root.properties = {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    ...props,
  };
  return root;
}

function close(node: SchemaNode, inCombinator: boolean): SchemaNode {
  const props = node.properties as Record<string, SchemaNode> | undefined;
  if (props) for (const key of Object.keys(props)) props[key] = close(props[key] as SchemaNode, inCombinator);
  if (node.items && typeof node.items === 'object' && !Array.isArray(node.items))
    node.items = close(node.items as SchemaNode, inCombinator);
  if (node.additionalProperties && typeof node.additionalProperties === 'object') {
    node.additionalProperties = close(node.additionalProperties as SchemaNode, inCombinator);
  }
  for (const c of COMBINATORS) {
    if (Array.isArray(node[c])) node[c] = (node[c] as SchemaNode[]).map((s) => close(s, true));
  }
  if (node.not && typeof node.not === 'object') node.not = close(node.not as SchemaNode, true);
  const structuralObject = node.type === 'object' || (props !== undefined && node.type === undefined);
  const open = node['x-kubernetes-preserve-unknown-fields'] === true || node['x-kubernetes-embedded-resource'] === true;
  if (structuralObject && !inCombinator && !open && node.additionalProperties === undefined)
    node.additionalProperties = false;
  return node;
}

/** Every `x-…` keyword and format a schema uses, so ajv's strict mode knows them all. */
function collectVendorKeys(node: unknown, keys: Set<string>, formats: Set<string>): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const n of node) collectVendorKeys(n, keys, formats);
    return;
  }
  const schema = node as SchemaNode;
  for (const [k, v] of Object.entries(schema)) {
    if (k.startsWith('x-')) keys.add(k);
    else if (k === 'format' && typeof v === 'string') formats.add(v);
    else if (k === 'properties' && v && typeof v === 'object')
      for (const s of Object.values(v)) collectVendorKeys(s, keys, formats);
    else if (['items', 'additionalProperties', 'not', ...COMBINATORS].includes(k)) collectVendorKeys(v, keys, formats);
  }
}

/** A compiled (or generated) validation function, as ajv makes them. */
export interface SchemaCheck {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

/** What identifies a schema's generated validator: sha256 of its JSON. */
export function schemaHash(schema: unknown): string {
  return createHash('sha256').update(JSON.stringify(schema)).digest('hex');
}

/** The shape of the `ajv` and `ajv-formats` modules, loaded only when something must be compiled. */
interface AjvModules {
  Ajv: new (opts: Options) => Ajv;
  addFormats: (ajv: Ajv) => Ajv;
  _: (strings: TemplateStringsArray, ...values: unknown[]) => unknown;
}

/** Loads ajv's compiler on demand (synchronously: both packages are CommonJS). */
export function loadAjv(): AjvModules {
  const require = createRequire(import.meta.url);
  const ajv = require('ajv') as { Ajv: AjvModules['Ajv']; _: AjvModules['_'] };
  return { Ajv: ajv.Ajv, _: ajv._, addFormats: require('ajv-formats') as AjvModules['addFormats'] };
}

/**
 * The ajv instance CRD schemas are compiled with; `code` is set by the build-time generator
 * (standalone ESM source, formats read from `crdFormats`).
 */
export function createCrdAjv(schemas: KindSchema[], code?: Options['code']): Ajv {
  const { Ajv: AjvClass, addFormats, _ } = loadAjv();
  const options: Options = { strict: true, allErrors: true, strictTypes: false, strictRequired: false, verbose: true };
  const ajv = new AjvClass(code ? { ...options, code } : options);
  addFormats(ajv);
  for (const [name, format] of Object.entries(KUBERNETES_FORMATS)) ajv.addFormat(name, format as never);
  // Code, not a function, so that build-time generated validators can carry it.
  ajv.addKeyword({
    keyword: 'x-kubernetes-int-or-string',
    schemaType: 'boolean',
    code(cxt: KeywordCxt) {
      if (cxt.schema !== true) return;
      cxt.fail(_`typeof ${cxt.data} != "string" && !Number.isInteger(${cxt.data})` as never);
    },
  });
  const known = [
    'preserve-unknown-fields',
    'embedded-resource',
    'list-type',
    'list-map-keys',
    'map-type',
    'validations',
  ];
  const keys = new Set<string>(known.map((k) => `x-kubernetes-${k}`));
  const formats = new Set<string>();
  for (const s of schemas) collectVendorKeys(s.schema, keys, formats);
  keys.delete('x-kubernetes-int-or-string');
  for (const k of keys) ajv.addKeyword({ keyword: k });
  // The API server ignores formats it does not know; so does modsync.
  for (const f of formats) if (!ajv.formats[f]) ajv.addFormat(f, true);
  return ajv;
}

/** Generated validators by `apiVersion kind`, with the hash of the schema each was made from. */
export type PrecompiledValidators = Record<string, { hash: string; validate: SchemaCheck }>;

/**
 * Compiles a validator for the given schemas (CRD versions plus modsync's own kinds); a schema
 * with a generated validator of the same hash in `precompiled` uses that one.
 */
export function createCrdValidator(schemas: KindSchema[], precompiled: PrecompiledValidators = {}): CrdValidator {
  const compiled = new Map<string, SchemaCheck>();
  const keyOf = (apiVersion: string, kind: string): string => `${apiVersion} ${kind}`;
  const rest: KindSchema[] = [];
  for (const s of schemas) {
    const pre = precompiled[keyOf(s.apiVersion, s.kind)];
    if (pre && pre.hash === schemaHash(s.schema)) compiled.set(keyOf(s.apiVersion, s.kind), pre.validate);
    else rest.push(s);
  }
  if (rest.length > 0) {
    const ajv = createCrdAjv(rest);
    for (const s of rest) compiled.set(keyOf(s.apiVersion, s.kind), ajv.compile(toStrictSchema(s.schema)));
  }
  return {
    has: (apiVersion, kind) => compiled.has(keyOf(apiVersion, kind)),
    validate(apiVersion, kind, obj) {
      const fn = compiled.get(keyOf(apiVersion, kind));
      if (!fn) return [{ path: ['apiVersion'], message: `no schema for ${apiVersion} ${kind}`, target: 'value' }];
      return fn(obj) ? [] : translateAjvErrors(fn.errors ?? []);
    },
  };
}
