/**
 * Admission denials on the wire, shaped like kube-apiserver's: a ValidatingAdmissionPolicy
 * denial carries details (name, group, kind, one cause with the policy message); a Deckhouse
 * webhook denial comes back as the webhook's own Status, without a reason and without details.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, type SimInstance } from './index.ts';
import { call } from './test-helpers.ts';

let sim: SimInstance;
beforeAll(async () => {
  sim = await start({ controller: false });
});
afterAll(async () => {
  await sim.stop();
});

const WINDOWS =
  'Invalid update windows. Start time (windows.from) should be less than the end time of the update window (windows.to)';

describe('admission denials over HTTP', () => {
  it('a policy denial is a 403 Forbidden with name, group, kind and the policy message as its cause', async () => {
    const mup = {
      apiVersion: 'deckhouse.io/v1alpha2',
      kind: 'ModuleUpdatePolicy',
      metadata: { name: 'night' },
      spec: { update: { mode: 'Auto', windows: [{ from: '4:30', to: '01:00' }] } },
    };
    const r = await call(sim.url, 'POST', '/apis/deckhouse.io/v1alpha2/moduleupdatepolicies', mup);
    const cause = `ValidatingAdmissionPolicy 'mup-update-windows.deckhouse.io' with binding 'mup-update-windows.deckhouse.io' denied request: ${WINDOWS}`;
    expect(r.status).toBe(403);
    expect(r.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `moduleupdatepolicies.deckhouse.io "night" is forbidden: ${cause}`,
      reason: 'Forbidden',
      details: { name: 'night', group: 'deckhouse.io', kind: 'moduleupdatepolicies', causes: [{ message: cause }] },
      code: 403,
    });
  });

  it('a webhook denial has no reason field and no details', async () => {
    const mc = {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleConfig',
      metadata: { name: 'hello' },
      spec: { enabled: true },
    };
    const r = await call(sim.url, 'POST', '/apis/deckhouse.io/v1alpha1/moduleconfigs', mc);
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `admission webhook "module-configs.deckhouse-webhook.deckhouse.io" denied the request: the 'hello' module not found`,
      code: 400,
    });
    expect(Object.keys(r.body)).not.toContain('reason');
  });
});
