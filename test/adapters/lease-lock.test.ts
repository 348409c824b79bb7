/**
 * The Lease lock with two holders against dkp-sim over real HTTP: exclusion, renewal,
 * takeover after expiry, release, and races decided by the API server's optimistic concurrency.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKubeConfig } from '../../src/cluster/kubeconfig.ts';
import { createLeaseLock, formatMicroTime, type LeaseLock } from '../../src/cluster/lease.ts';
import { ClusterError } from '../../src/core/errors.ts';
import { start } from '../dkp-sim/index.ts';

type Sim = Awaited<ReturnType<typeof start>>;
let sim: Sim;

beforeAll(async () => {
  sim = await start({ port: 0, controller: false });
});
afterAll(async () => {
  await sim.stop();
});

const MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

/** A clock the test moves by hand, shared by both holders. */
function manualClock(startAt: string) {
  let now = new Date(startAt);
  return { now: () => now, advance: (seconds: number) => (now = new Date(now.getTime() + seconds * 1000)) };
}

function lock(name: string, holder: string, now: () => Date, durationSeconds = 15): LeaseLock {
  const { kc } = loadKubeConfig({ kubeconfig: sim.kubeconfigPath, env: {} });
  return createLeaseLock({ kc, namespace: 'modsync', name, holder, durationSeconds, timeoutMs: 2000, now });
}

function stored(name: string) {
  const lease = sim.control.view.get('leases', name, 'modsync');
  return lease?.spec as
    | {
        holderIdentity?: string;
        renewTime?: string;
        acquireTime?: string;
        leaseTransitions?: number;
        leaseDurationSeconds?: number;
      }
    | undefined;
}

describe('Lease lock', () => {
  it('lets one holder in, keeps the other out until expiry, then hands over', async () => {
    const clock = manualClock('2026-11-21T12:00:00.000Z');
    const a = lock('sync', 'runner-a', clock.now);
    const b = lock('sync', 'runner-b', clock.now);

    expect(await a.acquire()).toEqual({ acquired: true });
    expect(stored('sync')).toMatchObject({
      holderIdentity: 'runner-a',
      leaseDurationSeconds: 15,
      leaseTransitions: 0,
      renewTime: '2026-11-21T12:00:00.000000Z',
    });
    expect(await b.acquire()).toEqual({ acquired: false, holder: 'runner-a', expiresAt: '2026-11-21T12:00:15.000Z' });

    clock.advance(10);
    expect(await a.renew()).toBe(true);
    expect(stored('sync')?.renewTime).toBe('2026-11-21T12:00:10.000000Z');
    clock.advance(10); // 5 s after the original expiry, but only 10 s after the renewal
    expect(await b.acquire()).toEqual({ acquired: false, holder: 'runner-a', expiresAt: '2026-11-21T12:00:25.000Z' });

    clock.advance(6); // runner-a stopped renewing: its hold ended at 12:00:25
    expect(await b.acquire()).toEqual({ acquired: true });
    expect(stored('sync')).toMatchObject({
      holderIdentity: 'runner-b',
      leaseTransitions: 1,
      acquireTime: '2026-11-21T12:00:26.000000Z',
    });
    expect(await a.renew()).toBe(false);
    expect(await a.acquire()).toMatchObject({ acquired: false, holder: 'runner-b' });
  });

  it('frees the lock on release so the next holder need not wait', async () => {
    const clock = manualClock('2026-11-21T13:00:00.000Z');
    const a = lock('release', 'runner-a', clock.now);
    const b = lock('release', 'runner-b', clock.now);
    expect(await a.acquire()).toEqual({ acquired: true });

    await b.release(); // not b's to release: nothing changes
    expect(stored('release')?.holderIdentity).toBe('runner-a');

    await a.release();
    expect(stored('release')?.holderIdentity).toBeUndefined();
    expect(await b.acquire()).toEqual({ acquired: true });
    expect(stored('release')).toMatchObject({ holderIdentity: 'runner-b', leaseTransitions: 1 });
  });

  it('a release that loses a write (409) or meets 5xx re-reads and retries, so the Lease is freed', async () => {
    const clock = manualClock('2026-11-21T13:30:00.000Z');
    const a = lock('release-retry', 'runner-a', clock.now);
    expect(await a.acquire()).toEqual({ acquired: true });
    sim.control.resetRequests();
    sim.control.setFaults([{ verb: 'update', resource: 'leases', status: 409, count: 2 }]);
    try {
      await a.release();
    } finally {
      sim.control.clearFaults();
    }
    expect(stored('release-retry')?.holderIdentity).toBeUndefined();
    // Three reads and three PUTs: two lost to the conflict, the third freed it.
    expect(sim.control.requests().byResource.leases).toMatchObject({ get: 3, update: 3 });

    expect(await a.acquire()).toEqual({ acquired: true });
    sim.control.setFaults([{ verb: 'update', resource: 'leases', status: 503, count: 1 }]);
    try {
      await a.release();
    } finally {
      sim.control.clearFaults();
    }
    expect(stored('release-retry')?.holderIdentity).toBeUndefined();
  });

  it('a release that keeps losing says so (ClusterError) instead of returning as if freed', async () => {
    const clock = manualClock('2026-11-21T13:40:00.000Z');
    const a = lock('release-stuck', 'runner-a', clock.now);
    expect(await a.acquire()).toEqual({ acquired: true });
    sim.control.setFaults([{ verb: 'update', resource: 'leases', status: 409 }]);
    try {
      const err = await a.release().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ClusterError);
      expect((err as ClusterError).message).toBe(
        'Lease/modsync/release-stuck: still held by runner-a after 4 release attempts (each lost a write conflict)',
      );
    } finally {
      sim.control.clearFaults();
    }
    expect(stored('release-stuck')?.holderIdentity).toBe('runner-a');
  });

  it('acquiring again while holding renews the same hold', async () => {
    const clock = manualClock('2026-11-21T14:00:00.000Z');
    const a = lock('reentrant', 'runner-a', clock.now);
    expect(await a.acquire()).toEqual({ acquired: true });
    clock.advance(5);
    expect(await a.acquire()).toEqual({ acquired: true });
    expect(stored('reentrant')).toMatchObject({
      renewTime: '2026-11-21T14:00:05.000000Z',
      acquireTime: '2026-11-21T14:00:00.000000Z',
      leaseTransitions: 0,
    });
  });

  it('gives a race for a new Lease to exactly one holder', async () => {
    const clock = manualClock('2026-11-21T15:00:00.000Z');
    const contenders = ['one', 'two', 'three'].map((h) => lock('race-new', h, clock.now));
    const results = await Promise.all(contenders.map((c) => c.acquire()));
    expect(results.filter((r) => r.acquired)).toHaveLength(1);
    const winner = stored('race-new')?.holderIdentity;
    for (const r of results) if (!r.acquired) expect(r.holder).toBe(winner);
  });

  it('gives a race for an expired Lease to exactly one holder', async () => {
    const clock = manualClock('2026-11-21T16:00:00.000Z');
    expect(await lock('race-expired', 'old', clock.now).acquire()).toEqual({ acquired: true });
    clock.advance(60);
    const contenders = ['one', 'two', 'three'].map((h) => lock('race-expired', h, clock.now));
    const results = await Promise.all(contenders.map((c) => c.acquire()));
    expect(results.filter((r) => r.acquired)).toHaveLength(1);
    expect(stored('race-expired')?.leaseTransitions).toBe(1);
  });

  it('reports an unreachable API server as a ClusterError, not as "locked"', async () => {
    const { kc } = loadKubeConfig({ kubeconfig: sim.kubeconfigPath, env: {} });
    sim.control.setFaults([{ resource: 'leases', status: 503 }]);
    try {
      const a = createLeaseLock({
        kc,
        namespace: 'modsync',
        name: 'down',
        holder: 'a',
        durationSeconds: 15,
        retries: 1,
      });
      const err = await a.acquire().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ClusterError);
      expect((err as ClusterError).code).toBe(503);
      expect((err as ClusterError).message).toMatch(/^Lease\/modsync\/down: /);
    } finally {
      sim.control.clearFaults();
    }
  });
});

describe('formatMicroTime', () => {
  it('writes six fractional digits, as Lease times require', () => {
    expect(formatMicroTime(new Date('2026-11-21T12:00:00.123Z'))).toBe('2026-11-21T12:00:00.123000Z');
    expect(formatMicroTime(new Date('2026-11-21T12:00:00Z'))).toMatch(MICRO_TIME);
  });
});
