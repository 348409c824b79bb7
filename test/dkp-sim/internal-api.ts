/**
 * The InternalApi the simulated Deckhouse controller writes through: the same write path as
 * HTTP clients (defaulting, validation, managedFields as `deckhouse-controller`, resourceVersion
 * bumps, watch events), minus admission. Failures throw `ApiError` (with the Status inside).
 */
import type { Clock } from './clock.ts';
import type { ResourceRegistry } from './resources.ts';
import { storageVersion } from './resources.ts';
import { notFound } from './status.ts';
import type { Store } from './store.ts';
import type { InternalApi, Obj, StoreEvent } from './types.ts';
import { createObject, deleteObject, updateObject, type Target, type WriteEnv } from './write-path.ts';
import { cloneJson } from './clone.ts';

/** The field manager and user of controller writes. */
export const CONTROLLER_MANAGER = 'deckhouse-controller';
export const CONTROLLER_USER = 'system:serviceaccount:d8-system:deckhouse';

/** Builds the InternalApi over one store. */
export function createInternalApi(registry: ResourceRegistry, store: Store, clock: Clock): InternalApi {
  const env: WriteEnv = { store, clock, user: CONTROLLER_USER };
  const target = (plural: string): Target => {
    const def = registry.get(plural);
    if (!def) throw new Error(`dkp-sim: unknown resource ${plural}`);
    return { def, version: storageVersion(def) };
  };
  const opts = { dryRun: false, fieldValidation: 'Ignore' as const, manager: CONTROLLER_MANAGER };
  return {
    get: (plural, name, namespace) => store.get(plural, name, namespace),
    list: (plural, namespace) => store.list(plural, namespace),
    create(plural: string, obj: Obj): Obj {
      const t = target(plural);
      return createObject(env, t, obj, opts).object;
    },
    update(plural, name, mutate, o) {
      const t = target(plural);
      const old = store.get(plural, name, o?.namespace);
      if (!old) return undefined;
      const next = cloneJson(old);
      mutate(next);
      delete next.metadata.resourceVersion;
      const wopts = o?.subresource ? { ...opts, subresource: o.subresource } : opts;
      return updateObject(env, t, old, next, wopts).object;
    },
    remove(plural, name, namespace) {
      const t = target(plural);
      const old = store.get(plural, name, namespace);
      if (!old) throw notFound(t.def, name);
      deleteObject(env, t, old, { dryRun: false });
    },
    onChange(listener: (e: StoreEvent) => void) {
      return store.subscribe((e) => listener({ type: e.type, plural: e.plural, object: e.object }));
    },
    now: () => clock.now(),
  };
}
