/**
 * The `/_sim/*` control API: request counters, each kind of injected fault, the clock,
 * publish and reconcile (with the controller running).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { start, type SimInstance } from './index.ts';
import { call, moduleSource, msPath } from './test-helpers.ts';

let sim: SimInstance;
let base: string;

beforeAll(async () => {
  sim = await start({ tickMs: 60_000 });
  base = sim.url;
});
afterAll(async () => {
  await sim.stop();
});
beforeEach(async () => {
  await call(base, 'DELETE', '/_sim/faults');
  await call(base, 'POST', '/_sim/requests/reset');
});

describe('request counters', () => {
  it('counts each verb, per resource, dry runs apart from writes, and not /_sim itself', async () => {
    await call(base, 'GET', '/apis/deckhouse.io/v1alpha1');
    await call(base, 'GET', msPath());
    await call(base, 'GET', msPath('deckhouse'));
    await call(base, 'POST', msPath(), moduleSource('count-a'));
    await call(base, 'POST', `${msPath()}?dryRun=All`, moduleSource('count-b'));
    await call(base, 'PATCH', msPath('count-a'), { metadata: { labels: { a: 'b' } } }, 'application/merge-patch+json');
    await call(
      base,
      'PATCH',
      `${msPath('count-a')}?fieldManager=t`,
      moduleSource('count-a'),
      'application/apply-patch+yaml',
    );
    await call(base, 'DELETE', msPath('count-a'));
    const r = await call(base, 'GET', '/_sim/requests');
    expect(r.body).toMatchObject({
      total: 8,
      writes: 4,
      dryRuns: 1,
      byVerb: { discovery: 1, list: 1, get: 1, create: 2, patch: 1, apply: 1, delete: 1, update: 0, watch: 0 },
      byResource: { modulesources: { list: 1, get: 1, create: 2, patch: 1, apply: 1, delete: 1 } },
    });
    await call(base, 'POST', '/_sim/requests/reset');
    expect((await call(base, 'GET', '/_sim/requests')).body).toMatchObject({ total: 0, writes: 0, byResource: {} });
  });

  it('is readable in-process through control', async () => {
    await call(base, 'GET', msPath());
    expect(sim.control.requests().byVerb.list).toBe(1);
    sim.control.resetRequests();
    expect(sim.control.requests().total).toBe(0);
  });
});

describe('faults', () => {
  it('answers 500, 503, 429 with Retry-After, and forced 409s as Status objects, only for matching requests', async () => {
    await call(base, 'POST', '/_sim/faults', [
      { verb: 'list', resource: 'modulesources', status: 500 },
      { verb: 'get', resource: 'modulesources', name: 'deckhouse', status: 503 },
      { verb: 'list', resource: 'moduleconfigs', status: 429 },
      { verb: 'update', status: 409 },
    ]);
    const e500 = await call(base, 'GET', msPath());
    expect(e500.status).toBe(500);
    expect(e500.body).toMatchObject({ kind: 'Status', reason: 'InternalError', code: 500 });
    expect((await call(base, 'GET', msPath('deckhouse'))).body).toMatchObject({
      reason: 'ServiceUnavailable',
      code: 503,
    });
    expect((await call(base, 'GET', msPath('other'))).status).toBe(404);
    const e429 = await call(base, 'GET', '/apis/deckhouse.io/v1alpha1/moduleconfigs');
    expect(e429.status).toBe(429);
    expect(e429.headers.get('retry-after')).toBe('1');
    expect(e429.body.reason).toBe('TooManyRequests');
    const e409 = await call(base, 'PUT', msPath('deckhouse'), moduleSource('deckhouse'));
    expect(e409.status).toBe(409);
    expect(e409.body.message).toContain('the object has been modified');
    expect((await call(base, 'GET', '/_sim/requests')).status).toBe(200);
  });

  it('limits hits with count and rate', async () => {
    await call(base, 'POST', '/_sim/faults', [
      { verb: 'list', status: 503, count: 2 },
      { verb: 'get', status: 500, rate: 0 },
    ]);
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await call(base, 'GET', msPath())).status);
    expect(codes).toEqual([503, 503, 200]);
    expect((await call(base, 'GET', msPath('deckhouse'))).status).toBe(200);
  });

  it('adds latency', async () => {
    await call(base, 'POST', '/_sim/faults', [{ verb: 'get', latencyMs: 300 }]);
    const t0 = Date.now();
    expect((await call(base, 'GET', msPath('deckhouse'))).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  });

  it('never answers under timeout and resets connections under reset', async () => {
    await call(base, 'POST', '/_sim/faults', [
      { verb: 'get', resource: 'modulesources', timeout: true },
      { verb: 'list', resource: 'modulesources', reset: true },
    ]);
    const t0 = Date.now();
    await expect(fetch(`${base}${msPath('deckhouse')}`, { signal: AbortSignal.timeout(400) })).rejects.toThrow();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(390);
    await expect(fetch(`${base}${msPath()}`)).rejects.toThrow(/fetch failed/);
    await call(base, 'DELETE', '/_sim/faults');
    expect((await call(base, 'GET', msPath())).status).toBe(200);
  });

  it('rejects malformed rules', async () => {
    const r = await call(base, 'POST', '/_sim/faults', [{ status: 418 }]);
    expect(r.status).toBe(400);
    expect(r.body.error).toContain('status must be one of');
  });
});

describe('clock, publish, reconcile', () => {
  it('reads, sets and advances the simulation clock', async () => {
    const set = await call(base, 'POST', '/_sim/clock', { now: '2030-01-01T00:00:00Z' });
    expect(Date.parse(set.body.now)).toBeGreaterThanOrEqual(Date.parse('2030-01-01T00:00:00Z'));
    expect(Date.parse(set.body.now)).toBeLessThan(Date.parse('2030-01-01T00:00:05Z'));
    const adv = await call(base, 'POST', '/_sim/clock', { advanceSeconds: 3600 });
    expect(Date.parse(adv.body.now)).toBeGreaterThanOrEqual(Date.parse('2030-01-01T01:00:00Z'));
    expect(Date.parse((await call(base, 'GET', '/_sim/clock')).body.now)).toBeGreaterThanOrEqual(
      Date.parse('2030-01-01T01:00:00Z'),
    );
    const created = await call(base, 'POST', msPath(), moduleSource('clock-a'));
    expect(created.body.metadata.creationTimestamp).toMatch(/^2030-01-01T01:/);
    sim.control.clock.set(new Date());
  });

  it('publishes a version the controller picks up on the next reconcile', async () => {
    await call(
      base,
      'POST',
      msPath(),
      moduleSource('pub-src', {
        spec: { registry: { repo: 'registry.example.com/deckhouse/modules', dockerCfg: 'e30=' } },
      }),
    );
    expect((await call(base, 'POST', '/_sim/reconcile')).status).toBe(200);
    const bad = await call(base, 'POST', '/_sim/publish', { module: 'module-two' });
    expect(bad.status).toBe(400);
    const pub = await call(base, 'POST', '/_sim/publish', {
      repo: 'registry.example.com/deckhouse/modules',
      module: 'module-two',
      version: '1.2.9',
      channel: 'Stable',
    });
    expect(pub.status).toBe(200);
    await call(base, 'POST', '/_sim/reconcile');
    const src = sim.control.view.get('modulesources', 'pub-src');
    const mods = (src?.status as { modules?: { name: string; version?: string }[] } | undefined)?.modules ?? [];
    expect(mods.find((m) => m.name === 'module-two')?.version).toBe('v1.2.9');
  });
});
