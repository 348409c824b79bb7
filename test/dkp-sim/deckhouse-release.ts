/**
 * DeckhouseRelease (deckhouse.io/v1alpha1, cluster-scoped): where a real cluster shows which
 * Deckhouse release runs. `kubectl get deckhousereleases` lists the releases and the one in phase
 * `Deployed` is the running version (deckhouse module docs, "Get Deckhouse releases status").
 * dkp-sim seeds that one Deployed release for the version it serves and has no controller for
 * the kind. The schema is written from upstream's deckhouse-controller/crds/deckhouse-release.yaml
 * (fields only; it is not one of the CRDs modsync validates against, so it is not in crds/).
 */
import type { Obj, ResourceDef, Schema } from './types.ts';

const str: Schema = { type: 'string' };

/** Structural schema of DeckhouseRelease v1alpha1. */
export const DECKHOUSE_RELEASE_SCHEMA: Schema = {
  type: 'object',
  required: ['spec'],
  properties: {
    approved: { type: 'boolean', default: false },
    spec: {
      type: 'object',
      required: ['version'],
      properties: {
        version: str,
        applyAfter: str,
        requirements: { type: 'object', additionalProperties: str },
        disruptions: { type: 'array', items: str },
        changelog: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        changelogLink: str,
      },
    },
    status: {
      type: 'object',
      properties: {
        phase: { type: 'string', enum: ['Pending', 'Deployed', 'Outdated', 'Suspended', 'Superseded', 'Skipped'] },
        message: str,
        transitionTime: str,
        approved: { type: 'boolean' },
      },
    },
  },
};

/** The DeckhouseRelease resource. */
export function deckhouseReleaseResource(): ResourceDef {
  return {
    group: 'deckhouse.io',
    kind: 'DeckhouseRelease',
    listKind: 'DeckhouseReleaseList',
    plural: 'deckhousereleases',
    singular: 'deckhouserelease',
    shortNames: [],
    namespaced: false,
    versions: [
      {
        name: 'v1alpha1',
        served: true,
        storage: true,
        schema: DECKHOUSE_RELEASE_SCHEMA,
        statusSubresource: true,
        printerColumns: [
          { name: 'phase', type: 'string', jsonPath: '.status.phase', description: 'Current release status.' },
          {
            name: 'transitionTime',
            type: 'date',
            format: 'date-time',
            jsonPath: '.status.transitionTime',
            description: 'When the release status was changed.',
          },
          { name: 'message', type: 'string', jsonPath: '.status.message', description: 'Release status details.' },
        ],
      },
    ],
  };
}

/** The Deployed release of Deckhouse `X.Y` (as patch release `vX.Y.0`), deployed at `now`. */
export function deployedRelease(deckhouseVersion: string, uid: string, now: string): Obj {
  const version = `v${deckhouseVersion}.0`;
  return {
    apiVersion: 'deckhouse.io/v1alpha1',
    kind: 'DeckhouseRelease',
    metadata: { name: version, uid, creationTimestamp: now, generation: 1 },
    approved: false,
    spec: { version },
    status: { phase: 'Deployed', message: '', transitionTime: now, approved: false },
  };
}
