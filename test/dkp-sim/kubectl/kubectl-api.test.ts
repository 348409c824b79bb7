/**
 * kubectl as dkp-sim's conformance client: table output with the CRDs' printer columns,
 * output formats, client-side and server-side apply (conflicts, --force-conflicts), diff,
 * label/annotate, delete, watch and explain, each checked by stdout/stderr/exit code.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { start, type SimInstance } from '../index.ts';
import { moduleSource } from '../test-helpers.ts';
import type { Obj } from '../types.ts';

let sim: SimInstance;
let dir: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function kubectl(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      'kubectl',
      ['--kubeconfig', sim.kubeconfigPath, '--cache-dir', join(dir, 'cache'), ...args],
      { timeout: 20_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function manifest(name: string, obj: Obj): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, stringify(obj));
  return file;
}

/** Splits table output into rows of cells (columns separated by 2+ spaces). */
function table(out: string): string[][] {
  return out
    .trimEnd()
    .split('\n')
    .map((l) => l.trim().split(/\s{2,}/));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dkp-sim-kubectl-'));
  sim = await start({ tickMs: 60_000 });
  sim.control.reconcileNow();
});
afterAll(async () => {
  await sim.stop();
});

describe('kubectl get', () => {
  it('prints the ModuleSource printer columns with ages', async () => {
    const r = await kubectl('get', 'ms');
    expect(r.code).toBe(0);
    const rows = table(r.stdout);
    expect(rows[0]).toEqual(['NAME', 'COUNT', 'STATUS', 'SYNC', 'MSG']);
    expect(rows[1]![0]).toBe('deckhouse');
    // The built-in source has no modules count yet (an empty cell); SYNC is an age like `3s`.
    expect(rows[1]).toContain('Active');
    expect(rows[1]!.some((c) => /^\d+s$/.test(c))).toBe(true);
  });

  it('prints ModuleConfig, ModuleUpdatePolicy, ModuleRelease and Module columns, wide adds priority columns', async () => {
    expect(table((await kubectl('get', 'mc')).stdout)[0]).toEqual(['NAME', 'ENABLED', 'VERSION', 'AGE', 'MESSAGE']);
    expect(table((await kubectl('get', 'mc', '-o', 'wide')).stdout)[0]).toEqual([
      'NAME',
      'ENABLED',
      'UPDATEPOLICY',
      'SOURCE',
      'VERSION',
      'AGE',
      'MESSAGE',
    ]);
    const mup = await kubectl(
      'apply',
      '-f',
      manifest('mup', {
        apiVersion: 'deckhouse.io/v1alpha2',
        kind: 'ModuleUpdatePolicy',
        metadata: { name: 'manual' },
        spec: { update: { mode: 'Manual' } },
      }),
    );
    expect(mup.stdout).toBe('moduleupdatepolicy.deckhouse.io/manual created\n');
    const mups = table((await kubectl('get', 'mup')).stdout);
    expect(mups[0]).toEqual(['NAME', 'RELEASE CHANNEL', 'UPDATE MODE']);
    expect(mups[1]).toEqual(['manual', 'Stable', 'Manual']);
    expect((await kubectl('get', 'mr')).stderr).toBe('No resources found\n');
    expect((await kubectl('get', 'module')).code).toBe(0);
  });

  it('prints -o yaml, -o json and -o jsonpath', async () => {
    const y = await kubectl('get', 'ms', 'deckhouse', '-o', 'yaml');
    expect(y.stdout).toMatch(/^apiVersion: deckhouse.io\/v1alpha1\nkind: ModuleSource\n/);
    const j = JSON.parse((await kubectl('get', 'ms', '-o', 'json')).stdout);
    expect(j.kind).toBe('List');
    expect(j.items[0].metadata.name).toBe('deckhouse');
    const p = await kubectl('get', 'ms', '-o', 'jsonpath={.items[*].metadata.name}');
    expect(p.stdout).toBe('deckhouse');
  });

  it('reports NotFound like the apiserver', async () => {
    const r = await kubectl('get', 'ms', 'nope');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error from server (NotFound): modulesources.deckhouse.io "nope" not found\n');
  });

  it('works with namespaces for Leases', async () => {
    const r = await kubectl('-n', 'modsync', 'get', 'leases');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('No resources found in modsync namespace.\n');
    expect((await kubectl('get', 'ns', 'd8-system', '-o', 'name')).stdout).toBe('namespace/d8-system\n');
  });
});

describe('kubectl apply, diff, label, annotate, delete', () => {
  it('applies client-side: created, unchanged, configured', async () => {
    const file = manifest('ms-a', moduleSource('k-a'));
    expect((await kubectl('apply', '-f', file)).stdout).toBe('modulesource.deckhouse.io/k-a created\n');
    expect((await kubectl('apply', '-f', file)).stdout).toBe('modulesource.deckhouse.io/k-a unchanged\n');
    const changed = manifest(
      'ms-a',
      moduleSource('k-a', { spec: { registry: { repo: 'registry.example.com/k-a2', dockerCfg: 'e30=' } } }),
    );
    expect((await kubectl('apply', '-f', changed)).stdout).toBe('modulesource.deckhouse.io/k-a configured\n');
  });

  it('rejects unknown fields with strict validation, and invalid values with 422', async () => {
    const bad = moduleSource('k-bad');
    (bad.spec as Record<string, unknown>).foo = 1;
    const r = await kubectl('apply', '-f', manifest('bad', bad));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('strict decoding error: unknown field "spec.foo"');
    const inv = moduleSource('k-inv', {
      spec: { registry: { repo: 'r.example.com/x', dockerCfg: 'e30=', scheme: 'FTP' } },
    });
    const r2 = await kubectl('create', '-f', manifest('inv', inv));
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain(
      'The ModuleSource "k-inv" is invalid: spec.registry.scheme: Unsupported value: "FTP": supported values: "HTTP", "HTTPS"',
    );
  });

  it('applies server-side with a conflict between two managers and --force-conflicts', async () => {
    const file = manifest('ms-b', moduleSource('k-b'));
    expect((await kubectl('apply', '--server-side', '-f', file)).stdout).toBe(
      'modulesource.deckhouse.io/k-b serverside-applied\n',
    );
    const other = manifest(
      'ms-b2',
      moduleSource('k-b', { spec: { registry: { repo: 'registry.example.com/other', dockerCfg: 'e30=' } } }),
    );
    const c = await kubectl('apply', '--server-side', '--field-manager', 'modsync', '-f', other);
    expect(c.code).toBe(1);
    expect(c.stderr).toContain('Apply failed with 1 conflict: conflict with "kubectl": .spec.registry.repo');
    const f = await kubectl('apply', '--server-side', '--field-manager', 'modsync', '--force-conflicts', '-f', other);
    expect(f.code).toBe(0);
    expect((await kubectl('get', 'ms', 'k-b', '-o', 'jsonpath={.spec.registry.repo}')).stdout).toBe(
      'registry.example.com/other',
    );
  });

  it('diffs: exit 1 with a diff, 0 without', async () => {
    const file = manifest('ms-c', moduleSource('k-c'));
    await kubectl('apply', '--server-side', '-f', file);
    const same = await kubectl('diff', '--server-side', '-f', file);
    expect(same.code).toBe(0);
    expect(same.stdout).toBe('');
    const changed = manifest(
      'ms-c2',
      moduleSource('k-c', { spec: { registry: { repo: 'registry.example.com/changed', dockerCfg: 'e30=' } } }),
    );
    const d = await kubectl('diff', '-f', changed);
    expect(d.code).toBe(1);
    expect(d.stdout).toContain('-    repo: registry.example.com/k-c');
    expect(d.stdout).toContain('+    repo: registry.example.com/changed');
    expect((await kubectl('get', 'ms', 'k-c', '-o', 'jsonpath={.spec.registry.repo}')).stdout).toBe(
      'registry.example.com/k-c',
    );
  });

  it('labels, annotates and selects by label', async () => {
    expect((await kubectl('label', 'ms', 'k-a', 'team=platform')).stdout).toBe(
      'modulesource.deckhouse.io/k-a labeled\n',
    );
    expect((await kubectl('annotate', 'ms', 'k-a', 'note=hello')).stdout).toBe(
      'modulesource.deckhouse.io/k-a annotated\n',
    );
    expect((await kubectl('get', 'ms', '-l', 'team=platform', '-o', 'name')).stdout).toBe(
      'modulesource.deckhouse.io/k-a\n',
    );
    const obj = sim.control.view.get('modulesources', 'k-a')!;
    const managers = (obj.metadata.managedFields as { manager: string }[]).map((m) => m.manager);
    expect(managers).toEqual(
      expect.arrayContaining(['kubectl-client-side-apply', 'kubectl-label', 'kubectl-annotate']),
    );
  });

  it('deletes', async () => {
    const r = await kubectl('delete', 'ms', 'k-a');
    expect(r.stdout).toBe('modulesource.deckhouse.io "k-a" deleted\n');
    expect((await kubectl('get', 'ms', 'k-a')).code).toBe(1);
  });
});

describe('kubectl get -w and explain', () => {
  it('streams rows as objects change', async () => {
    await kubectl('apply', '-f', manifest('ms-w', moduleSource('k-w')));
    const child = spawn('kubectl', [
      '--kubeconfig',
      sim.kubeconfigPath,
      '--cache-dir',
      join(dir, 'cache'),
      'get',
      'ms',
      'k-w',
      '-w',
      '-o',
      'custom-columns=NAME:.metadata.name,REPO:.spec.registry.repo',
    ]);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const waitFor = async (re: RegExp): Promise<void> => {
      for (let i = 0; i < 100 && !re.test(out); i++) await new Promise((r) => setTimeout(r, 50));
    };
    await waitFor(/k-w\s+registry.example.com\/k-w/);
    await kubectl(
      'patch',
      'ms',
      'k-w',
      '--type',
      'merge',
      '-p',
      '{"spec":{"registry":{"repo":"registry.example.com/watched"}}}',
    );
    await waitFor(/watched/);
    child.kill();
    expect(out).toMatch(/NAME\s+REPO\nk-w\s+registry.example.com\/k-w\nk-w\s+registry.example.com\/watched\n/);
  });

  it('explains fields from the served OpenAPI v3', async () => {
    const r = await kubectl('explain', 'ms.spec.registry.scheme');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('KIND:       ModuleSource');
    expect(r.stdout).toContain('FIELD: scheme <string>');
  });
});
