/**
 * Contracts between dkp-sim's parts: the HTTP/API layer (server, store), the apimachinery
 * functions (schema, ssa, patch) and the Deckhouse behaviour (admission, controller).
 * Objects are plain JSON; everything here is cluster-scoped unless `namespaced` says otherwise.
 */

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonMap = { [key: string]: Json };

/** An object as stored: apiVersion/kind/metadata plus anything else. */
export interface Obj {
  apiVersion: string;
  kind: string;
  metadata: JsonMap & { name: string; namespace?: string };
  [key: string]: Json | undefined;
}

/** Structural OpenAPI v3 schema as it appears in a CRD (`openAPIV3Schema`). */
export interface Schema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: Json[];
  pattern?: string;
  format?: string;
  default?: Json;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  nullable?: boolean;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  not?: Schema;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  [key: string]: unknown;
}

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  format?: string;
  description?: string;
  priority?: number;
}

export interface VersionDef {
  name: string;
  served: boolean;
  storage: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  schema: Schema;
  statusSubresource: boolean;
  printerColumns: PrinterColumn[];
}

/** One served resource (from a CRD, or built in like coordination.k8s.io Lease). */
export interface ResourceDef {
  group: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  namespaced: boolean;
  versions: VersionDef[];
}

/** A field error, shaped like apimachinery's field.Error, turned into Status causes. */
export interface FieldError {
  /** Status cause reason: FieldValueRequired, FieldValueInvalid, FieldValueNotSupported, FieldValueTypeInvalid, FieldValueForbidden, FieldValueTooLong, FieldValueDuplicate... */
  reason: string;
  /** Path without a leading dot: `spec.registry.scheme`, `spec.update.windows[0].from`. */
  field: string;
  /** Message without the field, as the apiserver prints it: `Unsupported value: "FTP": supported values: "HTTP", "HTTPS"`. */
  message: string;
}

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonMap;
  subresource?: string;
}

/** One SSA conflict: another manager owns a field the applier sets to a different value. */
export interface ApplyConflict {
  manager: string;
  apiVersion: string;
  /** `.spec.registry.repo` (leading dot, as in the Status cause). */
  field: string;
}

export interface AdmissionRequest {
  operation: 'CREATE' | 'UPDATE' | 'DELETE';
  resource: ResourceDef;
  name: string;
  namespace?: string;
  /** The object after the write (CREATE/UPDATE). */
  object?: Obj;
  /** The object before it (UPDATE/DELETE). */
  oldObject?: Obj;
  /** Who asks. Clients of the HTTP API are `kubernetes-admin`; the simulated controller is `system:serviceaccount:d8-system:deckhouse`. */
  user: string;
  dryRun: boolean;
  subresource?: string;
}

export interface AdmissionResult {
  allowed: boolean;
  /** For denials: HTTP code, Status reason and the full message as kubectl prints it after "Error from server (Reason): ". */
  code?: number;
  reason?: string;
  message?: string;
  /** `Warning` headers to send even when allowed. */
  warnings: string[];
}

/** Read access to the current state, for admission rules and the controller. */
export interface ClusterView {
  get(plural: string, name: string, namespace?: string): Obj | undefined;
  list(plural: string, namespace?: string): Obj[];
}

/** A change notification from the store. */
export interface StoreEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  plural: string;
  object: Obj;
}

/**
 * How the simulated Deckhouse controller writes: like a real controller it goes through the
 * API machinery (defaulting, validation, managedFields as manager `deckhouse-controller`,
 * resourceVersion bumps, watch events) but skips admission (it is the system user).
 */
export interface InternalApi extends ClusterView {
  create(plural: string, obj: Obj): Obj;
  /** Read-modify-write of the main resource or its status subresource. Returns undefined if the object is gone. */
  update(
    plural: string,
    name: string,
    mutate: (obj: Obj) => void,
    opts?: { subresource?: 'status'; namespace?: string },
  ): Obj | undefined;
  /** Delete honouring finalizers (sets deletionTimestamp when finalizers remain). */
  remove(plural: string, name: string, namespace?: string): void;
  /** Subscribe to every stored change; returns an unsubscribe function. */
  onChange(listener: (event: StoreEvent) => void): () => void;
  /** The simulation clock (tests can move it; windows and timestamps use it). */
  now(): Date;
}
