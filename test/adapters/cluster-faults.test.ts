/**
 * The cluster adapter when the API server misbehaves (dkp-sim faults, and a server that never
 * answers): what is retried, what is reported, and that no request outlives its deadline.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createKubeAdapter, type KubeAdapterOptions } from '../../src/cluster/kube-adapter.ts';
import { KubeAccess } from '../../src/cluster/kube-access.ts';
import { loadKubeConfig } from '../../src/cluster/kubeconfig.ts';
import { ClusterError } from '../../src/core/errors.ts';
import type { KubeObject } from '../../src/core/object.ts';
import { start } from '../dkp-sim/index.ts';

type Sim = Awaited<ReturnType<typeof start>>;
let sim: Sim;

beforeAll(async () => {
  sim = await start({ port: 0, controller: false });
});
afterAll(async () => {
  await sim.stop();
});
beforeEach(() => {
  sim.control.clearFaults();
});

function adapter(extra: Partial<KubeAdapterOptions> = {}) {
  const { kc } = loadKubeConfig({ kubeconfig: sim.kubeconfigPath, env: {} });
  return createKubeAdapter({ kc, timeoutMs: 2000, retries: 3, baseDelayMs: 10, maxDelayMs: 50, ...extra });
}

const config: KubeObject = {
  apiVersion: 'deckhouse.io/v1alpha1',
  kind: 'ModuleConfig',
  metadata: { name: 'faulty' },
  spec: { version: 1 },
};

async function caught(promise: Promise<unknown>): Promise<ClusterError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ClusterError);
  return err as ClusterError;
}

describe('transient faults', () => {
  const cases = [
    { name: '500', rule: { status: 500 as const } },
    { name: '503', rule: { status: 503 as const } },
    { name: '429 (with Retry-After)', rule: { status: 429 as const } },
    { name: 'connection reset', rule: { reset: true as const } },
    { name: 'no answer', rule: { timeout: true as const } },
  ];

  for (const { name, rule } of cases) {
    it(`retries a LIST through two ${name} faults and succeeds`, async () => {
      const retries: number[] = [];
      const cluster = adapter({
        timeoutMs: 400,
        logger: { debug: () => {}, info: () => {}, warn: (o) => retries.push((o as { code: number }).code) },
      });
      sim.control.resetRequests();
      sim.control.setFaults([{ verb: 'list', resource: 'moduleconfigs', count: 2, ...rule }]);
      const items = await cluster.list('ModuleConfig');
      expect(Array.isArray(items)).toBe(true);
      expect(sim.control.requests().byVerb.list).toBe(3);
      expect(retries).toHaveLength(2);
    });
  }

  it('waits as long as Retry-After asks on 429', async () => {
    const cluster = adapter();
    await cluster.list('ModuleConfig');
    sim.control.setFaults([{ verb: 'list', resource: 'moduleconfigs', status: 429, count: 1 }]);
    const started = Date.now();
    await cluster.list('ModuleConfig');
    // dkp-sim answers `Retry-After: 1`; the configured backoff alone would be 10 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('retries an apply through a resourceVersion conflict (409 without field-manager causes)', async () => {
    const cluster = adapter();
    sim.control.setFaults([{ verb: 'apply', resource: 'moduleconfigs', status: 409, count: 1 }]);
    const stored = await cluster.apply(config, { dryRun: false });
    expect(stored.metadata.name).toBe('faulty');
  });
});

describe('persistent faults', () => {
  it('gives up after the retries with a ClusterError carrying the status code', async () => {
    const cluster = adapter({ retries: 2 });
    await cluster.list('ModuleConfig');
    sim.control.resetRequests();
    sim.control.setFaults([{ verb: 'apply', resource: 'moduleconfigs', status: 503 }]);
    const err = await caught(cluster.apply(config, { dryRun: false }));
    expect(err.code).toBe(503);
    expect(err.transient).toBe(true);
    expect(err.message).toMatch(/^ModuleConfig\/faulty: /);
    expect(sim.control.requests().byVerb.apply).toBe(3);
  });

  it('reports a request that never gets an answer as code 0 within its timeout', async () => {
    const cluster = adapter({ retries: 0, timeoutMs: 300 });
    await cluster.list('ModuleConfig');
    sim.control.setFaults([{ verb: 'get', resource: 'moduleconfigs', timeout: true }]);
    const started = Date.now();
    const err = await caught(cluster.get({ kind: 'ModuleConfig', name: 'faulty' }));
    const elapsed = Date.now() - started;
    expect(err.code).toBe(0);
    expect(err.message).toBe(`ModuleConfig/faulty: no answer from ${sim.url}: timed out after 300ms`);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1500);
  });

  it('does not depend on discovery: a broken discovery endpoint does not stop a LIST', async () => {
    const cluster = adapter({ retries: 0 });
    sim.control.setFaults([{ verb: 'discovery', status: 500 }]);
    sim.control.resetRequests();
    expect(Array.isArray(await cluster.list('ModuleSource'))).toBe(true);
    expect(sim.control.requests().total).toBe(1);
  });

  it('reports an unreachable server as code 0 naming the server and the reason', async () => {
    const kc = new KubeAccess();
    kc.loadFromOptions({
      clusters: [{ name: 'gone', server: 'http://127.0.0.1:1', skipTLSVerify: true }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'gone', cluster: 'gone', user: 'u' }],
      currentContext: 'gone',
    });
    const err = await caught(createKubeAdapter({ kc, retries: 0 }).list('ModuleConfig'));
    expect(err.code).toBe(0);
    expect(err.transient).toBe(true);
    expect(err.message).toMatch(/^ModuleConfig: cannot reach http:\/\/127.0.0.1:1: ECONNREFUSED/);
  });
});

describe('a server that never answers', () => {
  let server: Server;
  let closedAfterMs: number[] = [];
  let url = '';

  beforeAll(async () => {
    server = createServer((req, _res) => {
      const opened = Date.now();
      req.socket.on('close', () => closedAfterMs.push(Date.now() - opened));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('aborts the request itself: the server sees the connection closed at the deadline', async () => {
    closedAfterMs = [];
    const kc = new KubeAccess();
    kc.loadFromOptions({
      clusters: [{ name: 'silent', server: url, skipTLSVerify: true }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'silent', cluster: 'silent', user: 'u' }],
      currentContext: 'silent',
    });
    const cluster = createKubeAdapter({ kc, timeoutMs: 250, retries: 0 });
    const err = await caught(cluster.get({ kind: 'ModuleConfig', name: 'x' }));
    expect(err.code).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(closedAfterMs).toHaveLength(1);
    expect(closedAfterMs[0]).toBeGreaterThanOrEqual(200);
    expect(closedAfterMs[0]).toBeLessThan(1000);
  });
});
