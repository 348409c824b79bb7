/**
 * Lease exclusion across processes against dkp-sim: while another holder has the Lease a
 * `modsync sync` that has something to write writes nothing and exits 3 naming the holder (a
 * no-op sync never touches the Lease); of two syncs started together
 * exactly one runs; a holder that died is taken over once its Lease has expired.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKubeConfig } from '../../src/cluster/kubeconfig.ts';
import { createLeaseLock, type LeaseLock } from '../../src/cluster/lease.ts';
import { pushFiles } from '../support/git-repo.ts';
import { startDemoEnv, type DemoEnv } from '../support/demo-env.ts';
import { getObject, logLines } from './helpers.ts';

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  leaseTransitions?: number;
}

async function readLease(env: DemoEnv): Promise<LeaseSpec | null> {
  const res = await fetch(`${env.sim.url}/apis/coordination.k8s.io/v1/namespaces/default/leases/modsync`);
  if (res.status === 404) return null;
  return ((await res.json()) as { spec: LeaseSpec }).spec;
}

/** Another process (a CronJob pod, a daemon replica) holding modsync's Lease. */
function otherHolder(env: DemoEnv, holder: string, durationSeconds: number, now?: () => Date): LeaseLock {
  const { kc } = loadKubeConfig({ kubeconfig: env.sim.kubeconfigPath, env: {} });
  return createLeaseLock({ kc, namespace: 'default', name: 'modsync', holder, durationSeconds, now });
}

describe('the Lease keeps syncs apart', () => {
  let env: DemoEnv;
  beforeAll(async () => {
    env = await startDemoEnv();
  });
  afterAll(async () => env?.stop());

  it('a sync while another holder has the Lease does nothing, exits 3 and names the holder', async () => {
    const other = otherHolder(env, 'cronjob-pod-7f9c', 60);
    expect(await other.acquire()).toEqual({ acquired: true });
    env.sim.control.resetRequests();
    const r = await env.modsync(['sync']);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toMatch(
      /^another modsync sync is running \(lease held by cronjob-pod-7f9c until \d{4}-\d\d-\d\dT[\d:.]+Z\); nothing was done\n$/,
    );
    expect(logLines(r.stderr).find((l) => l.msg === 'another sync holds the lease; nothing done')).toMatchObject({
      holder: 'cronjob-pod-7f9c',
    });
    // It read and planned, found the Lease taken before its first write, and wrote nothing.
    expect(env.sim.control.requests().writes).toBe(0);
    expect(await getObject(env, 'ModuleSource', 'example')).toBeNull();
    await other.release();
    expect((await readLease(env))?.holderIdentity).toBeUndefined();
  });

  it('of two syncs started at once, one syncs and the other exits 3', async () => {
    // Slow reads keep the first sync inside its Lease while the second one starts.
    env.sim.control.setFaults([{ verb: 'list', latencyMs: 2500 }]);
    try {
      // Two processes (two Lease holders): in one process both would be the same holder.
      const twoProcesses = { childProcess: true };
      const [a, b] = await Promise.all([env.modsync(['sync'], twoProcesses), env.modsync(['sync'], twoProcesses)]);
      const byCode = [a, b].sort((x, y) => x.code - y.code);
      expect(
        byCode.map((r) => r.code),
        a.stderr + b.stderr,
      ).toEqual([0, 3]);
      const winner = logLines(byCode[0]!.stderr).find((l) => l.msg === 'sync finished');
      expect(winner).toMatchObject({ created: 5 });
      expect(byCode[1]!.stdout).toMatch(/lease held by \S+-\d+ until/);
    } finally {
      env.sim.control.clearFaults();
    }
    expect(await getObject(env, 'ModuleConfig', 'module-two')).not.toBeNull();
    // The winner released the Lease on its way out: the next run need not wait for expiry.
    expect((await readLease(env))?.holderIdentity).toBeUndefined();
  });

  it('a holder that died is taken over once its Lease has expired', async () => {
    // It took the Lease for 60 s two minutes ago and never renewed it (its pod is gone).
    const dead = otherHolder(env, 'dead-pod-1234', 60, () => new Date(Date.now() - 120_000));
    expect(await dead.acquire()).toEqual({ acquired: true });
    const before = await readLease(env);
    expect(before?.holderIdentity).toBe('dead-pod-1234');
    // The lock is taken only before a write, so give the run something to write.
    await pushFiles(
      env.bareDir,
      'main',
      {
        'clusters/demo/modules/module-one.yaml':
          'apiVersion: deckhouse.io/v1alpha1\nkind: ModuleConfig\nmetadata:\n  name: module-one\nspec:\n  enabled: true\n  source: example\n  updatePolicy: stable-auto\n  settings:\n    replicas: 4\n',
      },
      'Scale module-one',
    );
    const r = await env.modsync(['sync']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('lease held by');
    const lease = await readLease(env);
    expect(lease?.leaseTransitions).toBe((before?.leaseTransitions ?? 0) + 1);
    expect(lease?.holderIdentity).toBeUndefined();
    // The dead holder, should it wake up, finds the Lease is no longer its own.
    expect(await dead.renew()).toBe(false);
  });
});
