/**
 * The simulated Deckhouse module controller (stub; filled in shortly).
 */
import type { Catalog } from './catalog.ts';
import type { InternalApi } from './types.ts';

/** Handle on the running controller. */
export interface SimController {
  seed(): void;
  start(): void;
  stop(): void;
  reconcileNow(): void;
  publish(req: { repo: string; module: string; version: string; channel?: string }): { ok: boolean; message: string };
}

/** Create the controller; it writes only through `api`. */
export function createController(_api: InternalApi, _catalog: Catalog, _opts: { tickMs: number }): SimController {
  return {
    seed() {},
    start() {},
    stop() {},
    reconcileNow() {},
    publish() {
      return { ok: false, message: 'not implemented' };
    },
  };
}
