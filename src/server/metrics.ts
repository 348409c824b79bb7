/**
 * Prometheus metrics of one modsync process, on a registry of its own (no global default
 * registry, so tests and several daemons in one process do not share counters).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SyncResult } from '../pipeline/types.ts';
import { waitsForApproval } from '../approvals/releases.ts';

export interface Metrics {
  registry: Registry;
  runDuration: Histogram<'mode' | 'result'>;
  runs: Counter<'mode' | 'result'>;
  objects: Counter<'kind' | 'action' | 'outcome'>;
  stageErrors: Counter<'stage' | 'reason'>;
  pendingReleases: Gauge;
  openApprovalRequests: Gauge;
  lastSuccess: Gauge;
  gitFetchDuration: Histogram;
  apiRequests: Counter<'verb' | 'kind'>;
}

export function createMetrics(opts: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'modsync_' });
  const registers = [registry];
  return {
    registry,
    runDuration: new Histogram({
      name: 'modsync_sync_duration_seconds',
      help: 'Duration of sync runs.',
      labelNames: ['mode', 'result'],
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    }),
    runs: new Counter({
      name: 'modsync_sync_runs_total',
      help: 'Sync runs by result: success, failure, or locked (another sync held the Lease; nothing ran).',
      labelNames: ['mode', 'result'],
      registers,
    }),
    objects: new Counter({
      name: 'modsync_objects_total',
      help: 'Objects handled by sync runs, by kind, action and outcome.',
      labelNames: ['kind', 'action', 'outcome'],
      registers,
    }),
    stageErrors: new Counter({
      name: 'modsync_stage_errors_total',
      help: 'Failed pipeline stages by stage and reason.',
      labelNames: ['stage', 'reason'],
      registers,
    }),
    pendingReleases: new Gauge({
      name: 'modsync_pending_releases',
      help: 'ModuleReleases waiting for approval, as of the last sync.',
      registers,
    }),
    openApprovalRequests: new Gauge({
      name: 'modsync_open_approval_requests',
      help: 'Approval pull requests (or branches) open after the last sync.',
      registers,
    }),
    lastSuccess: new Gauge({
      name: 'modsync_last_success_timestamp_seconds',
      help: 'Unix time of the last successful sync.',
      registers,
    }),
    gitFetchDuration: new Histogram({
      name: 'modsync_git_fetch_duration_seconds',
      help: 'Duration of the fetch stage (clone or fetch and checkout).',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    apiRequests: new Counter({
      name: 'modsync_api_requests_total',
      help: 'Kubernetes API requests by verb and kind.',
      labelNames: ['verb', 'kind'],
      registers,
    }),
  };
}

/** Records one finished run. */
export function recordRun(m: Metrics, result: SyncResult, mode: string, durationMs: number, now = Date.now()): void {
  const label = result.ok ? 'success' : 'failure';
  m.runDuration.observe({ mode, result: label }, durationMs / 1000);
  m.runs.inc({ mode, result: label });
  for (const c of result.changes) m.objects.inc({ kind: c.id.kind, action: c.action, outcome: c.outcome });
  for (const s of result.stages) if (!s.ok) m.stageErrors.inc({ stage: s.stage, reason: s.reason ?? 'Unknown' });
  const fetch = result.stages.find((s) => s.stage === 'fetch');
  if (fetch?.ok) m.gitFetchDuration.observe(fetch.durationMs / 1000);
  if (result.live) m.pendingReleases.set((result.live.get('ModuleRelease') ?? []).filter(waitsForApproval).length);
  // Only a run that reached the request stage knows the open requests; an earlier failure
  // (git unreachable...) must not report them all as gone.
  if (result.stages.some((s) => s.stage === 'request'))
    m.openApprovalRequests.set(
      result.requests.filter(
        (r) => r.outcome !== 'closed' && r.outcome !== 'failed' && r.outcome !== 'declined' && r.outcome !== 'skipped',
      ).length,
    );
  if (result.ok) m.lastSuccess.set(Math.floor(now / 1000));
}
