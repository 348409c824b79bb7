/**
 * The ModuleConfig side of the simulated controller: `status.version` / `status.message`
 * (`Ignored: unknown module name`, `several available sources: …`), the
 * `module-registered` finalizer and its release on deletion, and removal of the one-shot
 * allow-disabling annotation once a module is disabled — as Deckhouse's config controllers do.
 */
import {
  annotationsOf,
  CURRENT_GO_TYPES,
  deleting,
  dig,
  finalizersOf,
  setMeta,
  str,
  updateIfChanged,
  writeStatus,
  type WriteBackRules,
} from './controller-objects.ts';
import type { InternalApi, JsonMap } from './types.ts';

const FINALIZER = 'modules.deckhouse.io/module-registered';
const ALLOW_DISABLING = 'modules.deckhouse.io/allow-disabling';

/** Modules that are part of Deckhouse itself: always known, no Module object needed. */
export const EMBEDDED_CONFIGS = new Set(['deckhouse', 'global']);

/**
 * Reconcile every ModuleConfig's metadata and status. Metadata changes are full Updates
 * (`utils.Update` in internal/controller/modules/config/controller.go), so the object goes
 * through the Go type (`rules`): the allow-disabling removal of processDisabledModule too.
 */
export function reconcileConfigs(api: InternalApi, rules: WriteBackRules = CURRENT_GO_TYPES): void {
  for (const mc of api.list('moduleconfigs')) {
    const name = mc.metadata.name;
    if (deleting(mc)) {
      updateIfChanged(api, 'moduleconfigs', name, (obj) => {
        obj.metadata.finalizers = finalizersOf(obj).filter((f) => f !== FINALIZER);
      });
      continue;
    }
    const module = api.get('modules', name);
    const known = !!module || EMBEDDED_CONFIGS.has(name);
    const enabled = dig(mc, ['spec', 'enabled']) === true;

    updateIfChanged(
      api,
      'moduleconfigs',
      name,
      (obj) => {
        if (known && !EMBEDDED_CONFIGS.has(name) && !finalizersOf(obj).includes(FINALIZER)) {
          obj.metadata.finalizers = [...finalizersOf(obj), FINALIZER];
        }
        if (!enabled && ALLOW_DISABLING in annotationsOf(obj)) setMeta(obj, 'annotations', ALLOW_DISABLING, undefined);
      },
      undefined,
      rules,
    );

    let message = '';
    const sources = (dig(module, ['properties', 'availableSources']) ?? []) as string[];
    if (!known) message = 'Ignored: unknown module name';
    else if (enabled && !str(mc, ['spec', 'source']) && sources.length > 1)
      message = `several available sources: ${sources.join(', ')}`;
    const specVersion = dig(mc, ['spec', 'version']);
    const version = known ? String(typeof specVersion === 'number' ? specVersion : 1) : '';
    const status = (mc.status ?? {}) as JsonMap;
    writeStatus(api, 'moduleconfigs', name, { ...status, version, message });
  }
}
