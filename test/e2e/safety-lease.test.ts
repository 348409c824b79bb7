/**
 * "Locked" (exit 3) means another sync holds the Lease. A Lease request that fails for an API
 * reason (here: dkp-sim answering 503 to every Lease request) is its own reason, `LockFailed`,
 * exit 1, with a message that does not claim another sync is running; nothing is written.
 * The real CLI against dkp-sim and a real git server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoEnv, type DemoEnv } from '../support/demo-env.ts';
import { getObject } from './helpers.ts';

describe('a Lease request that fails', () => {
  let env: DemoEnv;
  beforeAll(async () => {
    env = await startDemoEnv();
  });
  afterAll(async () => env?.stop());

  it('is LockFailed (exit 1), not Locked (exit 3), and writes nothing', async () => {
    env.sim.control.setFaults([{ resource: 'leases', status: 503 }]);
    env.sim.control.resetRequests();
    const r = await env.modsync(['sync', '--cluster-retries', '1']);
    env.sim.control.clearFaults();
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain(
      'lock failed (LockFailed): cannot take the lock, the Lease request failed: Lease/default/modsync: ' +
        'the server is currently unable to handle the request; nothing was written\n',
    );
    expect(r.stdout).not.toContain('another modsync sync is running');
    const counts = env.sim.control.requests();
    expect(counts.writes - (counts.byResource.leases?.create ?? 0) - (counts.byResource.leases?.update ?? 0)).toBe(0);
    expect(await getObject(env, 'ModuleSource', 'example')).toBeNull();

    // With the API healthy again the next run takes the Lease and syncs.
    const next = await env.modsync(['sync']);
    expect(next.code, next.stdout + next.stderr).toBe(0);
    expect(await getObject(env, 'ModuleSource', 'example')).not.toBeNull();
  });
});
