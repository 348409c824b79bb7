/**
 * The Module side of the simulated controller: one `Module` object per module name the
 * scanned sources offer (`properties.availableSources`), and its phase — Available, Conflict,
 * then Downloading → Installing (Reconciling on upgrades) → Ready, one step per pass, or
 * Error / DownloadingError where the catalog says so. Conditions follow the docs' examples.
 */
import { findRegistry, type Catalog, type CatalogModule } from './catalog.ts';
import {
  conditions,
  deleting,
  dig,
  labelsOf,
  policyForModule,
  releasesByModule,
  rfc3339,
  str,
  updateIfChanged,
  type Condition,
} from './controller-objects.ts';
import type { InternalApi, JsonMap, Obj } from './types.ts';

/** Where a module is in its install sequence (kept in memory, like Deckhouse's module manager). */
export interface PhaseMemory {
  /** `source/version` of the deployed release being installed. */
  key: string;
  step: number;
  /** The module had been Ready before (an upgrade shows Reconciling instead of Installing). */
  upgrade: boolean;
}

/** Create, update and delete Module objects and advance their phases by one step. */
export function reconcileModules(api: InternalApi, catalog: Catalog, memory: Map<string, PhaseMemory>): void {
  const offered = offeredModules(api, catalog);
  const releases = releasesByModule(api);
  const deployedOf = (name: string): Obj | undefined =>
    releases.get(name)?.find((r) => str(r, ['status', 'phase']) === 'Deployed');
  for (const [name, offer] of offered) {
    if (!api.get('modules', name)) {
      api.create('modules', {
        apiVersion: 'deckhouse.io/v1alpha1',
        kind: 'Module',
        metadata: { name },
        properties: {},
      });
    }
    reconcileModule(api, name, offer, deployedOf(name), memory);
  }
  for (const module of api.list('modules')) {
    if (offered.has(module.metadata.name) || deleting(module)) continue;
    if (!deployedOf(module.metadata.name)) {
      api.remove('modules', module.metadata.name);
      memory.delete(module.metadata.name);
    }
  }
}

/** What the sources offer for one module name: the source names and each one's catalog entry. */
interface Offer {
  sources: string[];
  bySource: Map<string, CatalogModule>;
}

function offeredModules(api: InternalApi, catalog: Catalog): Map<string, Offer> {
  const out = new Map<string, Offer>();
  for (const source of api.list('modulesources')) {
    const registry = findRegistry(catalog, str(source, ['spec', 'registry', 'repo']) ?? '');
    for (const entry of (dig(source, ['status', 'modules']) ?? []) as JsonMap[]) {
      const name = String(entry.name);
      const mod = registry?.modules.find((m) => m.name === name);
      if (!mod) continue;
      const offer: Offer = out.get(name) ?? { sources: [], bySource: new Map() };
      offer.sources.push(source.metadata.name);
      offer.bySource.set(source.metadata.name, mod);
      out.set(name, offer);
    }
  }
  for (const offer of out.values()) offer.sources.sort();
  return out;
}

function reconcileModule(
  api: InternalApi,
  name: string,
  offer: Offer,
  deployed: Obj | undefined,
  memory: Map<string, PhaseMemory>,
): void {
  const mc = api.get('moduleconfigs', name);
  const enabled = !!mc && !deleting(mc) && dig(mc, ['spec', 'enabled']) === true;
  const chosen = str(mc, ['spec', 'source']);
  const source = deployed ? String(labelsOf(deployed).source) : (chosen ?? offer.sources[0]!);
  const mod = offer.bySource.get(source) ?? offer.bySource.get(offer.sources[0]!)!;
  const policy = policyForModule(api, name);

  const properties: JsonMap = { availableSources: offer.sources };
  if (mod.weight !== undefined) properties.weight = mod.weight;
  if (mod.stage) properties.stage = mod.stage;
  if (mod.disableOptions) properties.disableOptions = { ...mod.disableOptions };
  const updatePolicy = str(mc, ['spec', 'updatePolicy']);
  if (updatePolicy) properties.updatePolicy = updatePolicy; // copied from the ModuleConfig as it is

  let view: { phase: string; conditions: Condition[]; hooksState?: string };
  if (!enabled) {
    memory.delete(name);
    view = available(false);
  } else if (!chosen && offer.sources.length > 1) {
    memory.delete(name);
    view = {
      phase: 'Conflict',
      conditions: [
        { type: 'EnabledByModuleConfig', status: 'True' },
        { type: 'EnabledByModuleManager', status: 'False', reason: 'Conflict', message: 'several available sources' },
        { type: 'IsReady', status: 'False', reason: 'Conflict', message: 'several available sources' },
      ],
    };
  } else if (!deployed) {
    view = available(true);
  } else {
    const version = str(deployed, ['spec', 'version']) ?? '';
    Object.assign(properties, {
      source,
      version: `v${version}`,
      releaseChannel: policy.releaseChannel,
      ...(mod.requirements ? { requirements: mod.requirements as JsonMap } : {}),
    });
    view = installing(name, `${source}/${version}`, mod, memory);
  }

  updateIfChanged(api, 'modules', name, (obj) => {
    obj.properties = properties;
  });
  const now = rfc3339(api.now());
  updateIfChanged(
    api,
    'modules',
    name,
    (obj) => {
      const status = (obj.status ?? {}) as JsonMap;
      obj.status = {
        phase: view.phase,
        hooksState: view.hooksState ?? '',
        conditions: conditions(status.conditions, view.conditions, now),
      };
    },
    'status',
  );
}

function available(enabledByConfig: boolean): { phase: string; conditions: Condition[] } {
  return {
    phase: 'Available',
    conditions: [
      enabledByConfig
        ? { type: 'EnabledByModuleConfig', status: 'True' }
        : { type: 'EnabledByModuleConfig', status: 'False', reason: 'Disabled', message: 'disabled' },
      { type: 'EnabledByModuleManager', status: 'False' },
      { type: 'IsReady', status: 'False', reason: 'NotInstalled', message: 'not installed' },
    ],
  };
}

/** Advance the install sequence of a deployed release by one step and describe where it is. */
function installing(
  name: string,
  key: string,
  mod: CatalogModule,
  memory: Map<string, PhaseMemory>,
): { phase: string; conditions: Condition[]; hooksState?: string } {
  let state = memory.get(name);
  if (!state || state.key !== key) {
    state = { key, step: 0, upgrade: state?.upgrade ?? false };
    memory.set(name, state);
  }
  const step = state.step;
  if (step < 2) state.step++;
  const byConfig: Condition = { type: 'EnabledByModuleConfig', status: 'True' };
  const byManager = (on: boolean): Condition => ({ type: 'EnabledByModuleManager', status: on ? 'True' : 'False' });
  const deployedCond: Condition = { type: 'LastReleaseDeployed', status: 'True' };
  const notReady = (reason: string, message: string): Condition => ({
    type: 'IsReady',
    status: 'False',
    reason,
    message,
  });

  if (step === 0) {
    if (mod.failAt === 'Downloading') {
      state.step = 0;
      return {
        phase: 'DownloadingError',
        conditions: [
          byConfig,
          byManager(false),
          notReady(
            'Error',
            `download the module: failed to fetch image ${mod.name}: MANIFEST_UNKNOWN: manifest unknown`,
          ),
        ],
      };
    }
    return {
      phase: 'Downloading',
      conditions: [byConfig, byManager(state.upgrade), notReady('Downloading', 'downloading')],
    };
  }
  if (step === 1) {
    if (mod.failAt === 'Installing') {
      state.step = 1;
      return {
        phase: 'Error',
        conditions: [
          byConfig,
          byManager(true),
          deployedCond,
          notReady('ModuleError', `install the module: helm upgrade failed: release ${mod.name} failed`),
        ],
      };
    }
    return state.upgrade
      ? {
          phase: 'Reconciling',
          conditions: [byConfig, byManager(true), deployedCond, notReady('Reconciling', 'reconciling')],
        }
      : {
          phase: 'Installing',
          conditions: [byConfig, byManager(false), deployedCond, notReady('Installing', 'installing')],
        };
  }
  if (mod.hookError) {
    const hook = /hook '([^']+)'/.exec(mod.hookError)?.[1] ?? 'hook';
    return {
      phase: 'Error',
      hooksState: `${hook}: failed`,
      conditions: [byConfig, byManager(true), deployedCond, notReady('HookError', mod.hookError)],
    };
  }
  state.upgrade = true;
  return { phase: 'Ready', conditions: [byConfig, byManager(true), deployedCond, { type: 'IsReady', status: 'True' }] };
}

/** Whether a module's phase is Ready (releases that are not patches wait for it). */
export function moduleReady(api: InternalApi, name: string): boolean {
  const module: Obj | undefined = api.get('modules', name);
  return str(module, ['status', 'phase']) === 'Ready';
}
