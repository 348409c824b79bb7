/**
 * The daemon's HTTP listener on 127.0.0.1:0 with a recording scheduler: webhooks reach the
 * scheduler only when verified, rejected payloads never reach the log, oversize bodies get
 * 413, and the health endpoints answer.
 */
import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Redactor } from '../../src/core/redact.ts';
import { createLogger } from '../../src/log.ts';
import { startHttp } from '../../src/server/http.ts';
import { createMetrics } from '../../src/server/metrics.ts';
import type { Scheduler } from '../../src/server/scheduler.ts';

const SECRET = 'listener-secret-42';
const MARKER = 'PAYLOAD-MARKER-7f3a';

const triggers: string[] = [];
let readiness = { ready: false, why: 'no successful fetch yet' };
const scheduler: Scheduler = {
  start() {},
  trigger: (reason) => void triggers.push(reason),
  stop: async () => true,
  fetched() {},
  ready: () => readiness,
  idle: async () => {},
  runs: 0,
};
const logs: string[] = [];
const logger = createLogger({
  format: 'json',
  level: 'debug',
  redactor: new Redactor(),
  write: (l) => void logs.push(l),
});

let http: Awaited<ReturnType<typeof startHttp>>;
beforeAll(async () => {
  http = await startHttp({
    host: '127.0.0.1',
    port: 0,
    scheduler,
    metrics: createMetrics(),
    logger,
    webhook: { secret: SECRET, branch: 'main', ownEmail: 'modsync@example.invalid' },
    maxBodyBytes: 64 * 1024,
  });
});
afterAll(async () => http?.close());
beforeEach(() => {
  triggers.length = 0;
  logs.length = 0;
});

function githubPush(opts: { ref?: string; delivery?: string; secret?: string; event?: string } = {}): {
  headers: Record<string, string>;
  body: string;
} {
  const body = JSON.stringify({
    ref: opts.ref ?? 'refs/heads/main',
    after: 'b'.repeat(40),
    commits: [{ message: MARKER, author: { email: 'dev@example.invalid' } }],
  });
  const sig = createHmac('sha256', opts.secret ?? SECRET)
    .update(body)
    .digest('hex');
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-github-event': opts.event ?? 'push',
      'x-github-delivery': opts.delivery ?? `d-${Math.random()}`,
      'x-hub-signature-256': `sha256=${sig}`,
    },
  };
}

async function post(
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  const res = await fetch(http.url + path, { method: 'POST', headers, body });
  return { status: res.status, text: await res.text() };
}

describe('webhooks through the listener', () => {
  it('a signed GitHub push to the tracked branch requests a sync', async () => {
    const { body, headers } = githubPush();
    expect(await post('/webhook/github', body, headers)).toEqual({ status: 202, text: 'sync requested\n' });
    expect(triggers).toEqual(['webhook:github']);
  });

  it('a signed Gitea push and a GitLab push with the token request a sync', async () => {
    const body = JSON.stringify({ ref: 'refs/heads/main', after: 'c'.repeat(40), commits: [] });
    const sig = createHmac('sha256', SECRET).update(body).digest('hex');
    expect(
      (
        await post('/webhook/gitea', body, {
          'x-gitea-event': 'push',
          'x-gitea-delivery': 'g1',
          'x-gitea-signature': sig,
        })
      ).status,
    ).toBe(202);
    expect(
      (
        await post('/webhook/gitlab', body, {
          'x-gitlab-event': 'Push Hook',
          'x-gitlab-event-uuid': 'l1',
          'x-gitlab-token': SECRET,
        })
      ).status,
    ).toBe(202);
    expect(triggers).toEqual(['webhook:gitea', 'webhook:gitlab']);
  });

  it('a bad signature gets 401 and is logged without the payload', async () => {
    const { body, headers } = githubPush({ secret: 'wrong-secret-000' });
    const res = await post('/webhook/github', body, headers);
    expect(res.status).toBe(401);
    expect(triggers).toEqual([]);
    const rejected = logs
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === 'webhook rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ forge: 'github', why: 'bad signature' });
    expect(logs.join('')).not.toContain(MARKER);
    expect(logs.join('')).not.toContain('refs/heads/main');
  });

  it('a push to another branch, a ping and a replayed delivery are acknowledged and ignored', async () => {
    const other = githubPush({ ref: 'refs/heads/feature' });
    expect(await post('/webhook/github', other.body, other.headers)).toMatchObject({
      status: 202,
      text: expect.stringContaining('ignored') as unknown as string,
    });
    const ping = githubPush({ event: 'ping' });
    expect((await post('/webhook/github', ping.body, ping.headers)).text).toBe('ignored: ping\n');
    const once = githubPush({ delivery: 'replayed-1' });
    expect((await post('/webhook/github', once.body, once.headers)).text).toBe('sync requested\n');
    expect((await post('/webhook/github', once.body, once.headers)).text).toBe(
      'ignored: delivery replayed-1 was already handled\n',
    );
    expect(triggers).toEqual(['webhook:github']);
  });

  it('an oversize body gets 413 and requests nothing', async () => {
    const { headers } = githubPush();
    const big = JSON.stringify({ ref: 'refs/heads/main', pad: 'x'.repeat(200 * 1024) });
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        http.url + '/webhook/github',
        { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(big) } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(big);
    });
    expect(status).toBe(413);
    expect(triggers).toEqual([]);
  });

  it('unknown paths are 404 and GET on a webhook path is not a push', async () => {
    expect((await fetch(http.url + '/webhook/bitbucket', { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await fetch(http.url + '/webhook/github')).status).toBe(404);
    expect(triggers).toEqual([]);
  });
});

describe('shutdown', () => {
  it.each(['with a declared length', 'streamed in chunks'])(
    'closes promptly after an oversize request %s was refused',
    async (how) => {
      const own = await startHttp({
        host: '127.0.0.1',
        port: 0,
        scheduler,
        metrics: createMetrics(),
        logger,
        webhook: { secret: SECRET, branch: 'main', ownEmail: 'x@example.invalid' },
        maxBodyBytes: 1024,
      });
      const big = 'x'.repeat(200 * 1024);
      const status = await new Promise<number>((resolve, reject) => {
        const chunked = how === 'streamed in chunks';
        const req = request(
          own.url + '/webhook/github',
          { method: 'POST', headers: chunked ? {} : { 'content-length': Buffer.byteLength(big) } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        if (chunked) for (let i = 0; i < big.length; i += 4096) req.write(big.slice(i, i + 4096));
        req.end(chunked ? undefined : big);
      });
      expect(status).toBe(413);
      const closed = await Promise.race([
        own.close().then(() => 'closed'),
        new Promise((r) => setTimeout(() => r('still open after 2s'), 2000)),
      ]);
      expect(closed).toBe('closed');
    },
  );
});

describe('POST /sync', () => {
  it('needs the secret as a bearer token', async () => {
    expect((await post('/sync', '', {})).status).toBe(401);
    expect((await post('/sync', '', { authorization: 'Bearer nope' })).status).toBe(401);
    expect(await post('/sync', '', { authorization: `Bearer ${SECRET}` })).toEqual({
      status: 202,
      text: 'sync requested\n',
    });
    expect(triggers).toEqual(['on-demand']);
  });
});

describe('health endpoints', () => {
  it('/healthz is always 200; /readyz follows the scheduler', async () => {
    expect((await fetch(http.url + '/healthz')).status).toBe(200);
    readiness = { ready: false, why: 'no successful fetch yet' };
    const before = await fetch(http.url + '/readyz');
    expect([before.status, await before.text()]).toEqual([503, 'no successful fetch yet\n']);
    readiness = { ready: true, why: 'ok' };
    expect((await fetch(http.url + '/readyz')).status).toBe(200);
  });

  it('/metrics is Prometheus text', async () => {
    const res = await fetch(http.url + '/metrics');
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await res.text()).toContain('# TYPE modsync_sync_runs_total counter');
  });
});
