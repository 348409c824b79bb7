/**
 * `modsync run`: the daemon. Syncs once at start, then on the cron schedule (with jitter), on
 * push webhooks and on demand (POST /sync); never two syncs at once in this process, and the
 * Lease keeps other processes out. Serves /healthz, /readyz and /metrics. SIGTERM/SIGINT wait
 * for the running sync up to a grace period, then exit.
 */
import { readFileSync } from 'node:fs';
import { ModsyncError } from '../core/errors.ts';
import type { GitPort } from '../git/port.ts';
import { loadSchemaInfo } from '../core/schema-info.ts';
import { createManifestValidator } from '../manifests/validate-doc.ts';
import { runSync } from '../pipeline/run.ts';
import { startHttp } from '../server/http.ts';
import { createMetrics, recordRun } from '../server/metrics.ts';
import { createScheduler } from '../server/scheduler.ts';
import type { Command } from './command.ts';
import { EXIT } from './exit-codes.ts';
import { withLease } from './locked-sync.ts';
import { syncOptionsOf, wire } from './sync-run.ts';


function readSecret(file: string): string {
  if (!file) return '';
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new ModsyncError('ConfigInvalid', `webhook secret file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
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

export const runCommand: Command = {
  name: 'run',
  summary: 'run as a daemon: sync on a schedule, on webhooks and on demand; serve health and metrics',
  usage: 'modsync run --repo <https-url|dir> [--schedule "*/3 * * * *"] [--listen 0.0.0.0:8080] [--webhook-secret-file F]',
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
    const options = { ...syncOptionsOf(ctx.config, 'sync', ctx.env), schemas: loadSchemaInfo(), validator: await createManifestValidator() };
    const scheduler = createScheduler({
      schedule: ctx.config.daemon.schedule,
      jitterMs: ctx.config.daemon.jitterSeconds * 1000,
      logger: ctx.logger,
      sync: async (trigger) => {
        const started = performance.now();
        ctx.logger.info({ trigger }, 'sync starting');
        const run = await withLease(lease, ctx.config.daemon.leaseSeconds, ctx.logger, () => runSync(options, ports));
        if (run.locked) {
          // Nothing ran, but an operator should see a daemon that keeps losing the Lease.
          metrics.runs.inc({ mode: 'sync', result: 'locked' });
          return undefined;
        }
        recordRun(metrics, run.value, 'sync', performance.now() - started);
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
      webhook: { secret, branch: ctx.config.git.branch, ownEmail: ctx.config.git.authorEmail },
    });
    ctx.logger.info({ url: http.url, endpoints: ['/healthz', '/readyz', '/metrics', '/sync', '/webhook/github', '/webhook/gitlab', '/webhook/gitea'], schedule: ctx.config.daemon.schedule }, 'modsync daemon listening');
    scheduler.start();
    const signal = await new Promise<string>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    const graceMs = ctx.config.daemon.shutdownGraceSeconds * 1000;
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
