/**
 * The cluster adapter's OpenAPI v3 reads (index, then documents by hash, cached on disk) against
 * dkp-sim, and which 5xx answers it does not retry: those the apiserver gives for a request
 * that fails the same way every time.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeAccess } from '../../src/cluster/kube-access.ts';
import { createKubeAdapter } from '../../src/cluster/kube-adapter.ts';
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

function adapter(cacheDir?: string) {
  const { kc } = loadKubeConfig({ kubeconfig: sim.kubeconfigPath, env: {} });
  return createKubeAdapter({
    kc,
    timeoutMs: 2000,
    retries: 1,
    baseDelayMs: 10,
    maxDelayMs: 50,
    openApiCacheDir: cacheDir,
  });
}

describe('openApiSchemas', () => {
  it('reads the documents of the asked group versions through the index, without those not served', async () => {
    sim.control.resetRequests();
    const docs = await adapter().openApiSchemas(['deckhouse.io/v1alpha1', 'deckhouse.io/v1alpha2', 'deckhouse.io/v9']);
    expect([...docs.keys()].sort()).toEqual(['deckhouse.io/v1alpha1', 'deckhouse.io/v1alpha2']);
    const schemas = (docs.get('deckhouse.io/v1alpha1')!.components as { schemas: Record<string, unknown> }).schemas;
    expect(Object.keys(schemas).some((name) => name.endsWith('ModuleConfig'))).toBe(true);
    // The index and one document per served group version.
    expect(sim.control.requests().total).toBe(3);
  });

  it('costs one request (the index) when the documents are cached under their hash, in a new adapter too', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'modsync-openapi-'));
    await adapter(cacheDir).openApiSchemas(['deckhouse.io/v1alpha1']);
    expect(readdirSync(cacheDir)).toHaveLength(1);
    sim.control.resetRequests();
    const again = await adapter(cacheDir).openApiSchemas(['deckhouse.io/v1alpha1']);
    expect(again.get('deckhouse.io/v1alpha1')?.openapi).toMatch(/^3\./);
    expect(sim.control.requests().total).toBe(1);
  });

  it('asks nothing for no group versions', async () => {
    sim.control.resetRequests();
    expect((await adapter().openApiSchemas([])).size).toBe(0);
    expect(sim.control.requests().total).toBe(0);
  });
});

describe('5xx answers', () => {
  let server: Server;
  let answer: { code: number; message: string };
  let hits = 0;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      hits++;
      res.writeHead(answer.code, { 'content-type': 'application/json' });
      const { code, message } = answer;
      const status = { kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason: 'InternalError', code };
      res.end(JSON.stringify(status));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  async function applyAgainst(code: number, message: string): Promise<ClusterError> {
    answer = { code, message };
    hits = 0;
    const kc = new KubeAccess();
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: url, skipTLSVerify: true }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
      currentContext: 'c',
    });
    const cluster = createKubeAdapter({ kc, retries: 2, baseDelayMs: 1, maxDelayMs: 2 });
    const obj: KubeObject = {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleSource',
      metadata: { name: 'old' },
      spec: { scanInterval: '5m' },
    };
    const err = await cluster.apply(obj, { dryRun: false }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ClusterError);
    return err as ClusterError;
  }

  // Messages as the apiserver writes them: fieldmanager (typed patch), webhook/errors/statuserror.go
  // (a webhook's denial with the code it chose), and a webhook that could not be called.
  it('does not retry a typed-patch failure (a field the cluster schema does not declare)', async () => {
    const msg =
      'failed to create typed patch object (/old; deckhouse.io/v1alpha1, Kind=ModuleSource): ' +
      '.spec.scanInterval: field not declared in schema';
    const err = await applyAgainst(500, msg);
    expect(err.message).toBe(`ModuleSource/old: ${msg}`);
    expect(err.transient).toBe(false);
    expect(hits).toBe(1);
  });

  it('does not retry an admission webhook denial the webhook reported as 500', async () => {
    const denied = 'Internal error occurred: admission webhook "v.example.io" denied the request: no';
    const err = await applyAgainst(500, denied);
    expect(err.transient).toBe(false);
    expect(hits).toBe(1);
  });

  it('retries a webhook that could not be called, and other 500s', async () => {
    const unreachable = 'Internal error occurred: failed calling webhook "v.example.io": connection refused';
    const err = await applyAgainst(500, unreachable);
    expect(err.transient).toBe(true);
    expect(hits).toBe(3);
    await applyAgainst(503, 'the server is currently unable to handle the request');
    expect(hits).toBe(3);
  });
});
