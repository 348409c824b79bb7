/**
 * Git costs of a sync with isomorphic-git (`createIsoGit`, the adapter modsync uses) against a
 * local `git http-backend` server on 127.0.0.1: first clone + checkout, no-op fetch (the
 * steady state with a cache volume), the same no-op checkout as the first call of a new
 * process (what a CronJob run pays), and fetch + checkout after one changed file, for
 * repositories of 100 and 1,000 ModuleConfig files. Loopback only: real remotes add latency.
 *
 * Run: ./node_modules/.bin/node bench/git-fetch.ts [sizes...]   (default 100 1000)
 * (`--child <url> <cacheDir>` is the child process of the fresh-process rounds.)
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIsoGit } from '../src/git/iso-git.ts';
import { createBareRepo, pushFiles } from '../test/support/git-repo.ts';
import { startGitServer } from '../test/support/git-server.ts';
import { machineLine, ms, quantile, timed } from './stats.ts';

const NOOP_ROUNDS = 10;
const FRESH_ROUNDS = 5;
const CHANGE_ROUNDS = 5;
const AUTHOR = { name: 'modsync', email: 'modsync@example.com' };

/** Child side: one no-op checkout as the first git call of a new process; prints its time. */
async function child(url: string, cacheDir: string): Promise<void> {
  const [, checkoutMs] = await timed(() => createIsoGit({ url, branch: 'main', cacheDir, author: AUTHOR }).checkout());
  console.log(JSON.stringify({ checkoutMs }));
}

/** Runs the child in a new Node process: wall time (start-up and imports included) and its checkout time. */
async function freshProcess(url: string, cacheDir: string): Promise<{ wallMs: number; checkoutMs: number }> {
  const started = performance.now();
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, [import.meta.filename, '--child', url, cacheDir], (err, out) => (err ? reject(err) : resolve(out))),
  );
  return { wallMs: performance.now() - started, checkoutMs: Number(JSON.parse(stdout).checkoutMs) };
}

function files(n: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < n; i++) {
    const name = `module-${String(i).padStart(4, '0')}`;
    out[`clusters/prod/modules/${name}.yaml`] = `apiVersion: deckhouse.io/v1alpha1\nkind: ModuleConfig\nmetadata:\n  name: ${name}\nspec:\n  enabled: true\n  source: example\n  updatePolicy: stable-auto\n  version: 1\n  settings:\n    replicas: 2\n`;
  }
  return out;
}

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).map(Number).filter((x) => x > 0);
  const tmp = await mkdtemp(join(tmpdir(), 'modsync-bench-git-'));
  const server = await startGitServer({ root: join(tmp, 'repos') });
  console.log(`git-fetch: ${machineLine()}`);
  try {
    for (const n of sizes.length ? sizes : [100, 1000]) {
      const bare = await createBareRepo(join(tmp, 'repos'), `bench-${n}.git`, files(n), { message: 'Desired state' });
      const split: { fetchMs: number; totalMs: number }[] = [];
      const logger = { debug: () => {}, warn: () => {}, info: (o: Record<string, unknown>) => void (typeof o.fetchMs === 'number' && split.push({ fetchMs: o.fetchMs, totalMs: Number(o.totalMs) })) };
      const url = server.repoUrl(`bench-${n}`);
      const port = () => createIsoGit({ url, branch: 'main', cacheDir: join(tmp, `cache-${n}`), author: AUTHOR, logger });
      const [, cloneMs] = await timed(() => port().checkout());
      const noop: number[] = [];
      // A fresh port per round, as a CronJob run (new process, same cache volume) would have.
      for (let i = 0; i < NOOP_ROUNDS; i++) noop.push((await timed(() => port().checkout()))[1]);
      const fresh: { wallMs: number; checkoutMs: number }[] = [];
      for (let i = 0; i < FRESH_ROUNDS; i++) fresh.push(await freshProcess(url, join(tmp, `cache-${n}`)));
      const changed: number[] = [];
      split.length = 0;
      for (let i = 0; i < CHANGE_ROUNDS; i++) {
        const path = `clusters/prod/modules/module-${String(i * 7).padStart(4, '0')}.yaml`;
        await pushFiles(bare, 'main', { [path]: `# edit ${i}\n${files(n)[path] ?? ''}` }, `edit ${i}`);
        changed.push((await timed(() => port().checkout()))[1]);
      }
      console.log(
        `${String(n).padStart(5)} files: clone+checkout ${ms(cloneMs)}; no-op fetch median ${ms(quantile(noop, 0.5))} p90 ${ms(quantile(noop, 0.9))}; ` +
          `no-op as a new process's first checkout median ${ms(quantile(fresh.map((f) => f.checkoutMs), 0.5))} (process wall median ${ms(quantile(fresh.map((f) => f.wallMs), 0.5))}); ` +
          `1 changed file fetch+checkout median ${ms(quantile(changed, 0.5))} p90 ${ms(quantile(changed, 0.9))} ` +
          `(of which network fetch median ${ms(quantile(split.map((s) => s.fetchMs), 0.5))}, worktree write median ${ms(quantile(split.map((s) => s.totalMs - s.fetchMs), 0.5))})`,
      );
    }
  } finally {
    await server.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') await child(process.argv[3]!, process.argv[4]!);
else await main();
