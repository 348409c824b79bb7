import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/core/object.ts';
import { readMarker, renderApprovalRequest, withDropped } from '../../src/approvals/pull-request.ts';
import { droppedReason } from '../../src/approvals/releases.ts';
import { skippedApprovals, type RequestResult } from '../../src/approvals/requests.ts';
import { buildReport } from '../../src/report/model.ts';

const NEWER_PATCH = 'Deckhouse skipped it: v1.2.7 is a newer patch of the same minor';
const WAITING = `Release is waiting for the 'modules.deckhouse.io/approved: "true"' annotation`;

function release(version: string, phase: string, message = ''): KubeObject {
  return {
    apiVersion: 'deckhouse.io/v1alpha1',
    kind: 'ModuleRelease',
    metadata: { name: `module-two-v${version}`, labels: { module: 'module-two', source: 'example' } },
    spec: { moduleName: 'module-two', version },
    status: { phase, message },
  };
}

describe('droppedReason', () => {
  // Deckhouse leaves the message of these Skipped releases empty (releaseupdater/task_calculator.go).
  it('names the newer patch of the same minor that made Deckhouse skip a pending release', () => {
    const releases = [release('1.2.3', 'Deployed'), release('1.2.6', 'Skipped'), release('1.2.7', 'Pending', WAITING)];
    expect(droppedReason('module-two-v1.2.6', releases)).toBe(NEWER_PATCH);
  });

  it('names a newer deployed release, a written message, or says the release is gone', () => {
    const forced = [release('1.2.5', 'Skipped'), release('1.3.0', 'Deployed')];
    expect(droppedReason('module-two-v1.2.5', forced)).toBe('Deckhouse skipped it: v1.3.0 is deployed');
    const constrained = [release('1.2.3', 'Deployed'), release('1.3.0', 'Skipped', 'skipped by update constraints')];
    const reason = droppedReason('module-two-v1.3.0', constrained);
    expect(reason).toBe('Deckhouse skipped it (skipped by update constraints)');
    expect(droppedReason('module-two-v1.2.9', constrained)).toBe('it no longer exists in the cluster');
    expect(droppedReason('module-two-v1.2.3', constrained)).toBe('it is deployed');
  });

  it('is undefined while the release is still Pending', () => {
    const queued = release('1.2.7', 'Pending', 'awaiting for v1.2.6 release to be deployed');
    expect(droppedReason('module-two-v1.2.7', [queued])).toBeUndefined();
  });
});

describe('an approval request that dropped a release', () => {
  const releases = [release('1.2.3', 'Deployed'), release('1.2.6', 'Skipped'), release('1.2.7', 'Pending', WAITING)];
  const req = renderApprovalRequest('module-two', [releases[2]!], { root: 'clusters/demo', deployed: undefined });
  const dropped = [{ release: 'module-two-v1.2.6', reason: droppedReason('module-two-v1.2.6', releases)! }];

  it('proposes only the waiting release and says in its body why the other was dropped', () => {
    const body = withDropped(req, dropped).body;
    expect(req.title).toBe('Approve module-two v1.2.7');
    expect(Object.keys(req.files)).toEqual(['clusters/demo/approvals/module-two-v1.2.7.yaml']);
    expect(body).toContain(`> \`module-two-v1.2.6\` is no longer proposed: ${NEWER_PATCH}.`);
    expect(readMarker(body)).toEqual({ module: 'module-two', releases: ['module-two-v1.2.7'], dropped });
  });

  it('renders the same body again from its own marker (no endless PR edits)', () => {
    const first = withDropped(req, dropped).body;
    expect(withDropped(req, readMarker(first)!.dropped!).body).toBe(first);
    expect(withDropped(req, []).body).toBe(req.body);
  });
});

describe('skipped approvals in the status report', () => {
  const releases = [release('1.2.3', 'Deployed'), release('1.2.6', 'Skipped'), release('1.2.7', 'Pending', WAITING)];
  const file = 'clusters/demo/approvals/module-two-v1.2.6.yaml';

  it('an approval file for a Skipped release is reported as skipped, a range or a pending one is not', () => {
    const approvals = [
      { name: 'module-two-v1.2.6', module: 'module-two', version: '1.2.6', file },
      { name: 'module-two-1.2', module: 'module-two', versions: '>=1.2.0 <1.3.0' },
      { name: 'module-two-v1.2.7', module: 'module-two', version: '1.2.7' },
    ];
    expect(skippedApprovals({ releases, approvals })).toEqual([
      {
        module: 'module-two',
        branch: file,
        releases: ['module-two-v1.2.6'],
        outcome: 'skipped',
        message: NEWER_PATCH,
      },
    ]);
  });

  it('shows skipped entries as skipped and the waiting one as waiting for merge', () => {
    const url = 'https://github.test/acme/fleet/pull/1';
    const requests: RequestResult[] = [
      {
        module: 'module-two',
        branch: 'modsync/approve/module-two',
        releases: ['module-two-v1.2.7'],
        outcome: 'updated',
        url,
        dropped: [{ release: 'module-two-v1.2.6', reason: NEWER_PATCH }],
      },
      ...skippedApprovals({ releases, approvals: [{ name: 'x', module: 'module-two', version: '1.2.6', file }] }),
    ];
    const report = buildReport({
      instance: 'demo',
      commit: 'c',
      now: 'n',
      live: new Map(),
      changes: [],
      ok: true,
      errors: [],
      requests,
    });
    expect(report.approvals.map((a) => [a.release, a.state])).toEqual([
      ['module-two-v1.2.6', `skipped: ${NEWER_PATCH}`],
      ['module-two-v1.2.7', 'waiting for merge'],
    ]);
  });
});
