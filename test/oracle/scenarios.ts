/**
 * Hand-written write sequences on the Deckhouse kinds: the adoption and co-ownership stories the
 * sync agent meets on real clusters, each replayed on structured-merge-diff and on dkp-sim.
 */
import type { JsonMap } from '../dkp-sim/types.ts';
import { kindOf, objectOf, type Kind } from './crds.ts';
import type { OracleOp } from './oracle.ts';

/** A named sequence of writes on one kind. */
export interface Scenario {
  name: string;
  kind: Kind;
  ops: OracleOp[];
}

const MS = kindOf('ModuleSource');
const MC = kindOf('ModuleConfig');
const MUP = kindOf('ModuleUpdatePolicy');
const LAST = { 'kubectl.kubernetes.io/last-applied-configuration': '{}' };
const ALLOW = 'modules.deckhouse.io/allow-disabling';
const OTHER = 'registry.example.com/other';
const INSTANCE = { 'modsync.io/instance': 'a' };
const MON = { from: '13:00', to: '14:00', days: ['Mon'] };

function ref(uid: string): JsonMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', name: `n-${uid}`, uid };
}

function apply(manager: string, k: Kind, body: JsonMap, metadata: JsonMap = {}, force = false): OracleOp {
  return { manager, operation: 'Apply', force, object: objectOf(k, body, metadata) };
}

function create(manager: string, k: Kind, body: JsonMap, metadata: JsonMap = {}): OracleOp {
  return { manager, operation: 'Update', object: objectOf(k, body, metadata) };
}

function patch(manager: string, p: JsonMap, subresource?: 'status'): OracleOp {
  const op: OracleOp = { manager, operation: 'Update', patch: p };
  if (subresource) op.subresource = subresource;
  return op;
}

const STATUS = 'status' as const;
const registry = { repo: 'registry.example.com/modules', dockerCfg: 'e30=', scheme: 'HTTPS' };

/** The scenarios, in the order the tests run them. */
export const SCENARIOS: Scenario[] = [
  {
    name: 'kubectl client-side apply, modsync forces over it and then drops a field the old manager still owns',
    kind: MS,
    ops: [
      create('kubectl-client-side-apply', MS, { spec: { registry, scanInterval: '5m' } }, { annotations: LAST }),
      apply('modsync', MS, { spec: { registry: { ...registry, repo: OTHER }, scanInterval: '5m' } }, {}, true),
      apply('modsync', MS, { spec: { registry: { ...registry, repo: OTHER } } }, {}, true),
      apply('modsync', MS, { spec: { registry: { repo: OTHER } } }, {}, true),
    ],
  },
  {
    name: 'kubectl edit changes an applied field: a non-forced re-apply conflicts, a forced one takes it back',
    kind: MS,
    ops: [
      apply('modsync', MS, { spec: { registry, scanInterval: '5m' } }, { labels: INSTANCE }, true),
      patch('kubectl-edit', { spec: { scanInterval: '10m' } }),
      apply('modsync', MS, { spec: { registry, scanInterval: '5m' } }, { labels: INSTANCE }),
      apply('modsync', MS, { spec: { registry, scanInterval: '5m' } }, { labels: INSTANCE }, true),
      patch('kubectl-edit', { spec: { scanInterval: null } }),
    ],
  },
  {
    name: 'two appliers co-own a value: the first drop keeps it, the second removes it',
    kind: MS,
    ops: [
      apply('modsync', MS, { spec: { registry: { repo: 'r', ca: 'PEM' } } }),
      apply('kubectl', MS, { spec: { registry: { repo: 'r', ca: 'PEM' } } }),
      apply('modsync', MS, { spec: { registry: { repo: 'r' } } }),
      apply('kubectl', MS, { spec: { registry: { repo: 'r' } } }),
      apply('kubectl', MS, { spec: { registry: { repo: 'r' } } }),
    ],
  },
  {
    name: 'ModuleConfig settings keys are owned one by one; a dropped key goes, a key another wrote stays',
    kind: MC,
    ops: [
      apply('modsync', MC, { spec: { enabled: true, version: 1, settings: { a: { b: 1, c: [1] }, d: {} } } }, {}, true),
      patch('kubectl-edit', { spec: { settings: { e: 'x', a: { f: true } } } }),
      apply('modsync', MC, { spec: { enabled: true, version: 1, settings: { a: { c: [1] } } } }, {}, true),
      apply('modsync', MC, { spec: { enabled: true, version: 1 } }, {}, true),
      apply('modsync', MC, { spec: { enabled: true, version: 1, settings: {} } }, {}, true),
    ],
  },
  {
    name: 'a settings value that changes kind (map to scalar and back) moves ownership of its contents',
    kind: MC,
    ops: [
      apply('modsync', MC, { spec: { enabled: true, settings: { a: { b: 1, c: 2 }, x: 'y' } } }, {}, true),
      patch('kubectl-edit', { spec: { settings: { a: 'flat' } } }),
      patch('kubectl-patch', { spec: { settings: { a: { z: 1 } } } }),
      apply('modsync', MC, { spec: { enabled: true, settings: { a: { b: 1 }, x: 'y' } } }, {}, true),
    ],
  },
  {
    name: 'labels and annotations across appliers and updaters; the last-applied annotation stays with its writer',
    kind: MC,
    ops: [
      create('kubectl-create', MC, { spec: { enabled: false } }, { labels: { team: 'a' }, annotations: { note: 'x' } }),
      patch('kubectl-client-side-apply', { metadata: { annotations: LAST, labels: { team: 'b' } } }),
      apply(
        'modsync',
        MC,
        { spec: { enabled: true } },
        {
          labels: { team: 'b', ...INSTANCE },
          annotations: { [ALLOW]: 'true' },
        },
      ),
      apply('modsync', MC, { spec: { enabled: false } }, { labels: { team: 'b', ...INSTANCE } }, true),
      patch('deckhouse-controller', { metadata: { annotations: { [ALLOW]: null } } }),
      apply('modsync', MC, { spec: { enabled: false } }, { labels: INSTANCE }, true),
    ],
  },
  {
    name: 'update windows are an atomic list: owned whole, replaced whole, conflicting whole',
    kind: MUP,
    ops: [
      apply('modsync', MUP, { spec: { releaseChannel: 'Stable', update: { mode: 'Auto', windows: [MON] } } }, {}, true),
      apply('kubectl', MUP, { spec: { update: { windows: [MON] } } }),
      apply('kubectl', MUP, { spec: { update: { windows: [{ from: '1:00', to: '2:00' }] } } }),
      apply('kubectl', MUP, { spec: { update: { windows: [{ from: '1:00', to: '2:00' }] } } }, {}, true),
      apply('modsync', MUP, { spec: { releaseChannel: 'Stable', update: { mode: 'Auto' } } }, {}, true),
      apply('kubectl', MUP, { spec: {} }),
    ],
  },
  {
    name: 'an empty update struct is owned and kept; a default-like write by a controller is co-owned',
    kind: MUP,
    ops: [
      apply('modsync', MUP, { spec: { releaseChannel: 'Stable', update: {} } }, {}, true),
      patch('deckhouse-controller', { spec: { update: { mode: 'AutoPatch' } } }),
      apply('modsync', MUP, { spec: { releaseChannel: 'Stable', update: { mode: 'AutoPatch' } } }, {}, true),
      apply('modsync', MUP, { spec: { releaseChannel: 'Stable' } }, {}, true),
    ],
  },
  {
    name: 'finalizers (a set) and ownerReferences (a map list) are owned item by item',
    kind: MS,
    ops: [
      apply(
        'modsync',
        MS,
        { spec: { registry: { repo: 'r' } } },
        {
          finalizers: ['a', 'b'],
          ownerReferences: [ref('1')],
        },
      ),
      apply('other', MS, {}, { finalizers: ['b', 'c'], ownerReferences: [ref('2')] }),
      apply('modsync', MS, { spec: { registry: { repo: 'r' } } }, { finalizers: ['a'] }),
      apply('other', MS, {}, {}),
      patch('kubectl-patch', { metadata: { finalizers: ['a', 'z'] } }),
    ],
  },
  {
    name: 'a controller writes status through /status and spec through a full update',
    kind: MS,
    ops: [
      apply('modsync', MS, { spec: { registry: { repo: 'r', scheme: 'HTTPS' }, scanInterval: '5m' } }, {}, true),
      patch('deckhouse-controller', { status: { phase: 'Active', modulesCount: 1, modules: [{ name: 'm' }] } }, STATUS),
      patch('deckhouse-controller', { spec: { scanInterval: '5m0s' } }),
      apply('modsync', MS, { spec: { registry: { repo: 'r', scheme: 'HTTPS' }, scanInterval: '5m' } }, {}, true),
      patch('deckhouse-controller', { status: { phase: 'Terminating', modules: null } }, 'status'),
      apply('modsync', MS, { spec: { registry: { repo: 'r', scheme: 'HTTPS' }, scanInterval: '5m' } }, {}, true),
    ],
  },
  {
    name: 'a no-op re-apply and an ownership-only apply keep the old time; a second applier of equal values gets none',
    kind: MC,
    ops: [
      apply('modsync', MC, { spec: { enabled: true, version: 1 } }, {}, true),
      apply('modsync', MC, { spec: { enabled: true, version: 1 } }, {}, true),
      apply('kubectl', MC, { spec: { enabled: true } }),
      apply('modsync', MC, { spec: { version: 1 } }, {}, true),
      patch('kubectl-edit', { spec: { enabled: true } }),
    ],
  },
];
