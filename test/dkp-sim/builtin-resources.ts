/**
 * Hand-written ResourceDefs for the built-in kinds dkp-sim serves next to the CRDs:
 * coordination.k8s.io/v1 Lease (modsync's lock) and core v1 Namespace (what kubectl `-n` needs).
 */
import type { ResourceDef, Schema } from './types.ts';

const microTime: Schema = { type: 'string', format: 'date-time' };

/** Structural schema of Lease, enough to prune, validate and compute field sets. */
export const LEASE_SCHEMA: Schema = {
  type: 'object',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      properties: {
        holderIdentity: { type: 'string' },
        // Lease validation requires a positive duration and non-negative transitions.
        leaseDurationSeconds: { type: 'integer', format: 'int32', minimum: 1 },
        acquireTime: microTime,
        renewTime: microTime,
        leaseTransitions: { type: 'integer', format: 'int32', minimum: 0 },
        preferredHolder: { type: 'string' },
        strategy: { type: 'string' },
      },
    },
  },
};

/** coordination.k8s.io/v1 Lease, namespaced, no status subresource, kubectl's built-in columns. */
export function leaseResource(): ResourceDef {
  return {
    group: 'coordination.k8s.io',
    kind: 'Lease',
    listKind: 'LeaseList',
    plural: 'leases',
    singular: 'lease',
    shortNames: [],
    namespaced: true,
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: LEASE_SCHEMA,
        statusSubresource: false,
        printerColumns: [
          {
            name: 'Holder',
            type: 'string',
            jsonPath: '.spec.holderIdentity',
            description: 'holderIdentity contains the identity of the holder of a current lease.',
          },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
        ],
      },
    ],
  };
}

/** core v1 Namespace: served read-only (GET/LIST/WATCH); dkp-sim seeds a fixed set. */
export function namespaceResource(): ResourceDef {
  return {
    group: '',
    kind: 'Namespace',
    listKind: 'NamespaceList',
    plural: 'namespaces',
    singular: 'namespace',
    shortNames: ['ns'],
    namespaced: false,
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          type: 'object',
          properties: {
            apiVersion: { type: 'string' },
            kind: { type: 'string' },
            metadata: { type: 'object' },
            spec: { type: 'object', properties: { finalizers: { type: 'array', items: { type: 'string' } } } },
            status: { type: 'object', properties: { phase: { type: 'string' } } },
          },
        },
        statusSubresource: true,
        printerColumns: [
          { name: 'Status', type: 'string', jsonPath: '.status.phase', description: 'The status of the namespace' },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
        ],
      },
    ],
  };
}

/** Namespaces that exist from the start. */
export const SEED_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'd8-system', 'modsync'];
