/**
 * recordRun: what a Prometheus scrape shows after sync runs of different outcomes.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/core/object.ts';
import { entry } from '../../src/core/change-set.ts';
import type { SyncResult } from '../../src/pipeline/types.ts';
import { createMetrics, recordRun } from '../../src/server/metrics.ts';

const WAITING = `Release is waiting for the 'modules.deckhouse.io/approved: "true"' annotation`;

function release(name: string, phase: string, message = ''): KubeObject {
  return {
    apiVersion: 'deckhouse.io/v1alpha1',
    kind: 'ModuleRelease',
    metadata: { name, labels: { module: 'module-two' } },
    spec: { moduleName: 'module-two', version: name.split('-v')[1] ?? '' },
    status: { phase, message },
  };
}

function success(): SyncResult {
  return {
    commit: 'c1',
    ok: true,
    issues: [],
    changes: [
      entry({ kind: 'ModuleConfig', name: 'module-one' }, 'create', 'applied'),
      entry({ kind: 'ModuleConfig', name: 'module-two' }, 'unchanged', 'applied'),
      entry({ kind: 'ModuleSource', name: 'example' }, 'create', 'applied'),
    ],
    stages: [
      { stage: 'fetch', ok: true, durationMs: 120 },
      { stage: 'apply', ok: true, durationMs: 30 },
      { stage: 'request', ok: true, durationMs: 10 },
    ],
    live: new Map([
      [
        'ModuleRelease',
        [
          release('module-two-v1.2.6', 'Pending', WAITING),
          release('module-two-v1.2.5', 'Deployed'),
          release('module-two-v1.2.7', 'Pending', 'waiting for the update window'),
        ],
      ],
    ]),
    requests: [
      {
        module: 'module-two',
        branch: 'modsync/approve/module-two',
        releases: ['module-two-v1.2.6'],
        outcome: 'unchanged',
      },
      { module: 'module-one', branch: 'modsync/approve/module-one', releases: [], outcome: 'closed' },
    ],
  };
}

function fetchFailed(): SyncResult {
  return {
    commit: null,
    ok: false,
    issues: [],
    changes: [],
    requests: [],
    stages: [{ stage: 'fetch', ok: false, reason: 'FetchFailed', message: 'git unreachable', durationMs: 5 }],
    failure: 'FetchFailed',
  };
}

/** The value of one sample line of the exposition text, e.g. `name{a="b"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics after sync runs', () => {
  it('a successful run counts the run, objects by kind/action/outcome, pending releases, open requests and the success time', async () => {
    const m = createMetrics();
    recordRun(m, success(), 'sync', 1500, Date.UTC(2026, 10, 21, 12, 0, 0));
    const text = await m.registry.metrics();
    expect(sample(text, 'modsync_sync_runs_total{mode="sync",result="success"}')).toBe(1);
    expect(sample(text, 'modsync_objects_total{kind="ModuleConfig",action="create",outcome="applied"}')).toBe(1);
    expect(sample(text, 'modsync_objects_total{kind="ModuleConfig",action="unchanged",outcome="applied"}')).toBe(1);
    expect(sample(text, 'modsync_objects_total{kind="ModuleSource",action="create",outcome="applied"}')).toBe(1);
    expect(sample(text, 'modsync_pending_releases')).toBe(1);
    expect(sample(text, 'modsync_open_approval_requests')).toBe(1);
    expect(sample(text, 'modsync_last_success_timestamp_seconds')).toBe(Date.UTC(2026, 10, 21, 12, 0, 0) / 1000);
    expect(sample(text, 'modsync_sync_duration_seconds_count{mode="sync",result="success"}')).toBe(1);
    expect(sample(text, 'modsync_sync_duration_seconds_bucket{le="2.5",mode="sync",result="success"}')).toBe(1);
    expect(sample(text, 'modsync_sync_duration_seconds_bucket{le="1",mode="sync",result="success"}')).toBe(0);
    expect(sample(text, 'modsync_git_fetch_duration_seconds_sum')).toBeCloseTo(0.12);
  });

  it('a failed run counts a failure and the failed stage, and keeps the last success time', async () => {
    const m = createMetrics();
    recordRun(m, success(), 'sync', 100, 1_000_000);
    recordRun(m, fetchFailed(), 'sync', 100, 2_000_000);
    const text = await m.registry.metrics();
    expect(sample(text, 'modsync_sync_runs_total{mode="sync",result="failure"}')).toBe(1);
    expect(sample(text, 'modsync_sync_runs_total{mode="sync",result="success"}')).toBe(1);
    expect(sample(text, 'modsync_stage_errors_total{stage="fetch",reason="FetchFailed"}')).toBe(1);
    expect(sample(text, 'modsync_last_success_timestamp_seconds')).toBe(1000);
    expect(sample(text, 'modsync_git_fetch_duration_seconds_count')).toBe(1);
  });

  it('a run that never reached the approval stages keeps the last known pending releases and open requests', async () => {
    const m = createMetrics();
    recordRun(m, success(), 'sync', 100);
    recordRun(m, fetchFailed(), 'sync', 100);
    const text = await m.registry.metrics();
    expect(sample(text, 'modsync_pending_releases')).toBe(1);
    expect(sample(text, 'modsync_open_approval_requests')).toBe(1);
  });

  it('declined, closed and failed approval requests are not counted as open', async () => {
    const m = createMetrics();
    const run = success();
    run.requests = [
      {
        module: 'module-two',
        branch: 'modsync/approve/module-two',
        releases: ['module-two-v1.2.6'],
        outcome: 'declined',
      },
      { module: 'module-one', branch: 'modsync/approve/module-one', releases: [], outcome: 'closed' },
      {
        module: 'module-three',
        branch: 'modsync/approve/module-three',
        releases: ['module-three-v1.0.0'],
        outcome: 'failed',
      },
      {
        module: 'module-four',
        branch: 'modsync/approve/module-four',
        releases: ['module-four-v2.0.0'],
        outcome: 'created',
      },
    ];
    recordRun(m, run, 'sync', 100);
    expect(sample(await m.registry.metrics(), 'modsync_open_approval_requests')).toBe(1);
  });

  it('each registry is its own: two daemons in one process do not share counters', async () => {
    const a = createMetrics();
    const b = createMetrics();
    recordRun(a, success(), 'sync', 100);
    expect(sample(await b.registry.metrics(), 'modsync_sync_runs_total{mode="sync",result="success"}')).toBeUndefined();
  });
});
