/**
 * What the HTTP handlers share: the resource registry, the store, the clock, counters,
 * faults and the hooks into the Deckhouse parts (admission, controller).
 */
import type { Clock } from './clock.ts';
import type { Counters } from './counters.ts';
import type { Faults } from './faults.ts';
import type { ResourceRegistry } from './resources.ts';
import type { Store } from './store.ts';
import type { AdmissionRequest, AdmissionResult } from './types.ts';

/** The user every HTTP client is (kubeconfig's admin). */
export const CLIENT_USER = 'kubernetes-admin';

/** Shared state of one dkp-sim instance. */
export interface SimContext {
  registry: ResourceRegistry;
  store: Store;
  clock: Clock;
  counters: Counters;
  faults: Faults;
  /** Admission for client writes. */
  admission: (req: AdmissionRequest) => AdmissionResult;
  /** Interval of watch BOOKMARK events (ms). */
  bookmarkMs: number;
  /** Open watch responses, ended on stop. */
  watches: Set<{ close(): void }>;
  /** `host:port` for /api's serverAddressByClientCIDRs. */
  address: () => string;
  /**
   * The Deckhouse release this instance pretends to be (`1.75`, `1.70`): its CRDs are the ones
   * served. Other parts branch on it for release-specific behaviour.
   */
  deckhouseVersion: string;
}
