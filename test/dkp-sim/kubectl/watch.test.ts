/**
 * WATCH over raw HTTP: initial ADDED events, live events with selectors, replay from a
 * resourceVersion, 410 Expired for compacted positions, bookmarks and timeoutSeconds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, type SimInstance } from '../index.ts';
import { call, moduleSource, msPath, readWatch } from '../test-helpers.ts';

let sim: SimInstance;
let base: string;

beforeAll(async () => {
  sim = await start({ controller: false, watchHistory: 50, bookmarkMs: 100 });
  base = sim.url;
});
afterAll(async () => {
  await sim.stop();
});

describe('watch', () => {
  it('starts with ADDED for existing objects, then streams changes', async () => {
    await call(base, 'POST', msPath(), moduleSource('w-a'));
    const events = await readWatch(base, `${msPath()}?watch=1`, 3, 3000, async () => {
      await call(base, 'PATCH', msPath('w-a'), { metadata: { labels: { x: 'y' } } }, 'application/merge-patch+json');
      await call(base, 'DELETE', msPath('w-a'));
    });
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual([
      'ADDED w-a',
      'MODIFIED w-a',
      'DELETED w-a',
    ]);
    expect(events[1]!.object.metadata.labels).toEqual({ x: 'y' });
  });

  it('replays history after a resourceVersion and turns selector exits into DELETED', async () => {
    const created = (
      await call(base, 'POST', msPath(), { ...moduleSource('w-b'), metadata: { name: 'w-b', labels: { team: 'a' } } })
    ).body;
    await call(base, 'PATCH', msPath('w-b'), { metadata: { labels: { team: 'b' } } }, 'application/merge-patch+json');
    const events = await readWatch(
      base,
      `${msPath()}?watch=true&labelSelector=team%3Da&resourceVersion=${Number(created.metadata.resourceVersion) - 1}`,
      2,
    );
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'DELETED']);
    expect(events[1]!.object.metadata.labels).toEqual({ team: 'b' });
  });

  it('sends a single DELETED when an update releases the last finalizer', async () => {
    const created = (
      await call(base, 'POST', msPath(), {
        ...moduleSource('w-f'),
        metadata: { name: 'w-f', finalizers: ['example.com/hold'] },
      })
    ).body;
    const events = await readWatch(
      base,
      `${msPath()}?watch=1&resourceVersion=${created.metadata.resourceVersion}`,
      3,
      1000,
      async () => {
        await call(base, 'DELETE', msPath('w-f'));
        await call(base, 'PATCH', msPath('w-f'), { metadata: { finalizers: null } }, 'application/merge-patch+json');
      },
    );
    expect(events.map((e) => e.type)).toEqual(['MODIFIED', 'DELETED']);
    expect(events[1]!.object.metadata.finalizers).toBeUndefined();
  });

  it('does not send events for no-op writes', async () => {
    const created = (await call(base, 'POST', msPath(), moduleSource('w-c'))).body;
    const events = await readWatch(
      base,
      `${msPath()}?watch=1&resourceVersion=${created.metadata.resourceVersion}`,
      1,
      800,
      async () => {
        await call(base, 'PUT', msPath('w-c'), created);
      },
    );
    expect(events).toEqual([]);
  });

  it('sends one 410 Expired ERROR and closes for a compacted resourceVersion', async () => {
    for (let i = 0; i < 60; i++)
      await call(
        base,
        'PATCH',
        msPath('w-c'),
        { metadata: { annotations: { n: String(i) } } },
        'application/merge-patch+json',
      );
    const events = await readWatch(base, `${msPath()}?watch=1&resourceVersion=2`, 5, 2000);
    expect(events).toHaveLength(1);
    expect(events[0]!.type).toBe('ERROR');
    expect(events[0]!.object).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 });
    expect((events[0]!.object as unknown as { message: string }).message).toMatch(
      /^too old resource version: 2 \(\d+\)$/,
    );
  });

  it('sends BOOKMARK events when allowed and ends at timeoutSeconds', async () => {
    const t0 = Date.now();
    const rv = (await call(base, 'GET', msPath())).body.metadata.resourceVersion;
    const events = await readWatch(
      base,
      `${msPath()}?watch=1&allowWatchBookmarks=true&timeoutSeconds=1&resourceVersion=${rv}`,
      100,
      5000,
    );
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events.every((e) => e.type === 'BOOKMARK')).toBe(true);
    expect(events[0]!.object).toMatchObject({
      kind: 'ModuleSource',
      apiVersion: 'deckhouse.io/v1alpha1',
      metadata: { resourceVersion: rv },
    });
  });

  it('flushes headers before any event', async () => {
    const ctrl = new AbortController();
    const res = await fetch(
      `${base}${msPath()}?watch=1&resourceVersion=${(await call(base, 'GET', msPath())).body.metadata.resourceVersion}`,
      { signal: ctrl.signal },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    ctrl.abort();
  });
});
