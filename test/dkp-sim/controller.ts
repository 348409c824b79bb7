/**
 * The simulated Deckhouse module controller. It writes only through the InternalApi (so every
 * change is a real write: defaulting, validation, resourceVersion bumps, watch events) and runs
 * on a fast clock: each pass scans sources that are due, keeps Modules and ModuleConfigs up to
 * date, decides Pending releases and advances module phases by one step.
 */
import { DECKHOUSE_REPO, publishVersion, type Catalog, type PublishRequest } from './catalog.ts';
import { reconcileConfigs } from './controller-configs.ts';
import type { WriteBackRules } from './controller-objects.ts';
import { moduleReady, reconcileModules, type PhaseMemory } from './controller-modules.ts';
import { reconcileReleases } from './controller-releases.ts';
import { platformFor } from './controller-requirements.ts';
import { reconcileSources, scanSource, type ScanMemory } from './controller-sources.ts';
import type { InternalApi } from './types.ts';

/** How often (sim time) an otherwise idle controller re-checks time-driven state. */
const IDLE_RECHECK_MS = 1000;

/** Handle on the simulated controller, for `start()` and for tests that drive it step by step. */
export interface SimController {
  /** Create the objects every DKP cluster has: the `deckhouse` ModuleSource and the `deckhouse`/`global` ModuleConfigs. */
  seed(): void;
  /** Run a pass every `tickMs`. */
  start(): void;
  stop(): void;
  /** One full synchronous pass (deterministic; tests call it instead of waiting for ticks). */
  reconcileNow(): void;
  /** Add a version to the catalog; the next pass rescans and creates releases for enabled modules. */
  publish(req: PublishRequest): { ok: boolean; message: string };
}

/** Options of the controller. */
export interface ControllerOptions {
  /** Milliseconds between passes when started (each pass advances module phases by one step). */
  tickMs: number;
  /** How the controller's Go types marshal full Updates (default: the current types). */
  writeBack?: WriteBackRules;
  /** The Deckhouse release the sim serves (X.Y): release requirements are checked against it. */
  deckhouseVersion?: string;
}

/** Create the controller over `api` and `catalog` (the catalog is edited in place by `publish`). */
export function createController(api: InternalApi, catalog: Catalog, opts: ControllerOptions): SimController {
  const platform = platformFor(opts.deckhouseVersion);
  const scans = new Map<string, ScanMemory>();
  const phases = new Map<string, PhaseMemory>();
  let timer: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;
  // Ticks skip the pass while nothing changed (no store event since the last pass, which itself
  // wrote nothing); time-driven work (update windows, scan intervals) is re-checked every
  // IDLE_RECHECK_MS of sim time. Keeps an idle sim from burning CPU under benchmarks.
  let dirty = true;
  let lastPassAt = 0;

  // Each stage runs even when an earlier one failed (say, a write the API rejected), like
  // Deckhouse's separate controllers; the first failure is rethrown at the end of the pass.
  const pass = (): void => {
    const stages = [
      () => reconcileSources(api, catalog, scans),
      () => reconcileModules(api, catalog, phases),
      () => reconcileConfigs(api, opts.writeBack),
      () => reconcileReleases(api, (module) => moduleReady(api, module), platform),
    ];
    let failure: unknown;
    for (const stage of stages) {
      try {
        stage();
      } catch (err) {
        failure ??= err;
      }
    }
    if (failure !== undefined) throw failure;
  };

  return {
    seed() {
      if (!api.get('modulesources', 'deckhouse')) {
        api.create('modulesources', {
          apiVersion: 'deckhouse.io/v1alpha1',
          kind: 'ModuleSource',
          metadata: { name: 'deckhouse', labels: { heritage: 'deckhouse', module: 'deckhouse', app: 'deckhouse' } },
          spec: {
            registry: {
              repo: DECKHOUSE_REPO,
              scheme: 'HTTPS',
              // base64 of {"auths":{"registry.deckhouse.io":{}}}: anonymous access, as in CE
              dockerCfg: 'eyJhdXRocyI6eyJyZWdpc3RyeS5kZWNraG91c2UuaW8iOnt9fX0=',
            },
          },
        });
      }
      if (!api.get('moduleconfigs', 'deckhouse')) {
        api.create('moduleconfigs', {
          apiVersion: 'deckhouse.io/v1alpha1',
          kind: 'ModuleConfig',
          metadata: { name: 'deckhouse' },
          spec: { version: 1, settings: { bundle: 'Default', releaseChannel: 'Stable', update: { mode: 'Auto' } } },
        });
      }
      if (!api.get('moduleconfigs', 'global')) {
        api.create('moduleconfigs', {
          apiVersion: 'deckhouse.io/v1alpha1',
          kind: 'ModuleConfig',
          metadata: { name: 'global' },
          spec: { version: 2, settings: { modules: { publicDomainTemplate: '%s.example.com' } } },
        });
      }
      scanSource(api, catalog, 'deckhouse', scans);
      reconcileConfigs(api, opts.writeBack);
    },
    start() {
      if (timer) return;
      unsubscribe = api.onChange(() => {
        dirty = true;
      });
      timer = setInterval(() => {
        const now = api.now().getTime();
        if (!dirty && Math.abs(now - lastPassAt) < IDLE_RECHECK_MS) return;
        dirty = false;
        lastPassAt = now;
        try {
          pass();
        } catch (err) {
          // Reported, then retried on the next tick (as a requeue would).
          process.emitWarning(`dkp-sim controller pass failed: ${(err as Error).message}`);
        }
      }, opts.tickMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      unsubscribe?.();
      unsubscribe = undefined;
    },
    reconcileNow() {
      pass();
    },
    publish(req) {
      const result = publishVersion(catalog, req);
      dirty = true; // the registry changed: the next tick rescans
      return result;
    },
  };
}
