/**
 * How the API layer wires the Deckhouse parts: admission denials and warnings reach HTTP clients
 * as Status objects and Warning headers, controller writes go through the same machinery
 * (managedFields as deckhouse-controller, resourceVersion bumps, events) without admission,
 * and the CLI starts, prints its ready line and stops on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClock } from './clock.ts';
import { CONTROLLER_MANAGER, createInternalApi } from './internal-api.ts';
import { start, type SimInstance } from './index.ts';
import { defaultRegistry } from './resources.ts';
import { Store } from './store.ts';
import { call, moduleSource, msPath } from './test-helpers.ts';
import type { StoreEvent } from './types.ts';

let sim: SimInstance;
let base: string;

beforeAll(async () => {
  sim = await start({ tickMs: 60_000 });
  base = sim.url;
  sim.control.reconcileNow();
});
afterAll(async () => {
  await sim.stop();
});

describe('admission through HTTP', () => {
  it('answers denials with the admission result as a Status', async () => {
    const r = await call(base, 'DELETE', msPath('deckhouse'));
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403 });
    expect(r.body.message).toContain('modulesources.deckhouse.io "deckhouse" is forbidden: ValidatingAdmissionPolicy');
    expect((await call(base, 'GET', msPath('deckhouse'))).status).toBe(200);
  });

  it('runs admission on dry runs too', async () => {
    const r = await call(base, 'DELETE', `${msPath('deckhouse')}?dryRun=All`);
    expect(r.status).toBe(403);
  });

  it('sends admission warnings as Warning headers on allowed writes', async () => {
    const mc = {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleConfig',
      metadata: { name: 'no-such-module' },
      spec: { enabled: false },
    };
    const r = await call(base, 'POST', '/apis/deckhouse.io/v1alpha1/moduleconfigs', mc);
    expect(r.status).toBe(201);
    expect(r.headers.get('warning')).toBe(`299 - "the 'no-such-module' module not found"`);
  });
});

describe('InternalApi', () => {
  it('writes with defaults, managedFields of deckhouse-controller, rv bumps and events; skips no-ops', () => {
    const store = new Store();
    const api = createInternalApi(defaultRegistry(), store, createClock());
    const events: StoreEvent[] = [];
    api.onChange((e) => events.push(e));
    const created = api.create('modulesources', moduleSource('int-a'));
    expect((created.spec as { registry: { scheme: string } }).registry.scheme).toBe('HTTPS');
    expect(created.metadata.managedFields).toEqual([
      expect.objectContaining({ manager: CONTROLLER_MANAGER, operation: 'Update' }),
    ]);
    const withStatus = api.update(
      'modulesources',
      'int-a',
      (o) => {
        o.status = { message: 'hello' };
      },
      { subresource: 'status' },
    )!;
    expect(withStatus.status).toEqual({ message: 'hello' });
    expect(Number(withStatus.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
    const same = api.update('modulesources', 'int-a', () => {}, {});
    expect(same?.metadata.resourceVersion).toBe(withStatus.metadata.resourceVersion);
    expect(api.update('modulesources', 'gone', () => {})).toBeUndefined();
    api.remove('modulesources', 'int-a');
    expect(api.get('modulesources', 'int-a')).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
  });

  it('rejects invalid controller writes with the Invalid Status', () => {
    const api = createInternalApi(defaultRegistry(), new Store(), createClock());
    const bad = moduleSource('int-b', { spec: { registry: { repo: 'r', dockerCfg: 'e30=', scheme: 'FTP' } } });
    expect(() => api.create('modulesources', bad)).toThrow(/ModuleSource.deckhouse.io "int-b" is invalid/);
  });
});

describe('cli', () => {
  it('prints one ready line, writes the kubeconfig and stops cleanly on SIGTERM', async () => {
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'dkp-sim-cli-')), 'kc');
    const child = spawn(process.execPath, [
      new URL('./cli.ts', import.meta.url).pathname,
      '--port',
      '0',
      '--kubeconfig',
      kubeconfig,
      '--tick-ms',
      '50',
    ]);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    for (let i = 0; i < 100 && !out.includes('\n'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(out).toMatch(/^dkp-sim ready at http:\/\/127\.0\.0\.1:\d+ \(kubeconfig .*\/kc\)\n$/);
    const url = /at (\S+)/.exec(out)![1]!;
    expect(existsSync(kubeconfig)).toBe(true);
    expect(readFileSync(kubeconfig, 'utf8')).toContain(`server: ${url}`);
    expect((await call(url, 'GET', '/version')).status).toBe(200);
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(out.split('\n').filter(Boolean)).toHaveLength(1);
  });
});
