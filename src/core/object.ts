/**
 * Plain Kubernetes object shapes and object identity.
 * modsync works on JSON-like values (what YAML and the API server give), not on generated
 * client classes, so that plan and diff stay pure functions of data.
 */
import type { ClusterKind, ManagedKind } from './kinds.ts';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  fieldsType?: 'FieldsV1';
  fieldsV1?: JsonObject;
  subresource?: string;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  managedFields?: ManagedFieldsEntry[];
  ownerReferences?: JsonObject[];
}

/** Any object of a kind modsync reads; `spec`, `status`, `properties` stay untyped JSON. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: JsonObject;
  status?: JsonObject;
  properties?: JsonObject;
  [key: string]: unknown;
}

/** Identity of a cluster-scoped object. */
export interface ObjectId {
  kind: ClusterKind;
  name: string;
}

export interface ManagedObjectId extends ObjectId {
  kind: ManagedKind;
}

/** `Kind/name`: how every message, log line and report names an object. */
export function subjectOf(id: ObjectId): string {
  return `${id.kind}/${id.name}`;
}
