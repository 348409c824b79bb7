/**
 * The request shape of a no-op CronJob run: `modsync sync` as a fresh process against a
 * cluster that already holds what git says makes exactly one LIST per kind (no discovery, no
 * second page, no Lease, no GET) and writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_KINDS, KIND_INFO } from '../../src/core/kinds.ts';
import { startDemoEnv, type DemoEnv } from '../support/demo-env.ts';

describe('a no-op sync as a fresh process', () => {
  let env: DemoEnv;
  beforeAll(async () => {
    env = await startDemoEnv();
  });
  afterAll(async () => env?.stop());

  it('makes one LIST per kind and nothing else', async () => {
    const first = await env.modsync(['sync']);
    expect(first.code, first.stderr).toBe(0);
    // Until the controller has settled (modules appear, the status report catches up) a run may
    // still have something to do; after that, a run is a no-op.
    let counts = env.sim.control.requests();
    for (let i = 0; i < 10; i++) {
      env.sim.control.resetRequests();
      const r = await env.modsync(['sync']);
      expect(r.code, r.stderr).toBe(0);
      counts = env.sim.control.requests();
      if (counts.total === CLUSTER_KINDS.length && counts.writes === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(counts.writes).toBe(0);
    expect(counts.total).toBe(CLUSTER_KINDS.length);
    expect(counts.byVerb.list).toBe(CLUSTER_KINDS.length);
    expect(counts.byVerb.discovery).toBe(0);
    for (const kind of CLUSTER_KINDS) {
      expect(counts.byResource[KIND_INFO[kind].plural], kind).toMatchObject({ list: 1 });
    }
  });
});
