/**
 * Runs syncs one at a time: on a cron schedule (with jitter), once at start, and on demand
 * (webhooks, POST /sync). Requests that arrive while a sync runs are coalesced into one more
 * sync after it. `stop()` stops the schedule and waits for the running sync up to a grace
 * period. It also answers readiness: ready after the first successful fetch, and not ready
 * again when no sync has succeeded within a few schedule periods.
 */
import { CronJob, CronTime } from 'cron';
import type { Logger } from '../log.ts';
import type { SyncResult } from '../pipeline/types.ts';

export interface SchedulerOptions {
  schedule: string;
  jitterMs: number;
  /** Runs one sync; never throws (failures are in the result). */
  sync: (trigger: string) => Promise<SyncResult | undefined>;
  logger: Logger;
  /** Debounce for on-demand triggers (a burst of webhooks gives one sync). */
  debounceMs?: number;
  /** Not ready when the last success is older than this many schedule periods. */
  stalePeriods?: number;
  now?: () => number;
}

export interface Scheduler {
  start(opts?: { runAtStart?: boolean }): void;
  /** Ask for a sync soon (debounced, coalesced with a running one). */
  trigger(reason: string): void;
  /** Stop scheduling; wait for the running sync up to graceMs. Returns whether it finished. */
  stop(graceMs: number): Promise<boolean>;
  /**
   * Notes a successful fetch as it happens (the daemon wraps its git port with this), so the
   * daemon is ready as soon as git answered, not only when that first run has finished.
   */
  fetched(): void;
  ready(): { ready: boolean; why: string };
  /** Resolves when no sync is running or queued (for tests and the demo). */
  idle(): Promise<void>;
  readonly runs: number;
}

export function periodMs(schedule: string): number {
  const [a, b] = new CronTime(schedule, 'UTC').sendAt(2).map((d) => d.toMillis());
  return a !== undefined && b !== undefined ? b - a : 180_000;
}

export function createScheduler(opts: SchedulerOptions): Scheduler {
  const now = opts.now ?? Date.now;
  let running: Promise<void> | null = null;
  let queued: string | null = null;
  let debounce: NodeJS.Timeout | null = null;
  let stopped = false;
  let runs = 0;
  let firstFetch = 0;
  let lastSuccess = 0;
  let job: CronJob | null = null;
  const period = periodMs(opts.schedule);
  // The pending jitter wait of a scheduled tick; stop() ends it so no timer outlives the daemon.
  let jitter: { timer: NodeJS.Timeout; done: () => void } | null = null;
  const jitterWait = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        if (jitter) clearTimeout(jitter.timer);
        jitter = null;
        resolve();
      };
      jitter = { timer: setTimeout(done, ms), done };
    });

  const runLoop = async (reason: string): Promise<void> => {
    let next: string | null = reason;
    while (next && !stopped) {
      queued = null;
      runs += 1;
      const result = await opts.sync(next).catch((err: unknown) => {
        opts.logger.error({ err: (err as Error).message }, 'sync crashed');
        return undefined;
      });
      if (!firstFetch && result?.stages.some((s) => s.stage === 'fetch' && s.ok)) firstFetch = now();
      if (result?.ok) lastSuccess = now();
      next = queued;
    }
  };

  const startRun = (reason: string): void => {
    if (stopped) return;
    if (running) {
      queued = queued ?? reason;
      opts.logger.debug({ reason }, 'sync already running; one more queued');
      return;
    }
    running = runLoop(reason).finally(() => {
      running = null;
    });
  };

  return {
    get runs() {
      return runs;
    },
    start({ runAtStart = true } = {}) {
      job = CronJob.from({
        cronTime: opts.schedule,
        timeZone: 'UTC',
        start: true,
        waitForCompletion: true,
        onTick: async () => {
          const jitter = Math.floor(Math.random() * opts.jitterMs);
          if (jitter) await jitterWait(jitter);
          startRun('schedule');
          await running;
        },
        errorHandler: (err) => opts.logger.error({ err: (err as Error).message }, 'schedule tick failed'),
      });
      if (runAtStart) startRun('start');
    },
    trigger(reason) {
      if (debounce) clearTimeout(debounce);
      debounce = setTimeout(() => {
        debounce = null;
        startRun(reason);
      }, opts.debounceMs ?? 1000);
    },
    async stop(graceMs) {
      stopped = true;
      if (debounce) clearTimeout(debounce);
      jitter?.done();
      if (job) await Promise.race([job.stop(), new Promise((r) => setTimeout(r, 10))]);
      if (!running) return true;
      let timer: NodeJS.Timeout | undefined;
      const finished = await Promise.race([
        running.then(() => true),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(false), graceMs))),
      ]);
      clearTimeout(timer);
      return finished;
    },
    fetched() {
      if (!firstFetch) firstFetch = now();
    },
    ready() {
      if (!firstFetch) return { ready: false, why: 'no successful fetch yet' };
      const stale = (opts.stalePeriods ?? 3) * period;
      // Before any success, the grace period counts from the first fetch.
      if (now() - (lastSuccess || firstFetch) > stale)
        return { ready: false, why: `no successful sync within ${Math.round(stale / 1000)}s` };
      return { ready: true, why: 'ok' };
    },
    async idle() {
      while (running || debounce) {
        if (running) await running;
        else await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}
