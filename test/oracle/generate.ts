/**
 * A seeded generator of write sequences on a Deckhouse kind: appliers that change and drop
 * fields between applies (force and non-force), updaters that edit through merge patches
 * (kubectl-client-side-apply, kubectl-edit, a controller on spec and on /status), over the
 * CRD's own fields, settings-like free-form maps, labels, annotations, finalizers (a set) and
 * ownerReferences (a map list). Deterministic for a seed.
 */
import type { Json, JsonMap, Schema } from '../dkp-sim/types.ts';
import { objectOf, type Kind } from './crds.ts';
import type { OracleOp } from './oracle.ts';

/** A small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;

function pick<T>(r: Rand, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

const WORDS = ['a', 'b', 'registry.example.com/modules', '5m', '13:00', 'Stable', 'x<y>&z'];
const FREE_KEYS = ['a', 'b', 'c', 'nested'];

function freeForm(r: Rand, depth: number): Json {
  const roll = r();
  if (depth > 1 || roll < 0.4) return pick(r, [1, 2, 'on', true, 'x']);
  if (roll < 0.5) return [pick(r, [1, 2]), 'x'];
  if (roll < 0.57) return {};
  const out: JsonMap = {};
  for (const k of FREE_KEYS) if (r() < 0.4) out[k] = freeForm(r, depth + 1);
  return out;
}

/** A random value of schema `s` (declared fields only, so the object stays valid). */
export function randomValue(r: Rand, s: Schema | undefined, depth = 0): Json {
  if (!s) return freeForm(r, depth);
  if (s['x-kubernetes-preserve-unknown-fields'] && !s.properties) {
    const v = freeForm(r, 0);
    return s.type === 'object' && (typeof v !== 'object' || v === null || Array.isArray(v)) ? { a: v } : v;
  }
  if (s.enum && s.enum.length > 0) return pick(r, s.enum);
  switch (s.type) {
    case 'string':
      return pick(r, WORDS);
    case 'integer':
    case 'number':
      return Math.floor(r() * 3);
    case 'boolean':
      return r() < 0.5;
    case 'array':
      return Array.from({ length: Math.floor(r() * 3) }, () => randomValue(r, s.items, depth + 1));
    default: {
      const out: JsonMap = {};
      for (const [k, child] of Object.entries(s.properties ?? {})) {
        if (r() < 0.55) out[k] = randomValue(r, child, depth + 1);
      }
      if (s.additionalProperties && typeof s.additionalProperties === 'object') {
        for (const k of ['k1', 'k2']) if (r() < 0.4) out[k] = randomValue(r, s.additionalProperties, depth + 1);
      }
      if (Object.keys(out).length === 0 && depth > 0 && r() < 0.5) return {};
      return out;
    }
  }
}

function metadataOf(r: Rand): JsonMap {
  const meta: JsonMap = {};
  const labels: JsonMap = {};
  for (const k of ['l1', 'modsync.io/instance', 'l3']) if (r() < 0.3) labels[k] = pick(r, ['x', 'y']);
  if (Object.keys(labels).length > 0) meta.labels = labels;
  const annotations: JsonMap = {};
  for (const k of ['a1', 'modules.deckhouse.io/allow-disabling']) {
    if (r() < 0.25) annotations[k] = pick(r, ['true', 'v']);
  }
  if (Object.keys(annotations).length > 0) meta.annotations = annotations;
  if (r() < 0.15) meta.finalizers = ['f1', 'f2', 'f3'].filter(() => r() < 0.5);
  if (r() < 0.1) {
    const ref = (uid: string): JsonMap => ({ apiVersion: 'v1', kind: 'ConfigMap', name: `n-${uid}`, uid });
    meta.ownerReferences = ['u1', 'u2'].filter(() => r() < 0.6).map(ref);
  }
  return meta;
}

/** Drops one random leaf or subtree of a config (the "field removed from a later apply"). */
function dropSomething(r: Rand, v: JsonMap): void {
  const keys = Object.keys(v);
  if (keys.length === 0) return;
  const k = pick(r, keys);
  const child = v[k];
  const deeper = child && typeof child === 'object' && !Array.isArray(child) && Object.keys(child).length > 0;
  if (deeper && r() < 0.7) dropSomething(r, child);
  else delete v[k];
}

/** A random merge patch of spec (or status): sets some fields, nulls out others. */
function patchOf(r: Rand, s: Schema | undefined): JsonMap {
  const out = randomValue(r, s, 1);
  const patch: JsonMap = out && typeof out === 'object' && !Array.isArray(out) ? out : {};
  for (const k of Object.keys(s?.properties ?? {})) if (!(k in patch) && r() < 0.15) patch[k] = null;
  return patch;
}

const APPLIERS = [
  { manager: 'modsync', force: true },
  { manager: 'kubectl', force: false },
  { manager: 'flux-like', force: false },
  { manager: 'kubectl', force: true },
];
const UPDATERS = ['kubectl-client-side-apply', 'kubectl-edit', 'deckhouse-controller', 'kubectl-patch'];

/** A sequence of `length` writes on kind `k`, deterministic for `seed`. */
export function generateSequence(k: Kind, seed: number, length: number): OracleOp[] {
  const r = rng(seed);
  const spec = k.openAPIV3Schema.properties?.spec;
  const status = k.openAPIV3Schema.properties?.status;
  const configs = new Map<string, JsonMap>();
  const ops: OracleOp[] = [];
  const fresh = (): JsonMap => objectOf(k, { spec: randomValue(r, spec) }, metadataOf(r));
  for (let i = 0; i < length; i++) {
    const roll = r();
    if (i === 0 && roll < 0.4) {
      const manager = pick(r, ['kubectl-client-side-apply', 'kubectl-create']);
      ops.push({ manager, operation: 'Update', object: fresh() });
    } else if (roll < 0.55 || i === 0) {
      const a = pick(r, APPLIERS);
      const prev = configs.get(a.manager);
      let config: JsonMap;
      if (prev && r() < 0.6) {
        config = structuredClone(prev);
        if (r() < 0.7) dropSomething(r, (config.spec ?? {}) as JsonMap);
        else dropSomething(r, config.metadata as JsonMap);
        (config.metadata as JsonMap).name = k.name;
        if (r() < 0.4) config.spec = { ...(config.spec as JsonMap), ...(randomValue(r, spec) as JsonMap) };
      } else config = fresh();
      configs.set(a.manager, config);
      const sent = structuredClone(config);
      // Status in a main-resource apply is ignored (the CRD's reset fields).
      if (status && r() < 0.1) sent.status = randomValue(r, status);
      ops.push({ manager: a.manager, operation: 'Apply', force: a.force, object: sent });
    } else if (roll < 0.8) {
      const patch: JsonMap = { spec: patchOf(r, spec) };
      if (r() < 0.4) patch.metadata = { labels: { l1: pick(r, ['z', null]), l3: pick(r, ['w', null]) } };
      const manager = pick(r, UPDATERS);
      if (manager === 'kubectl-client-side-apply') {
        patch.metadata = { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': `{"n":${i}}` } };
      }
      ops.push({ manager, operation: 'Update', patch });
    } else if (status && r() < 0.8) {
      const patch = { status: patchOf(r, status) };
      ops.push({ manager: 'deckhouse-controller', operation: 'Update', subresource: 'status', patch });
    } else if (status) {
      const object = { ...objectOf(k, {}), status: randomValue(r, status) };
      ops.push({ manager: 'status-applier', operation: 'Apply', subresource: 'status', force: r() < 0.5, object });
    }
  }
  return ops;
}
