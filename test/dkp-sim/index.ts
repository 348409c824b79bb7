/**
 * `start()`: one dkp-sim instance in-process (API server, store, Deckhouse admission and
 * controller), with a kubeconfig pointing at it and a control handle for tests.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { admit } from './admission.ts';
import { defaultCatalog, loadCatalog, type Catalog } from './catalog.ts';
import { createClock, rfc3339 } from './clock.ts';
import { CLIENT_USER, type SimContext } from './context.ts';
import { createController, type SimController } from './controller.ts';
import { createControlHandler, createSimControl, type ControlDeps, type SimControl } from './control.ts';
import { Counters } from './counters.ts';
import { Faults } from './faults.ts';
import { createInternalApi } from './internal-api.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { newUid } from './metadata.ts';
import { deployedRelease } from './deckhouse-release.ts';
import { resolveDeckhouseVersion } from './deckhouse-versions.ts';
import { defaultRegistry } from './resources.ts';
import { SEED_NAMESPACES } from './builtin-resources.ts';
import { createSimServer } from './server.ts';
import { Store } from './store.ts';
import type { ClusterView } from './types.ts';

export type { SimControl } from './control.ts';
export { CLIENT_USER };

/** Options of `start()`. */
export interface StartOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  host?: '127.0.0.1';
  /** What the fake registries offer; default: the docs' example catalog. */
  catalog?: Catalog;
  /** A catalog YAML file (used when `catalog` is not given). */
  catalogFile?: string;
  /** Where to write the kubeconfig; default: a new temp file. */
  kubeconfigPath?: string;
  /** Milliseconds between controller passes (default 200). */
  tickMs?: number;
  /** Run the Deckhouse controller (default true); false leaves only the API server. */
  controller?: boolean;
  /** Change events watches can replay before answering 410 Expired (default 10000). */
  watchHistory?: number;
  /** Interval of watch BOOKMARK events in ms (default 5000). */
  bookmarkMs?: number;
  /**
   * The Deckhouse release to pretend to be, `X.Y` (default: the newest, whose CRDs are in
   * `crds/deckhouse`); its CRDs are served as that release shipped them (crds/versions.yaml).
   */
  deckhouseVersion?: string;
}

/** A running dkp-sim. */
export interface SimInstance {
  url: string;
  kubeconfigPath: string;
  /** The Deckhouse release served (`1.75`, `1.70`). */
  deckhouseVersion: string;
  stop(): Promise<void>;
  control: SimControl;
}

function seedNamespaces(store: Store, now: string): void {
  for (const name of SEED_NAMESPACES) {
    store.put('namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, uid: newUid(), creationTimestamp: now, labels: { 'kubernetes.io/metadata.name': name } },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
  }
}

/** Starts dkp-sim on 127.0.0.1 and resolves when it accepts connections. */
export async function start(opts: StartOptions = {}): Promise<SimInstance> {
  const deckhouseVersion = resolveDeckhouseVersion(opts.deckhouseVersion);
  const registry = defaultRegistry(deckhouseVersion);
  const store = new Store(opts.watchHistory !== undefined ? { historySize: opts.watchHistory } : {});
  const clock = createClock();
  const counters = new Counters();
  const faults = new Faults();
  const view: ClusterView = { get: (p, n, ns) => store.get(p, n, ns), list: (p, ns) => store.list(p, ns) };
  seedNamespaces(store, rfc3339(clock.now()));
  // Where a real cluster shows its Deckhouse version: the Deployed DeckhouseRelease.
  store.put('deckhousereleases', deployedRelease(deckhouseVersion, newUid(), rfc3339(clock.now())));

  const catalog =
    opts.catalog ?? (opts.catalogFile ? loadCatalog(readFileSync(opts.catalogFile, 'utf8')) : defaultCatalog());
  const api = createInternalApi(registry, store, clock);
  let controller: SimController | undefined;
  if (opts.controller !== false) {
    controller = createController(api, catalog, { tickMs: opts.tickMs ?? 200, deckhouseVersion });
    controller.seed();
  }

  let address = '127.0.0.1:0';
  const ctx: SimContext = {
    registry,
    store,
    clock,
    counters,
    faults,
    admission: (req) => admit(req, view),
    bookmarkMs: opts.bookmarkMs ?? 5000,
    watches: new Set(),
    address: () => address,
    deckhouseVersion,
  };
  const deps: ControlDeps = {
    counters,
    faults,
    clock,
    view,
    publish: (req) =>
      controller ? controller.publish(req) : { ok: false, message: 'dkp-sim runs without its controller' },
    reconcileNow: () => controller?.reconcileNow(),
  };
  const server = createSimServer(ctx, createControlHandler(deps));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  address = `127.0.0.1:${port}`;
  const url = `http://127.0.0.1:${port}`;
  const kubeconfigPath = writeKubeconfig(url, opts.kubeconfigPath);
  controller?.start();

  let stopped = false;
  return {
    url,
    kubeconfigPath,
    deckhouseVersion,
    control: createSimControl(deps),
    async stop() {
      if (stopped) return;
      stopped = true;
      controller?.stop();
      for (const w of [...ctx.watches]) w.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
