/**
 * `modsync run`: the daemon. Syncs once at start, then on the cron schedule (with jitter), on
 * push webhooks and on demand (POST /sync); never two syncs at once in this process, and the
 * Lease keeps other processes out. Serves /healthz, /readyz and /metrics. SIGTERM/SIGINT wait
 * for the running sync up to a grace period, then exit.
 */
import { readFileSync } from 'node:fs';
import { hasChanges } from '../core/change-set.ts';
import { ModsyncError, messageOf } from '../core/errors.ts';
import type { ClusterPort } from '../cluster/port.ts';
import type { GitPort } from '../git/port.ts';
import type { GitHost, PullRequest } from '../host/port.ts';
import { schemaInfoFromSchemas } from '../core/schema-info.ts';
import { loadCrdSchemas } from '../manifests/crd-schema.ts';
import { createManifestValidator } from '../manifests/validate-doc.ts';
import { createPreviewMemory, refreshPreviews, type RefreshResult } from '../pipeline/preview-refresh.ts';
import { runSync } from '../pipeline/run.ts';
import type { SyncOptions, SyncResult } from '../pipeline/types.ts';
import { startHttp } from '../server/http.ts';
import { createMetrics, recordRun } from '../server/metrics.ts';
import { createScheduler } from '../server/scheduler.ts';
import type { Command, CommandContext } from './command.ts';
import { EXIT } from './exit-codes.ts';
import { withLease } from './locked-sync.ts';
import { previewCacheDir, prunePreviewCaches } from './plan-preview.ts';
import { syncOptionsOf, wire } from './sync-run.ts';
import { createGitPort } from './wire.ts';
import { monotonicMs } from '../core/monotonic.ts';

function readSecret(file: string): string {
  if (!file) return '';
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new ModsyncError(
      'ConfigInvalid',
      `webhook secret file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

/** The git port, calling `onFetched` after each successful checkout (readiness starts there). */
function noticingFetch(git: GitPort, onFetched: () => void): GitPort {
  return {
    ...git,
    async checkout() {
      const checkout = await git.checkout();
      onFetched();
      return checkout;
    },
  };
}

/**
 * What the daemon runs after each sync: the plan previews of open pull requests that touch
 * the root, when a forge is configured (`none` gives a no-op). The returned function never
 * throws: a forge or preview failure is logged and the daemon syncs on. Exported for tests.
 */
export function previewRefresher(
  ctx: CommandContext,
  host: GitHost | undefined,
  cluster: ClusterPort,
  options: SyncOptions,
  stopping: () => boolean = () => false,
): (after: SyncResult) => Promise<RefreshResult[]> {
  if (!host || host.kind === 'none') return async () => [];
  const memory = createPreviewMemory();
  // Each pull request's head gets its own checkout under the cache, apart from the tracked branch.
  const gitFor = (pr: PullRequest): GitPort =>
    createGitPort(
      {
        ...ctx.config,
        git: {
          ...ctx.config.git,
          branch: pr.head,
          revision: pr.headSha ?? '',
          cacheDir: previewCacheDir(ctx.config.git.cacheDir, pr.number),
        },
      },
      ctx.env,
      ctx.redactor,
      ctx.logger,
    );
  const logger = ctx.logger.child({ task: 'plan-preview' });
  return async (after) => {
    try {
      // A failed sync may have written part of its changes: plan again rather than trust memory.
      const clusterChanged = !after.ok || hasChanges(after.changes);
      const results = await refreshPreviews(
        { sync: options, memory, clusterChanged, stopping },
        { host, cluster, gitFor, logger, redactor: ctx.redactor },
      );
      // Checkouts of pull requests that are no longer open would only fill the disk.
      const removed = prunePreviewCaches(ctx.config.git.cacheDir, new Set(results.map((r) => r.number)));
      if (removed.length) logger.debug({ pullRequests: removed }, 'removed checkouts of closed pull requests');
      return results;
    } catch (err) {
      logger.warn({ err: messageOf(err) }, 'plan previews not refreshed');
      return [];
    }
  };
}

export const runCommand: Command = {
  name: 'run',
  summary: 'run as a daemon: sync on a schedule, on webhooks and on demand; serve health and metrics',
  usage:
    'modsync run --repo <https-url|dir> [--schedule "*/3 * * * *"] [--listen 0.0.0.0:8080] [--webhook-secret-file F]',
  help: `Syncs at start and then on the cron schedule (UTC, with jitter), when a verified push webhook
for the tracked branch arrives (POST /webhook/github, /webhook/gitlab, /webhook/gitea), and on
POST /sync. Serves GET /healthz, /readyz (ready after the first successful fetch, not ready when no
sync succeeded within 3 schedule periods) and /metrics (Prometheus).`,
  flags: [],
  settings: ['instance', 'git', 'cluster', 'sync', 'status', 'host', 'daemon', 'log'],
  async run(ctx) {
    const metrics = createMetrics({ processMetrics: true });
    const wired = wire(ctx, 'sync', (verb, kind) => metrics.apiRequests.inc({ verb, kind }));
    const lease = wired.lease;
    const ports = { ...wired.ports, git: noticingFetch(wired.ports.git, () => scheduler.fetched()) };
    const secret = readSecret(ctx.config.daemon.webhookSecretFile);
    ctx.redactor.add(secret);
    // Loaded once for the life of the daemon, not per sync.
    const options = {
      ...syncOptionsOf(ctx.config, 'sync', ctx.env),
      schemas: schemaInfoFromSchemas(await loadCrdSchemas()),
      validator: await createManifestValidator(),
    };
    let stopping = false;
    const refreshPreviewsAfter = previewRefresher(ctx, wired.ports.host, ports.cluster, options, () => stopping);
    const scheduler = createScheduler({
      schedule: ctx.config.daemon.schedule,
      jitterMs: ctx.config.daemon.jitterSeconds * 1000,
      logger: ctx.logger,
      sync: async (trigger) => {
        const started = monotonicMs();
        ctx.logger.info({ trigger }, 'sync starting');
        const run = await withLease(lease, ctx.config.daemon.leaseSeconds, ctx.logger, (lock) =>
          runSync(options, { ...ports, lock }),
        );
        if (run.locked) {
          // Nothing ran, but an operator should see a daemon that keeps losing the Lease.
          metrics.runs.inc({ mode: 'sync', result: 'locked' });
          return undefined;
        }
        recordRun(metrics, run.value, 'sync', monotonicMs() - started);
        // Only the Lease holder previews, so replicas do not plan the same pull requests twice.
        await refreshPreviewsAfter(run.value);
        return run.value;
      },
    });
    // HOST:PORT, with IPv6 hosts in brackets ([::]:8080); the schema has checked the shape.
    const listen = /^(.*):(\d+)$/.exec(ctx.config.daemon.listen)!;
    const [host, port] = [listen[1]!.replace(/^\[|\]$/g, ''), Number(listen[2])];
    const http = await startHttp({
      host: host || '0.0.0.0',
      port,
      scheduler,
      metrics,
      logger: ctx.logger,
      // With a forge, pull request events ask for a sync too: the plan previews follow it.
      webhook: {
        secret,
        branch: ctx.config.git.branch,
        ownEmail: ctx.config.git.authorEmail,
        pullRequests: Boolean(wired.ports.host && wired.ports.host.kind !== 'none'),
      },
    });
    ctx.logger.info(
      {
        url: http.url,
        endpoints: ['/healthz', '/readyz', '/metrics', '/sync', '/webhook/github', '/webhook/gitlab', '/webhook/gitea'],
        schedule: ctx.config.daemon.schedule,
      },
      'modsync daemon listening',
    );
    scheduler.start();
    const signal = await new Promise<string>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    const graceMs = ctx.config.daemon.shutdownGraceSeconds * 1000;
    stopping = true;
    ctx.logger.info({ signal, graceMs }, 'stopping: waiting for the running sync');
    const finished = await scheduler.stop(graceMs);
    await http.close();
    if (!finished) {
      // The sync did not finish within the grace period: leave now rather than be killed by
      // the kubelet mid-write; the next run (or the next pod) picks up where it stopped.
      ctx.logger.warn({ graceMs }, 'stopped before the running sync finished');
      process.exit(EXIT.ok);
    }
    ctx.logger.info({ finished: true }, 'stopped');
    return EXIT.ok;
  },
};
