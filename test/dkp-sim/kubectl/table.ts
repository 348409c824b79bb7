/**
 * `meta.k8s.io/v1 Table` responses (what `kubectl get` asks for), built from the CRD's
 * additionalPrinterColumns the way the apiextensions table convertor does.
 */
import { dateCell } from '../duration.ts';
import { evaluateJsonPath } from './jsonpath.ts';
import type { Json, JsonMap, Obj, PrinterColumn, VersionDef } from '../types.ts';
import { cloneJson } from '../clone.ts';

/** One Table column definition. */
export interface ColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

/** `includeObject` query parameter values. */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** `includeObject` from the query (default Metadata). */
export function includeObject(q: URLSearchParams): IncludeObject {
  const v = q.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';

const AGE_COLUMN: PrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description:
    'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
};

/** The printer columns a version shows: its own, or Age alone when it defines none (CRD defaulting). */
export function printerColumns(version: VersionDef): PrinterColumn[] {
  return version.printerColumns.length > 0 ? version.printerColumns : [AGE_COLUMN];
}

/** NAME plus the printer columns, as Table columnDefinitions. */
export function columnDefinitions(version: VersionDef): ColumnDefinition[] {
  return [
    { name: 'Name', type: 'string', format: 'name', description: NAME_DESCRIPTION, priority: 0 },
    ...printerColumns(version).map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format ?? '',
      description: c.description ?? '',
      priority: c.priority ?? 0,
    })),
  ];
}

function cell(column: PrinterColumn, obj: Obj, now: Date): Json {
  const found = evaluateJsonPath(obj as unknown as Json, column.jsonPath);
  if (found.length === 0) return null;
  const v = found[0]!;
  switch (column.type) {
    case 'string':
      return typeof v === 'string' ? v : JSON.stringify(v);
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v) ? v : null;
    case 'number':
      return typeof v === 'number' ? v : null;
    case 'boolean':
      return typeof v === 'boolean' ? v : null;
    case 'date':
      return typeof v === 'string' ? dateCell(v, now) : null;
    default:
      return typeof v === 'string' ? v : JSON.stringify(v);
  }
}

function partialMetadata(obj: Obj): JsonMap {
  const metadata = cloneJson(obj.metadata) as JsonMap;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata };
}

/** One Table row for an object; date cells are ages relative to `now` (the sim clock). */
export function tableRow(version: VersionDef, obj: Obj, include: IncludeObject, now: Date): JsonMap {
  const row: JsonMap = { cells: [obj.metadata.name, ...printerColumns(version).map((c) => cell(c, obj, now))] };
  if (include === 'Metadata') row.object = partialMetadata(obj);
  if (include === 'Object') row.object = obj as unknown as Json;
  return row;
}

/** A Table for a list or a single object. `listMeta` carries resourceVersion/continue. */
export function buildTable(
  version: VersionDef,
  objects: Obj[],
  include: IncludeObject,
  listMeta: JsonMap,
  now: Date,
): JsonMap {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: columnDefinitions(version) as unknown as Json,
    rows: objects.map((o) => tableRow(version, o, include, now)),
  };
}

/** True when the Accept header asks for a meta.k8s.io/v1 Table. */
export function wantsTable(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const params = part.split(';').map((p) => p.trim());
    return params.includes('as=Table') && params.includes('g=meta.k8s.io') && params.includes('v=v1');
  });
}
