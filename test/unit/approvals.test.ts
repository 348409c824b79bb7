import { describe, expect, it } from 'vitest';
import type { JsonObject, KubeObject } from '../../src/core/object.ts';
import { decideApprovals } from '../../src/approvals/releases.ts';
import { readMarker, renderApprovalRequest } from '../../src/approvals/pull-request.ts';
import { closeReason, wantedRequests } from '../../src/approvals/requests.ts';
import { waitsForApproval } from '../../src/approvals/releases.ts';
import { parse } from 'yaml';

const WAITING = `Release is waiting for the 'modules.deckhouse.io/approved: "true"' annotation`;

function release(
  module: string,
  version: string,
  phase: string,
  opts: { message?: string; annotation?: string; byModsync?: boolean; changelog?: JsonObject } = {},
): KubeObject {
  const annotations = opts.annotation ? { 'modules.deckhouse.io/approved': opts.annotation } : undefined;
  return {
    apiVersion: 'deckhouse.io/v1alpha1',
    kind: 'ModuleRelease',
    metadata: {
      name: `${module}-v${version}`,
      labels: { module, source: 'example', 'modules.deckhouse.io/update-policy': 'manual-approval' },
      ...(annotations ? { annotations } : {}),
      managedFields: opts.byModsync
        ? [
            {
              manager: 'modsync',
              operation: 'Update',
              apiVersion: 'deckhouse.io/v1alpha1',
              fieldsType: 'FieldsV1',
              fieldsV1: { 'f:metadata': { 'f:annotations': { '.': {}, 'f:modules.deckhouse.io/approved': {} } } },
            },
          ]
        : [],
    },
    spec: { moduleName: module, version, ...(opts.changelog ? { changelog: opts.changelog } : {}) },
    status: { phase, message: opts.message ?? (phase === 'Pending' ? WAITING : '') },
  };
}

describe('waitsForApproval', () => {
  it('is true only for Pending releases whose message asks for the annotation', () => {
    expect(waitsForApproval(release('m', '1.0.0', 'Pending'))).toBe(true);
    expect(
      waitsForApproval(
        release('m', '1.0.0', 'Pending', {
          message: 'Release is waiting for the update window until 15 Mar 26 13:00 UTC',
        }),
      ),
    ).toBe(false);
    expect(waitsForApproval(release('m', '1.0.0', 'Deployed', { message: WAITING }))).toBe(false);
    expect(waitsForApproval(release('m', '1.0.0', 'Pending', { annotation: 'true' }))).toBe(false);
  });
});

describe('decideApprovals', () => {
  it('approves exact and range approvals, never other phases', () => {
    const releases = [
      release('a', '1.2.5', 'Pending'),
      release('b', '2.1.0', 'Pending'),
      release('b', '3.0.0', 'Pending'),
      release('c', '1.0.0', 'Superseded', { message: WAITING }),
    ];
    const approvals = [
      { name: 'a-v1.2.5', module: 'a', version: '1.2.5' },
      { name: 'b-2.x', module: 'b', versions: '>=2.0.0 <3.0.0' },
      { name: 'c-v1.0.0', module: 'c', version: '1.0.0' },
    ];
    const decisions = decideApprovals(releases, approvals);
    expect(decisions.map((d) => [d.release.metadata.name, d.action])).toEqual([
      ['a-v1.2.5', 'approve'],
      ['b-v2.1.0', 'approve'],
    ]);
  });

  it("withdraws modsync's own approval when the file left git, but never a human's", () => {
    const releases = [
      release('a', '1.0.0', 'Pending', { annotation: 'true', byModsync: true, message: '' }),
      release('b', '1.0.0', 'Pending', { annotation: 'true', message: '' }),
    ];
    expect(decideApprovals(releases, []).map((d) => [d.release.metadata.name, d.action])).toEqual([
      ['a-v1.0.0', 'unapprove'],
    ]);
  });

  it('does nothing on a release already approved', () => {
    const r = release('a', '1.0.0', 'Pending', { annotation: 'true', byModsync: true, message: '' });
    expect(decideApprovals([r], [{ name: 'a-v1.0.0', module: 'a', version: '1.0.0' }])).toEqual([]);
  });
});

describe('approval requests', () => {
  it('makes one request per module with every waiting version, oldest first', () => {
    const releases = [
      release('two', '1.2.6', 'Pending', { changelog: { features: ['Faster'] } }),
      release('two', '1.2.5', 'Pending'),
      release('two', '1.2.4', 'Deployed'),
      release('one', '0.7.25', 'Pending'),
    ];
    const wanted = wantedRequests({
      releases,
      approvals: [{ name: 'one-v0.7.25', module: 'one', version: '0.7.25' }],
      root: 'clusters/demo',
    });
    expect(wanted).toHaveLength(1);
    const req = wanted[0]!;
    expect(req.branch).toBe('modsync/approve/two');
    expect(req.title).toBe('Approve two v1.2.5 and v1.2.6');
    expect(Object.keys(req.files)).toEqual([
      'clusters/demo/approvals/two-v1.2.5.yaml',
      'clusters/demo/approvals/two-v1.2.6.yaml',
    ]);
    const file = parse(req.files['clusters/demo/approvals/two-v1.2.6.yaml']!);
    expect(file).toEqual({
      apiVersion: 'modsync.io/v1alpha1',
      kind: 'ModuleReleaseApproval',
      metadata: { name: 'two-v1.2.6' },
      spec: { module: 'two', version: '1.2.6' },
    });
    expect(req.body).toContain('| Deployed | v1.2.4 |');
    expect(req.body).toContain('- Faster');
    expect(req.body).toContain(WAITING);
    expect(readMarker(req.body)).toEqual({ module: 'two', releases: ['two-v1.2.5', 'two-v1.2.6'] });
  });

  it('adds the releases queued behind a waiting one to the same request', () => {
    const queued = (v: string): KubeObject =>
      release('two', v, 'Pending', { message: 'awaiting for v1.2.6 release to be deployed' });
    const releases = [
      release('two', '1.2.6', 'Pending'),
      queued('1.2.7'),
      queued('1.2.8'),
      release('two', '1.2.5', 'Deployed'),
      release('one', '0.8.0', 'Pending', { message: 'awaiting for v0.7.25 release to be deployed' }),
    ];
    const wanted = wantedRequests({ releases, approvals: [], root: '.' });
    expect(wanted.map((w) => w.title)).toEqual(['Approve two v1.2.6, v1.2.7 and v1.2.8']);
    expect(readMarker(wanted[0]!.body)?.releases).toEqual(['two-v1.2.6', 'two-v1.2.7', 'two-v1.2.8']);
  });

  it('renders the same request byte for byte from the same releases', () => {
    const rs = [release('two', '1.2.5', 'Pending')];
    expect(renderApprovalRequest('two', rs, { root: '.' })).toEqual(renderApprovalRequest('two', rs, { root: '.' }));
    expect(Object.keys(renderApprovalRequest('two', rs, { root: '.' }).files)).toEqual(['approvals/two-v1.2.5.yaml']);
  });

  it('explains why a request is closed', () => {
    const body = renderApprovalRequest(
      'two',
      [release('two', '1.2.5', 'Pending'), release('two', '1.2.6', 'Pending')],
      { root: '.' },
    ).body;
    const pr = {
      number: 3,
      url: 'u',
      title: 't',
      body,
      head: 'modsync/approve/two',
      base: 'main',
      state: 'open' as const,
    };
    expect(closeReason(pr, [release('two', '1.2.5', 'Superseded'), release('two', '1.2.6', 'Deployed')], [])).toBe(
      'Closed by modsync: this approval is no longer needed. two-v1.2.5 was superseded by a newer release; two-v1.2.6 is deployed.',
    );
    expect(closeReason(pr, [], [])).toContain('two-v1.2.5 no longer exists');
  });
});
