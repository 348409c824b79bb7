/**
 * dkp-sim pretending to be an older Deckhouse (`deckhouseVersion` / `--deckhouse-version`):
 * 1.70 serves ModuleSource without `spec.scanInterval` (crds/versions.yaml), so a server-side
 * apply carrying it fails as on a real 1.70 cluster (500 "failed to create typed patch object",
 * kubernetes/kubernetes#139253), while create/update prune it per fieldValidation. kubectl is
 * the hand throughout.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { start, type SimInstance } from './index.ts';
import { call, moduleSource, msPath } from './test-helpers.ts';
import type { Obj } from './types.ts';

let old: SimInstance;
let newest: SimInstance;
let dir: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function kubectl(sim: SimInstance, ...args: string[]): Promise<Run> {
  const cache = join(dir, `cache-${sim.deckhouseVersion}`);
  return new Promise((resolve) => {
    const argv = ['--kubeconfig', sim.kubeconfigPath, '--cache-dir', cache, ...args];
    execFile('kubectl', argv, { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

function manifest(name: string, obj: Obj): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, stringify(obj));
  return file;
}

/** A ModuleSource that sets the 1.75 field `spec.scanInterval`. */
function withScanInterval(name: string): Obj {
  const ms = moduleSource(name);
  (ms.spec as Record<string, unknown>).scanInterval = '5m';
  return ms;
}

const typedPatchError = (name: string): string =>
  `failed to create typed patch object (/${name}; deckhouse.io/v1alpha1, Kind=ModuleSource): ` +
  '.spec.scanInterval: field not declared in schema';
const APPLY = 'application/apply-patch+yaml';
const CLI = new URL('./cli.ts', import.meta.url).pathname;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dkp-sim-versions-'));
  [old, newest] = await Promise.all([
    start({ deckhouseVersion: '1.70', controller: false }),
    start({ controller: false }),
  ]);
});
afterAll(async () => {
  await Promise.all([old?.stop(), newest?.stop()]);
});

describe('choosing the Deckhouse version', () => {
  it('defaults to the newest release and accepts X.Y, vX.Y and a patch version', async () => {
    expect(newest.deckhouseVersion).toBe('1.75');
    expect(old.deckhouseVersion).toBe('1.70');
    const patch = await start({ deckhouseVersion: 'v1.70.4', controller: false });
    expect(patch.deckhouseVersion).toBe('1.70');
    await patch.stop();
  });

  it('shows the version where a real cluster does: the Deployed DeckhouseRelease', async () => {
    for (const [sim, name] of [
      [old, 'v1.70.0'],
      [newest, 'v1.75.0'],
    ] as const) {
      const r = await kubectl(sim, 'get', 'deckhousereleases');
      expect(r.stdout.split('\n')[0]).toMatch(/^NAME\s+PHASE\s+TRANSITIONTIME\s+MESSAGE$/);
      expect(r.stdout.split('\n')[1]).toMatch(new RegExp(`^${name.replace(/\./g, '\\.')}\\s+Deployed\\s+\\d+s\\s*$`));
      const version = await kubectl(sim, 'get', 'deckhouserelease', name, '-o', 'jsonpath={.spec.version}');
      expect(version.stdout).toBe(name);
    }
  });

  it('refuses a release it has no CRDs for, naming the known ones', async () => {
    await expect(start({ deckhouseVersion: '1.69' })).rejects.toThrow(
      'unknown Deckhouse version "1.69"; known: 1.75, 1.70',
    );
  });

  it('--deckhouse-version of npm run dkp-sim serves that release', async () => {
    const args = ['--port', '0', '--kubeconfig', join(dir, 'cli-kc'), '--no-controller', '--deckhouse-version', '1.70'];
    const child = spawn(process.execPath, [CLI, ...args]);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    for (let i = 0; i < 100 && !out.includes('\n'); i++) await new Promise((r) => setTimeout(r, 50));
    const url = /at (\S+)/.exec(out)![1]!;
    const applied = await call(url, 'PATCH', `${msPath('cli-ms')}?fieldManager=t`, withScanInterval('cli-ms'), APPLY);
    expect(applied.status).toBe(500);
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  });

  it('--deckhouse-version with an unknown release exits 2 with the reason', async () => {
    const child = spawn(process.execPath, [CLI, '--port', '0', '--deckhouse-version', '2.0']);
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(2);
    expect(err).toContain('dkp-sim: unknown Deckhouse version "2.0"; known: 1.75, 1.70');
  });
});

describe('server-side apply of a field the served CRD does not declare', () => {
  it('fails on 1.70 with the apiserver 500 and stores nothing, dry run or not', async () => {
    const listRv = async (): Promise<string> => (await call(old.url, 'GET', msPath())).body.metadata.resourceVersion;
    const rvBefore = await listRv();
    old.control.resetRequests();
    const file = manifest('ssa-old', withScanInterval('ssa-old'));
    const dry = await kubectl(old, 'apply', '--server-side', '--dry-run=server', '-f', file);
    expect(dry.code).toBe(1);
    expect(dry.stderr).toContain(typedPatchError('ssa-old'));
    const r = await kubectl(old, 'apply', '--server-side', '-f', file);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`Error from server: ${typedPatchError('ssa-old')}\n`);
    const got = await kubectl(old, 'get', 'ms', 'ssa-old');
    expect(got.stderr).toContain('modulesources.deckhouse.io "ssa-old" not found');
    const counted = old.control.requests();
    expect(counted).toMatchObject({ writes: 1, dryRuns: 1, byVerb: { apply: 2, create: 0, update: 0 } });
    expect(await listRv()).toBe(rvBefore);
  });

  it('answers a Status with code 500 and no reason under every fieldValidation', async () => {
    for (const fv of ['Strict', 'Warn', 'Ignore']) {
      const path = `${msPath('raw')}?fieldManager=t&fieldValidation=${fv}`;
      const r = await call(old.url, 'PATCH', path, withScanInterval('raw'), APPLY);
      expect(r.status).toBe(500);
      // The body kubernetes/kubernetes#122480 quotes: no reason, no details.
      const message = typedPatchError('raw');
      expect(r.body).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, code: 500 });
    }
    expect((await call(old.url, 'GET', msPath('raw'))).status).toBe(404);
  });

  it('lists every undeclared field, as structured-merge-diff does', async () => {
    const body = withScanInterval('two');
    (body.spec as Record<string, Record<string, unknown>>).registry!.mirror = 'x';
    const r = await call(old.url, 'PATCH', `${msPath('two')}?fieldManager=t`, body, APPLY);
    expect(r.body.message).toBe(
      'failed to create typed patch object (/two; deckhouse.io/v1alpha1, Kind=ModuleSource): ' +
        'errors:\n' +
        '  .spec.registry.mirror: field not declared in schema\n  .spec.scanInterval: field not declared in schema',
    );
  });

  it('keeps accepting any field under x-kubernetes-preserve-unknown-fields (ModuleConfig settings)', async () => {
    const mc = {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ModuleConfig',
      metadata: { name: 'module-one' },
      spec: { enabled: false, version: 1, settings: { anything: { nested: true } } },
    };
    const r = await call(
      old.url,
      'PATCH',
      '/apis/deckhouse.io/v1alpha1/moduleconfigs/module-one?fieldManager=t',
      mc,
      APPLY,
    );
    expect(r.status).toBe(201);
    expect(r.body.spec.settings).toEqual({ anything: { nested: true } });
  });

  it('works on 1.70 without the field, and on the newest with it', async () => {
    const plain = await kubectl(old, 'apply', '--server-side', '-f', manifest('ssa-plain', moduleSource('ssa-plain')));
    expect(plain.stdout).toBe('modulesource.deckhouse.io/ssa-plain serverside-applied\n');
    const r = await kubectl(newest, 'apply', '--server-side', '-f', manifest('ssa-new', withScanInterval('ssa-new')));
    expect(r.stdout).toBe('modulesource.deckhouse.io/ssa-new serverside-applied\n');
    expect((await kubectl(newest, 'get', 'ms', 'ssa-new', '-o', 'jsonpath={.spec.scanInterval}')).stdout).toBe('5m');
  });
});

describe('client-side writes of the same object on 1.70', () => {
  it('kubectl apply (strict validation by default) fails with the decoder error and stores nothing', async () => {
    const r = await kubectl(old, 'apply', '-f', manifest('csa', withScanInterval('csa')));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('strict decoding error: unknown field "spec.scanInterval"');
    expect((await kubectl(old, 'get', 'ms', 'csa')).code).toBe(1);
  });

  it('kubectl create --validate=warn warns and prunes the field', async () => {
    const r = await kubectl(old, 'create', '--validate=warn', '-f', manifest('warned', withScanInterval('warned')));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Warning: unknown field "spec.scanInterval"');
    const stored = JSON.parse((await kubectl(old, 'get', 'ms', 'warned', '-o', 'json')).stdout) as Obj;
    const registry = { repo: 'registry.example.com/warned', dockerCfg: 'e30=', scheme: 'HTTPS' };
    expect(stored.spec).toEqual({ registry });
  });

  it('kubectl apply --validate=false prunes it silently', async () => {
    const r = await kubectl(old, 'apply', '--validate=false', '-f', manifest('quiet', withScanInterval('quiet')));
    expect(r).toMatchObject({ code: 0, stdout: 'modulesource.deckhouse.io/quiet created\n', stderr: '' });
    expect((await kubectl(old, 'get', 'ms', 'quiet', '-o', 'jsonpath={.spec}')).stdout).not.toContain('scanInterval');
  });

  it('kubectl patch and a merge patch under Warn are pruned to no change, with a warning', async () => {
    const patched = await kubectl(old, 'patch', 'ms', 'quiet', '--type=merge', '-p', '{"spec":{"scanInterval":"1h"}}');
    expect(patched).toMatchObject({ code: 0, stdout: 'modulesource.deckhouse.io/quiet patched (no change)\n' });
    expect(patched.stderr).toBe('Warning: unknown field "spec.scanInterval"\n');
    const before = (await call(old.url, 'GET', msPath('quiet'))).body.metadata.resourceVersion;
    const patch = { spec: { scanInterval: '1h' } };
    const warned = await call(old.url, 'PATCH', msPath('quiet'), patch, 'application/merge-patch+json');
    expect(warned.status).toBe(200);
    expect(warned.headers.get('warning')).toBe('299 - "unknown field \\"spec.scanInterval\\""');
    expect(warned.body.metadata.resourceVersion).toBe(before);
  });
});
