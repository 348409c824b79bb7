/**
 * Objects as dkp-sim returns them after kubectl made them (kubectl v1.32 against `npm run dkp-sim`):
 * `kubectl apply` (client-side), `kubectl create`, `kubectl apply` then `kubectl edit`,
 * `kubectl apply --server-side`, `kubectl apply` then `kubectl patch --type merge`, and a default
 * ModuleConfig the controller made. Status left out.
 */
import type { KubeObject } from '../../src/core/object.ts';

export const msApplied = {
  apiVersion: 'deckhouse.io/v1alpha1',
  kind: 'ModuleSource',
  metadata: {
    annotations: {
      'kubectl.kubernetes.io/last-applied-configuration':
        '{"apiVersion":"deckhouse.io/v1alpha1","kin' +
        'd":"ModuleSource","metadata":{"annotations":{},"name":"example"},"spec' +
        '":{"registry":{"repo":"registry.example.com/deckhouse/modules","scheme' +
        '":"HTTPS"}}}\n',
      'modules.deckhouse.io/registry-spec-checksum': '37dd577f815315ccdf0b07d83e682bec',
    },
    creationTimestamp: '2026-12-06T02:18:49Z',
    finalizers: ['modules.deckhouse.io/release-exists', 'modules.deckhouse.io/module-exists'],
    generation: 1,
    managedFields: [
      {
        apiVersion: 'deckhouse.io/v1alpha1',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': {
            'f:annotations': { 'f:modules.deckhouse.io/registry-spec-checksum': {} },
            'f:finalizers': {
              '.': {},
              'v:"modules.deckhouse.io/module-exists"': {},
              'v:"modules.deckhouse.io/release-exists"': {},
            },
          },
        },
        manager: 'deckhouse-controller',
        operation: 'Update',
        time: '2026-12-06T02:18:49Z',
      },
      {
        apiVersion: 'deckhouse.io/v1alpha1',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:annotations': { '.': {}, 'f:kubectl.kubernetes.io/last-applied-configuration': {} } },
          'f:spec': { '.': {}, 'f:registry': { '.': {}, 'f:repo': {}, 'f:scheme': {} } },
        },
        manager: 'kubectl-client-side-apply',
        operation: 'Update',
        time: '2026-12-06T02:18:49Z',
      },
      {
        apiVersion: 'deckhouse.io/v1alpha1',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:status': {
            '.': {},
            'f:message': {},
            'f:modules': {},
            'f:modulesCount': {},
            'f:phase': {},
            'f:syncTime': {},
          },
        },
        manager: 'deckhouse-controller',
        operation: 'Update',
        subresource: 'status',
        time: '2026-12-06T02:18:58Z',
      },
    ],
    name: 'example',
    resourceVersion: '54',
    uid: '536de0cc-beb2-4bb5-bac4-54394b07ecfd',
  },
  spec: { registry: { repo: 'registry.example.com/deckhouse/modules', scheme: 'HTTPS' } },
} as unknown as KubeObject;

export const msCreated = {
  apiVersion: 'deckhouse.io/v1alpha1',
  kind: 'ModuleSource',
  metadata: {
    annotations: { 'modules.deckhouse.io/registry-spec-checksum': '7a3412f7405e5f6633c7fcde03f9070a' },
    creationTimestamp: '2026-12-06T02:18:58Z',
    generation: 1,
    labels: { team: 'a' },
    managedFields: [
      {
        apiVersion: 'deckhouse.io/v1alpha1',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:annotations': { '.': {}, 'f:modules.deckhouse.io/registry-spec-checksum': {} } },
        },
        manager: 'deckhouse-controller',
        operation: 'Update',
        time: '2026-12-06T02:18:58Z',
      },
      {
        apiVersion: 'deckhouse.io/v1alpha1',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:status': { '.': {}, 'f:message': {}, 'f:phase': {}, 'f:syncTime': {} } },
        manager: 'deckhouse-controller',
        operation: 'Update',
        subresource: 'status',
        time: '2026-12-06T02:18:58Z',
      },
      {
        apiVersion: 'deckhouse.io/v1alpha1',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { '.': {}, 'f:team': {} } },
          'f:spec': { '.': {}, 'f:registry': { '.': {}, 'f:dockerCfg': {}, 'f:repo': {}, 'f:scheme': {} } },
        },
        manager: 'kubectl-create',
        operation: 'Update',
        time: '2026-12-06T02:18:58Z',
      },
    ],
    name: 'second',
    resourceVersion: '51',
    uid: 'dfb8ea44-d2bc-4cdb-9b52-1b23db3eb0e3',
  },
  spec: {
    registry: {
      dockerCfg: 'eyJhdXRocyI6eyJyZWdpc3RyeS5leGFtcGxlLmNvbSI6eyJhdXRoIjoiZFhObGNqcHdZWE56In19fQ==',
      repo: 'registry.example.com/other',
      scheme: 'HTTPS',
    },
  },
} as unknown as KubeObject;

export const mupEdited = {
  apiVersion: 'deckhouse.io/v1alpha2',
  kind: 'ModuleUpdatePolicy',
  metadata: {
    annotations: {
      'kubectl.kubernetes.io/last-applied-configuration':
        '{"apiVersion":"deckhouse.io/v1alpha2","kin' +
        'd":"ModuleUpdatePolicy","metadata":{"annotations":{},"name":"stable-au' +
        'to"},"spec":{"releaseChannel":"EarlyAccess","update":{"mode":"Auto"}}}' +
        '\n',
    },
    creationTimestamp: '2026-12-06T02:18:49Z',
    generation: 2,
    managedFields: [
      {
        apiVersion: 'deckhouse.io/v1alpha2',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:annotations': {} },
          'f:spec': { '.': {}, 'f:update': { '.': {}, 'f:mode': {} } },
        },
        manager: 'kubectl-client-side-apply',
        operation: 'Update',
        time: '2026-12-06T02:18:49Z',
      },
      {
        apiVersion: 'deckhouse.io/v1alpha2',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:annotations': { 'f:kubectl.kubernetes.io/last-applied-configuration': {} } },
          'f:spec': { 'f:releaseChannel': {} },
        },
        manager: 'kubectl-edit',
        operation: 'Update',
        time: '2026-12-06T02:18:49Z',
      },
    ],
    name: 'stable-auto',
    resourceVersion: '33',
    uid: '0efc05e9-6a87-4c68-9820-3ef1716cebdb',
  },
  spec: { releaseChannel: 'EarlyAccess', update: { mode: 'Auto' } },
} as unknown as KubeObject;

export const mupServerSide = {
  apiVersion: 'deckhouse.io/v1alpha2',
  kind: 'ModuleUpdatePolicy',
  metadata: {
    creationTimestamp: '2026-12-06T02:18:58Z',
    generation: 1,
    managedFields: [
      {
        apiVersion: 'deckhouse.io/v1alpha2',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:spec': { 'f:releaseChannel': {}, 'f:update': { 'f:mode': {}, 'f:windows': {} } } },
        manager: 'kubectl',
        operation: 'Apply',
        time: '2026-12-06T02:18:58Z',
      },
    ],
    name: 'manual',
    resourceVersion: '52',
    uid: '295e1505-6cad-493c-80e3-e393df74522d',
  },
  spec: {
    releaseChannel: 'Stable',
    update: { mode: 'Manual', windows: [{ days: ['Mon'], from: '8:00', to: '10:00' }] },
  },
} as unknown as KubeObject;

export const mcPatched = {
  apiVersion: 'deckhouse.io/v1alpha1',
  kind: 'ModuleConfig',
  metadata: {
    annotations: {
      'kubectl.kubernetes.io/last-applied-configuration':
        '{"apiVersion":"deckhouse.io/v1alpha1","kin' +
        'd":"ModuleConfig","metadata":{"annotations":{},"name":"module-one"},"s' +
        'pec":{"enabled":true,"settings":{"nested":{"a":1},"replicas":2},"sourc' +
        'e":"example","updatePolicy":"stable-auto","version":1}}\n',
    },
    creationTimestamp: '2026-12-06T02:18:52Z',
    finalizers: ['modules.deckhouse.io/module-registered'],
    generation: 2,
    managedFields: [
      {
        apiVersion: 'deckhouse.io/v1alpha1',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:annotations': { '.': {}, 'f:kubectl.kubernetes.io/last-applied-configuration': {} } },
          'f:spec': {
            '.': {},
            'f:enabled': {},
            'f:settings': { '.': {}, 'f:nested': { '.': {}, 'f:a': {} } },
            'f:source': {},
            'f:updatePolicy': {},
            'f:version': {},
          },
        },
        manager: 'kubectl-client-side-apply',
        operation: 'Update',
        time: '2026-12-06T02:18:52Z',
      },
      {
        apiVersion: 'deckhouse.io/v1alpha1',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:spec': { 'f:settings': { 'f:replicas': {} } } },
        manager: 'kubectl-patch',
        operation: 'Update',
        time: '2026-12-06T02:18:52Z',
      },
      {
        apiVersion: 'deckhouse.io/v1alpha1',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:finalizers': { '.': {}, 'v:"modules.deckhouse.io/module-registered"': {} } },
        },
        manager: 'deckhouse-controller',
        operation: 'Update',
        time: '2026-12-06T02:18:53Z',
      },
      {
        apiVersion: 'deckhouse.io/v1alpha1',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:status': { '.': {}, 'f:message': {}, 'f:version': {} } },
        manager: 'deckhouse-controller',
        operation: 'Update',
        subresource: 'status',
        time: '2026-12-06T02:18:53Z',
      },
    ],
    name: 'module-one',
    resourceVersion: '42',
    uid: '19204afb-92a1-492d-9154-4f6627a6a267',
  },
  spec: {
    enabled: true,
    settings: { nested: { a: 1 }, replicas: 3 },
    source: 'example',
    updatePolicy: 'stable-auto',
    version: 1,
  },
} as unknown as KubeObject;

export const mcGlobal = {
  apiVersion: 'deckhouse.io/v1alpha1',
  kind: 'ModuleConfig',
  metadata: {
    creationTimestamp: '2026-12-06T02:18:42Z',
    generation: 1,
    managedFields: [
      {
        apiVersion: 'deckhouse.io/v1alpha1',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:spec': {
            '.': {},
            'f:settings': { '.': {}, 'f:modules': { '.': {}, 'f:publicDomainTemplate': {} } },
            'f:version': {},
          },
        },
        manager: 'deckhouse-controller',
        operation: 'Update',
        time: '2026-12-06T02:18:42Z',
      },
      {
        apiVersion: 'deckhouse.io/v1alpha1',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:status': { '.': {}, 'f:message': {}, 'f:version': {} } },
        manager: 'deckhouse-controller',
        operation: 'Update',
        subresource: 'status',
        time: '2026-12-06T02:18:42Z',
      },
    ],
    name: 'global',
    resourceVersion: '14',
    uid: 'c4d68dc4-e8e6-4347-9939-ca8a52771735',
  },
  spec: { settings: { modules: { publicDomainTemplate: '%s.example.com' } }, version: 2 },
} as unknown as KubeObject;
