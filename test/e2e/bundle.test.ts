/**
 * The shipped CLI: what `npm run build` bundles (dist/modsync.js and dist/modsync.cjs), laid out as
 * the image lays it out (dist/ next to config/ and crds/), run as a process against dkp-sim and
 * the git server. The other e2e tests run the sources; this one catches what only the bundle
 * can break (a chunk that is not found, a CommonJS package that cannot `require`, a lazily
 * loaded library missing when the ref moves and objects are fetched and pushed).
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { branchHead, pushFiles, readBranchFile } from '../support/git-repo.ts';
import { startDemoEnv, type DemoEnv } from '../support/demo-env.ts';
import { getObject, logLines } from './helpers.ts';

const PROJECT = fileURLToPath(new URL('../..', import.meta.url));
const MC_ONE = 'clusters/demo/modules/module-one.yaml';

describe('the bundled CLI', () => {
  let env: DemoEnv;
  let bin: string;
  const app = mkdtempSync(join(tmpdir(), 'modsync-bundle-'));

  beforeAll(async () => {
    execFileSync(process.execPath, [join(PROJECT, 'scripts/build.ts'), join(app, 'dist')], { stdio: 'pipe' });
    mkdirSync(join(app, 'cwd'));
    for (const dir of ['config', 'crds', 'node_modules']) symlinkSync(join(PROJECT, dir), join(app, dir));
    // The package's own package.json ("type": "module"), as in the image: dist/ must say it is CommonJS.
    symlinkSync(join(PROJECT, 'package.json'), join(app, 'package.json'));
    bin = join(app, 'dist', 'modsync.js');
    env = await startDemoEnv();
  }, 60_000);
  afterAll(async () => {
    await env?.stop();
    rmSync(app, { recursive: true, force: true });
  });

  it('is an executable file', () => {
    expect(statSync(bin).mode & 0o111).not.toBe(0);
  });

  it('creates everything, then makes no writes', async () => {
    const first = await env.modsync(['sync'], { childProcess: true, bin });
    expect(first.code, first.stderr).toBe(0);
    expect(logLines(first.stderr).filter((l) => l.msg === 'created')).toHaveLength(5);
    env.sim.control.resetRequests();
    const second = await env.modsync(['sync'], { childProcess: true, bin });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/5 unchanged/);
    expect(env.sim.control.requests().writes).toBe(0);
  });

  it('keeps a code cache per command, and replaces one it cannot use', async () => {
    const cacheDir = join(app, 'cache');
    const env2 = { MODSYNC_CACHE_DIR: cacheDir };
    // What an earlier modsync left behind two days ago: its sync cache goes, another command's
    // stays; a build run beside this one (written an hour ago) keeps its cache.
    mkdirSync(join(cacheDir, 'code-cache'), { recursive: true, mode: 0o700 });
    const hoursAgo = (h: number) => new Date(Date.now() - h * 3600_000);
    for (const [name, age] of [
      ['sync-v24.0.0-1-1.v8', 48],
      ['plan-v24.0.0-1-1.v8', 48],
      ['sync-v24.0.0-2-2.steady.v8', 1],
    ] as const) {
      writeFileSync(join(cacheDir, 'code-cache', name), 'another build');
      utimesSync(join(cacheDir, 'code-cache', name), hoursAgo(age), hoursAgo(age));
    }
    const first = await env.modsync(['sync'], { childProcess: true, bin, env: env2 });
    expect(first.code, first.stderr).toBe(0);
    const files = readdirSync(join(cacheDir, 'code-cache')).filter((f) => f.startsWith(`sync-${process.version}`));
    // A steady run's or, while the controller still moves statuses the report shows, a busy one's.
    expect(files).toEqual([expect.stringMatching(new RegExp(`^sync-${process.version}-\\d+-\\d+(\\.steady)?\\.v8$`))]);
    expect(readdirSync(join(cacheDir, 'code-cache'))).toContain('plan-v24.0.0-1-1.v8');
    expect(readdirSync(join(cacheDir, 'code-cache'))).toContain('sync-v24.0.0-2-2.steady.v8');
    expect(readdirSync(join(cacheDir, 'code-cache'))).not.toContain('sync-v24.0.0-1-1.v8');
    const file = join(cacheDir, 'code-cache', files[0]!);
    writeFileSync(file, 'not a code cache');
    const second = await env.modsync(['sync'], { childProcess: true, bin, env: env2 });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/5 unchanged/);
    expect(readFileSync(file).length).toBeGreaterThan(100_000);
  });

  it('neither reads, writes nor removes a code cache in a folder other users can write', async () => {
    const cacheDir = join(app, 'shared');
    const codeCache = join(cacheDir, 'code-cache');
    mkdirSync(codeCache, { recursive: true });
    chmodSync(codeCache, 0o777);
    const planted = join(codeCache, `sync-${process.version}-planted.v8`);
    writeFileSync(planted, 'planted');
    // Old enough to count as another build's leftover in a folder of modsync's own.
    const twoDaysAgo = new Date(Date.now() - 48 * 3600_000);
    utimesSync(planted, twoDaysAgo, twoDaysAgo);
    const r = await env.modsync(['sync'], { childProcess: true, bin, env: { MODSYNC_CACHE_DIR: cacheDir } });
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(codeCache)).toEqual([`sync-${process.version}-planted.v8`]);
    expect(readFileSync(planted, 'utf8')).toBe('planted');
  });

  it('fetches a new commit, applies it and pushes the status report', async () => {
    const STATUS = 'clusters/demo/status/status.yaml';
    const before = await readBranchFile(env.bareDir, 'main', STATUS);
    expect(before).toContain('module-one');
    await pushFiles(
      env.bareDir,
      'main',
      {
        [MC_ONE]:
          'apiVersion: deckhouse.io/v1alpha1\nkind: ModuleConfig\nmetadata:\n  name: module-one\nspec:\n  enabled: true\n' +
          '  source: example\n  updatePolicy: stable-auto\n  version: 1\n  settings:\n    replicas: 4\n',
      },
      'More replicas',
    );
    const r = await env.modsync(['sync'], { childProcess: true, bin });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/1 updated/);
    const mc = await getObject(env, 'ModuleConfig', 'module-one');
    expect((mc?.spec as { settings?: { replicas?: number } } | undefined)?.settings?.replicas).toBe(4);
    // The report of this run (its result: one update) was committed and pushed.
    expect(await readBranchFile(env.bareDir, 'main', STATUS)).not.toBe(before);
  });
  it('keeps the code cache of a steady run: one from a run that applied goes after the next no-op', async () => {
    const codeCache = join(app, 'cache-steady', 'code-cache');
    const env2 = { MODSYNC_CACHE_DIR: join(app, 'cache-steady') };
    await pushFiles(
      env.bareDir,
      'main',
      {
        [MC_ONE]:
          'apiVersion: deckhouse.io/v1alpha1\nkind: ModuleConfig\nmetadata:\n  name: module-one\nspec:\n  enabled: true\n' +
          '  source: example\n  updatePolicy: stable-auto\n  version: 1\n  settings:\n    replicas: 5\n',
      },
      'Five replicas',
    );
    const applied = await env.modsync(['sync'], { childProcess: true, bin, env: env2 });
    expect(applied.stdout, applied.stderr).toMatch(/1 updated/);
    const [busy] = readdirSync(codeCache);
    expect(busy).toMatch(/^sync-v[\d.]+-\d+-\d+\.v8$/);
    const busySize = statSync(join(codeCache, busy!)).size;
    // Runs that apply nothing but still commit a report (of a run without changes, of statuses
    // the controller moved) are not steady: the cache stays.
    let steadyRun = false;
    for (let i = 0; i < 5 && !steadyRun; i++) {
      const head = await branchHead(env.bareDir, 'main');
      const noop = await env.modsync(['sync'], { childProcess: true, bin, env: env2 });
      expect(noop.stdout, noop.stderr).toMatch(/5 unchanged/);
      steadyRun = (await branchHead(env.bareDir, 'main')) === head;
      if (!steadyRun) expect(readdirSync(codeCache)).toEqual([busy]);
    }
    expect(steadyRun).toBe(true);
    // The first run that changed nothing: the cache it used holds the applying code too, so it goes ...
    expect(readdirSync(codeCache)).toEqual([]);
    // ... and the run after it writes the no-op's own, smaller one.
    const again = await env.modsync(['sync'], { childProcess: true, bin, env: env2 });
    expect(again.stdout, again.stderr).toMatch(/5 unchanged/);
    const [steady] = readdirSync(codeCache);
    expect(steady).toBe(busy!.replace(/\.v8$/, '.steady.v8'));
    expect(statSync(join(codeCache, steady!)).size).toBeLessThan(busySize);
  });
});
