/**
 * The control side of dkp-sim: `SimControl` for in-process tests and the `/_sim/*` HTTP API
 * for everything else (request counters, faults, publish, clock, reconcile). Paths are relied
 * on by other tests and benchmarks; keep them stable.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from './clock.ts';
import type { Counters, RequestCounts } from './counters.ts';
import { checkRules, type FaultRule, type Faults } from './faults.ts';
import { readBody, sendJson } from './request.ts';
import type { ControlHandler } from './server.ts';
import type { ClusterView } from './types.ts';

/** A version to publish into the fake registry. */
export interface PublishRequest {
  repo: string;
  module: string;
  version: string;
  channel?: string;
}

/** Direct access to a running dkp-sim for tests. */
export interface SimControl {
  /** Request counters since start or the last reset. */
  requests(): RequestCounts;
  resetRequests(): void;
  /** Replaces the fault rules. */
  setFaults(rules: FaultRule[]): void;
  clearFaults(): void;
  /** Adds a version to the catalog (the controller reacts on its next pass). */
  publish(req: PublishRequest): { ok: boolean; message: string };
  /** The simulation clock. */
  clock: Clock;
  /** One synchronous controller pass (no-op when the controller is off). */
  reconcileNow(): void;
  /** Read access to stored objects. */
  view: ClusterView;
}

/** What the control API drives. */
export interface ControlDeps {
  counters: Counters;
  faults: Faults;
  clock: Clock;
  view: ClusterView;
  publish(req: PublishRequest): { ok: boolean; message: string };
  reconcileNow(): void;
}

/** The in-process control object. */
export function createSimControl(d: ControlDeps): SimControl {
  return {
    requests: () => d.counters.snapshot(),
    resetRequests: () => d.counters.reset(),
    setFaults: (rules) => d.faults.set(rules),
    clearFaults: () => d.faults.clear(),
    publish: (req) => d.publish(req),
    clock: d.clock,
    reconcileNow: () => d.reconcileNow(),
    view: d.view,
  };
}

async function jsonBody(req: IncomingMessage): Promise<unknown> {
  const text = await readBody(req);
  return text.trim() === '' ? {} : JSON.parse(text);
}

function fail(res: ServerResponse, code: number, message: string): void {
  sendJson(res, code, { error: message });
}

/** The `/_sim/*` HTTP handler. */
export function createControlHandler(d: ControlDeps): ControlHandler {
  return async (req, res, url) => {
    const route = `${req.method} ${url.pathname.replace(/\/$/, '')}`;
    let body: unknown;
    try {
      body = req.method === 'POST' ? await jsonBody(req) : undefined;
    } catch (e) {
      fail(res, 400, `invalid JSON body: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    switch (route) {
      case 'GET /_sim/requests':
        return sendJson(res, 200, d.counters.snapshot());
      case 'POST /_sim/requests/reset':
        d.counters.reset();
        return sendJson(res, 200, d.counters.snapshot());
      case 'GET /_sim/faults':
        return sendJson(res, 200, d.faults.list());
      case 'POST /_sim/faults': {
        const rules = Array.isArray(body) ? body : (body as { rules?: unknown }).rules;
        const problem = checkRules(rules);
        if (problem) return fail(res, 400, problem);
        d.faults.set(rules as FaultRule[]);
        return sendJson(res, 200, d.faults.list());
      }
      case 'DELETE /_sim/faults':
        d.faults.clear();
        return sendJson(res, 200, []);
      case 'POST /_sim/publish': {
        const p = body as Partial<PublishRequest>;
        if (typeof p.repo !== 'string' || typeof p.module !== 'string' || typeof p.version !== 'string') {
          return fail(res, 400, 'publish needs "repo", "module" and "version" strings');
        }
        const r = d.publish(p as PublishRequest);
        return sendJson(res, r.ok ? 200 : 400, r);
      }
      case 'GET /_sim/clock':
        return sendJson(res, 200, { now: d.clock.now().toISOString() });
      case 'POST /_sim/clock': {
        const c = body as { now?: string; advanceSeconds?: number };
        if (c.now !== undefined) {
          const t = new Date(c.now);
          if (Number.isNaN(t.getTime())) return fail(res, 400, `invalid time: ${c.now}`);
          d.clock.set(t);
        }
        if (c.advanceSeconds !== undefined) {
          if (typeof c.advanceSeconds !== 'number') return fail(res, 400, 'advanceSeconds must be a number');
          d.clock.advance(c.advanceSeconds);
        }
        return sendJson(res, 200, { now: d.clock.now().toISOString() });
      }
      case 'POST /_sim/reconcile':
        d.reconcileNow();
        return sendJson(res, 200, { ok: true });
      default:
        return fail(res, 404, `no control endpoint ${route}`);
    }
  };
}
