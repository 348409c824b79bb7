/**
 * The daemon's scheduler with a fake sync function: scheduled and on-demand syncs, debounce
 * and coalescing, no overlap, graceful stop, and readiness over an injected clock. Time is
 * vitest's fake timers (the cron schedule's too), moved on by the tests, so nothing waits for
 * real; only the jitter test runs a process of its own on real time.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Redactor } from '../../src/core/redact.ts';
import { createLogger } from '../../src/log.ts';
import type { SyncResult } from '../../src/pipeline/types.ts';
import { createScheduler, periodMs, type Scheduler, type SchedulerOptions } from '../../src/server/scheduler.ts';

const SCHEDULER = fileURLToPath(new URL('../../src/server/scheduler.ts', import.meta.url));
const logger = createLogger({ format: 'json', level: 'silent', redactor: new Redactor() });
/** A timer-driven wait inside the fake sync (fake time, like everything here). */
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Lets `ms` of fake time pass: the timers due run, and the promise callbacks they start. */
async function pass(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
}

/** Moves fake time on in 10 ms steps until `cond` holds, at most `limitMs`. */
async function until(what: string, cond: () => boolean, limitMs = 5000): Promise<void> {
  for (let waited = 0; !cond(); waited += 10) {
    if (waited >= limitMs) throw new Error(`no ${what} within ${limitMs} ms`);
    await pass(10);
  }
}

/** Awaits a promise that itself waits on timers (idle(), stop()), moving fake time on meanwhile. */
async function settle<T>(promise: Promise<T>, limitMs = 10_000): Promise<T> {
  let done = false;
  const watched = promise.finally(() => {
    done = true;
  });
  await until('end of the wait', () => done, limitMs);
  return watched;
}

function result(ok: boolean, fetchOk = ok): SyncResult {
  return {
    commit: 'c1',
    changes: [],
    issues: [],
    requests: [],
    ok,
    stages: [{ stage: 'fetch', ok: fetchOk, durationMs: 1 }],
  };
}

/** A sync whose runs are recorded and can be held open until the test lets them finish. */
function fakeSync(opts: { holdMs?: number; outcome?: () => SyncResult } = {}) {
  const calls: string[] = [];
  let active = 0;
  let maxActive = 0;
  const gates: (() => void)[] = [];
  let manual = false;
  const sync = async (trigger: string): Promise<SyncResult> => {
    calls.push(trigger);
    active += 1;
    maxActive = Math.max(maxActive, active);
    if (manual) await new Promise<void>((r) => gates.push(r));
    else await sleep(opts.holdMs ?? 5);
    active -= 1;
    return opts.outcome ? opts.outcome() : result(true);
  };
  return {
    sync,
    calls,
    get maxActive() {
      return maxActive;
    },
    get active() {
      return active;
    },
    /** From now on runs wait for `release()`. */
    hold() {
      manual = true;
    },
    release() {
      manual = false;
      for (const g of gates.splice(0)) g();
    },
  };
}

let scheduler: Scheduler | undefined;
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(async () => {
  if (scheduler) await settle(scheduler.stop(1000));
  scheduler = undefined;
  vi.useRealTimers();
});

function make(over: Partial<SchedulerOptions> & Pick<SchedulerOptions, 'sync'>): Scheduler {
  scheduler = createScheduler({ schedule: '0 0 1 1 *', jitterMs: 0, logger, debounceMs: 20, ...over });
  return scheduler;
}

describe('scheduled syncs', () => {
  it('syncs once at start and then on every tick of the schedule', async () => {
    const fake = fakeSync();
    const s = make({ schedule: '* * * * * *', sync: fake.sync });
    s.start();
    await until('two scheduled syncs', () => fake.calls.filter((c) => c === 'schedule').length >= 2);
    expect(fake.calls[0]).toBe('start');
  });

  it('does not sync at start when asked not to', async () => {
    const fake = fakeSync();
    const s = make({ sync: fake.sync });
    s.start({ runAtStart: false });
    await pass(1000);
    expect(fake.calls).toEqual([]);
  });

  it('a period is the distance between two ticks of the cron expression', () => {
    expect(periodMs('*/2 * * * * *')).toBe(2000);
    expect(periodMs('*/3 * * * *')).toBe(180_000);
  });
});

describe('on-demand syncs', () => {
  it('a burst of triggers gives one sync after the debounce', async () => {
    const fake = fakeSync();
    const s = make({ sync: fake.sync, debounceMs: 400 });
    for (let i = 0; i < 5; i++) {
      s.trigger(`webhook:${i}`);
      await pass(10);
    }
    expect(fake.calls).toEqual([]);
    await settle(s.idle());
    expect(fake.calls).toEqual(['webhook:4']);
  });

  it('triggers during a running sync are coalesced into exactly one more sync after it', async () => {
    const fake = fakeSync();
    const s = make({ sync: fake.sync });
    fake.hold();
    s.trigger('first');
    await until('the first sync', () => fake.active === 1);
    for (const reason of ['a', 'b', 'c']) {
      s.trigger(reason);
      await pass(60); // past the debounce each time: every one reaches the running sync
    }
    expect(fake.calls).toEqual(['first']);
    fake.release();
    await settle(s.idle());
    expect(fake.calls).toEqual(['first', 'a']);
    expect(s.runs).toBe(2);
  });

  it('never runs two syncs at once, whatever mix of ticks and triggers arrives', async () => {
    const fake = fakeSync({ holdMs: 150 });
    const s = make({ schedule: '* * * * * *', sync: fake.sync, debounceMs: 0 });
    s.start();
    for (let elapsed = 0; elapsed < 1500; elapsed += 7) {
      s.trigger('flood');
      await pass(7);
    }
    await settle(s.idle());
    expect(fake.calls.length).toBeGreaterThanOrEqual(3);
    expect(fake.maxActive).toBe(1);
  });

  it('a sync that throws does not stop later syncs', async () => {
    let n = 0;
    const s = make({
      sync: async () => {
        n += 1;
        if (n === 1) throw new Error('boom');
        return result(true);
      },
    });
    s.trigger('one');
    await pass(40);
    await settle(s.idle());
    s.trigger('two');
    await pass(40);
    await settle(s.idle());
    expect(n).toBe(2);
    expect(s.ready().ready).toBe(true);
  });
});

describe('stop', () => {
  it('waits for the running sync and reports that it finished', async () => {
    const fake = fakeSync({ holdMs: 300 });
    const s = make({ sync: fake.sync });
    s.start();
    await pass(30);
    expect(fake.active).toBe(1);
    const t0 = Date.now();
    const finished = await settle(s.stop(5000));
    expect(finished).toBe(true);
    expect(fake.active).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
  });

  it('returns false when the grace period runs out before the sync ends', async () => {
    const fake = fakeSync();
    fake.hold();
    const s = make({ sync: fake.sync });
    s.start();
    await pass(30);
    const t0 = Date.now();
    expect(await settle(s.stop(150))).toBe(false);
    expect(Date.now() - t0).toBeLessThan(1000);
    fake.release();
  });

  it('starts nothing after stop: queued and later triggers are dropped', async () => {
    const fake = fakeSync();
    fake.hold();
    const s = make({ sync: fake.sync });
    s.start();
    await pass(30);
    s.trigger('queued');
    await pass(40);
    const stopping = s.stop(2000);
    s.trigger('late');
    fake.release();
    expect(await settle(stopping)).toBe(true);
    await pass(60);
    expect(fake.calls).toEqual(['start']);
  });
});

describe('stop during the jitter wait', () => {
  it('ends the wait, so a stopped daemon exits at once instead of after the jitter', () => {
    // A process of its own, on real time: what matters is whether a leftover timer keeps it alive.
    // An hour of jitter: with a minute, a draw under a second let the sync run first (~1 in 100).
    vi.useRealTimers();
    const script = `
      import { createScheduler } from ${JSON.stringify(SCHEDULER)};
      const noop = () => {};
      const s = createScheduler({ schedule: '* * * * * *', jitterMs: 3600000, logger: { debug: noop, error: noop }, sync: async () => { console.log('synced'); } });
      s.start({ runAtStart: false });
      setTimeout(async () => console.log('stopped', await s.stop(1000)), 1100);
    `;
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 10_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('stopped true\n');
    expect(r.signal).toBeNull();
    expect(Date.now() - t0).toBeLessThan(8000);
  });
});

describe('readiness', () => {
  const schedule = '*/10 * * * * *'; // a 10 s period; 3 periods = 30 s
  function clocked(outcomes: SyncResult[]) {
    let t = 1_000_000;
    const fake = fakeSync({ outcome: () => outcomes.shift() ?? result(true) });
    const s = make({ schedule, sync: fake.sync, now: () => t, stalePeriods: 3 });
    return { s, advance: (ms: number) => (t += ms) };
  }
  async function syncOnce(s: Scheduler): Promise<void> {
    s.trigger('test');
    await pass(40);
    await settle(s.idle());
  }

  it('is not ready before the first fetch, and ready after it', async () => {
    const { s } = clocked([result(true)]);
    expect(s.ready()).toEqual({ ready: false, why: 'no successful fetch yet' });
    await syncOnce(s);
    expect(s.ready().ready).toBe(true);
  });

  it('is ready as soon as a fetch is reported, while that run still goes on', async () => {
    const { s } = clocked([]);
    s.fetched();
    expect(s.ready().ready).toBe(true);
  });

  it('a run whose fetch failed does not make it ready', async () => {
    const { s } = clocked([result(false, false)]);
    await syncOnce(s);
    expect(s.ready().ready).toBe(false);
  });

  it('a fetched but failed run makes it ready, until N periods pass without a success', async () => {
    const { s, advance } = clocked([result(false, true), result(false, true)]);
    await syncOnce(s);
    expect(s.ready().ready).toBe(true);
    advance(31_000);
    await syncOnce(s);
    expect(s.ready()).toEqual({ ready: false, why: 'no successful sync within 30s' });
  });

  it('goes unready when the last success is older than N periods, and ready again after a success', async () => {
    const { s, advance } = clocked([result(true), result(false, true), result(true)]);
    await syncOnce(s);
    advance(29_000);
    expect(s.ready().ready).toBe(true);
    await syncOnce(s); // fails
    advance(2_000);
    expect(s.ready().ready).toBe(false);
    await syncOnce(s); // succeeds
    expect(s.ready().ready).toBe(true);
  });
});
