/**
 * Git costs of a sync with isomorphic-git (`createIsoGit`, the adapter modsync uses) against a
 * local `git http-backend` server on 127.0.0.1 (in its own process, like a real remote): first
 * clone + checkout side by side with `git clone --depth 1` (pairs, order alternating), no-op
 * fetch (the steady state with a cache volume), the same no-op checkout as the first call of a
 * new process (what a CronJob run pays), and fetch + checkout after one changed file, for
 * repositories of 100 and 1,000 ModuleConfig files. Loopback only: real remotes add latency.
 *
 * Run: ./node_modules/.bin/node bench/git-fetch.ts [sizes...]   (default 100 1000)
 * (`--child <url> <cacheDir>` is the child process of the fresh-process rounds, `--serve <root>`
 * the git server's process.)
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIsoGit } from '../src/git/iso-git.ts';
import { createBareRepo, pushFiles } from '../test/support/git-repo.ts';
import { startGitServer } from '../test/support/git-server.ts';
import { machineLine, ms, quantile, timed } from './stats.ts';

const CLONE_PAIRS = 7;
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
    execFile(process.execPath, [import.meta.filename, '--child', url, cacheDir], (err, out) =>
      err ? reject(err) : resolve(out),
    ),
  );
  return { wallMs: performance.now() - started, checkoutMs: Number(JSON.parse(stdout).checkoutMs) };
}

/** Server side: the test git server in this process until stdin closes; prints its URL. */
async function serve(root: string): Promise<void> {
  const server = await startGitServer({ root });
  console.log(server.url);
  process.stdin.resume();
  await once(process.stdin, 'end');
  await server.stop();
}

/** Starts the git server in a child process, so its CGI spawns do not stall the measured client. */
async function serverProcess(root: string): Promise<{ repoUrl: (name: string) => string; stop: () => Promise<void> }> {
  const args = [import.meta.filename, '--serve', root];
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  const base = line.toString().trim();
  return {
    repoUrl: (name) => `${base}/${name}.git`,
    stop: async () => {
      child.stdin.end();
      await once(child, 'exit');
    },
  };
}

/** `git clone --depth 1` of `url` into `dir` (the git binary, no user config). */
async function gitClone(url: string, dir: string): Promise<void> {
  const env = { PATH: process.env.PATH, HOME: tmpdir(), GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
  const args = ['clone', '--quiet', '--depth', '1', '--single-branch', '--branch', 'main', url, dir];
  await new Promise<void>((resolve, reject) => execFile('git', args, { env }, (e) => (e ? reject(e) : resolve())));
}

function files(n: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < n; i++) {
    const name = `module-${String(i).padStart(4, '0')}`;
    out[`clusters/prod/modules/${name}.yaml`] =
      `apiVersion: deckhouse.io/v1alpha1\nkind: ModuleConfig\nmetadata:\n  name: ${name}\nspec:\n  enabled: true\n  source: example\n  updatePolicy: stable-auto\n  version: 1\n  settings:\n    replicas: 2\n`;
  }
  return out;
}

async function main(): Promise<void> {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((x) => x > 0);
  const tmp = await mkdtemp(join(tmpdir(), 'modsync-bench-git-'));
  const server = await serverProcess(join(tmp, 'repos'));
  console.log(`git-fetch: ${machineLine()}`);
  try {
    for (const n of sizes.length ? sizes : [100, 1000]) {
      const bare = await createBareRepo(join(tmp, 'repos'), `bench-${n}.git`, files(n), { message: 'Desired state' });
      const split: { fetchMs: number; totalMs: number }[] = [];
      const logger = {
        debug: () => {},
        warn: () => {},
        info: (o: Record<string, unknown>) =>
          void (typeof o.fetchMs === 'number' && split.push({ fetchMs: o.fetchMs, totalMs: Number(o.totalMs) })),
      };
      const url = server.repoUrl(`bench-${n}`);
      const port = () =>
        createIsoGit({ url, branch: 'main', cacheDir: join(tmp, `cache-${n}`), author: AUTHOR, logger });
      const [, cloneMs] = await timed(() => port().checkout());
      // Clone side by side with git: a new cache folder (or target) each time, order alternating.
      const pairs: { iso: number; git: number }[] = [];
      for (let i = 0; i < CLONE_PAIRS; i++) {
        const cacheDir = join(tmp, `clone-${n}-${i}`);
        const adapter = () => createIsoGit({ url, branch: 'main', cacheDir, author: AUTHOR });
        const iso = async () => (await timed(() => adapter().checkout()))[1];
        const cli = async () => (await timed(() => gitClone(url, join(tmp, `git-${n}-${i}`))))[1];
        if (i % 2 === 0) pairs.push({ iso: await iso(), git: await cli() });
        else pairs.push({ git: await cli(), iso: await iso() });
      }
      const isoMedian = quantile(
        pairs.map((p) => p.iso),
        0.5,
      );
      const gitMedian = quantile(
        pairs.map((p) => p.git),
        0.5,
      );
      console.log(
        `${String(n).padStart(5)} files: clone+checkout, ${CLONE_PAIRS} pairs: modsync median ${ms(isoMedian)}, ` +
          `git clone --depth 1 median ${ms(gitMedian)}, ratio ${(isoMedian / gitMedian).toFixed(2)} ` +
          `(per-pair ratio median ${quantile(
            pairs.map((p) => p.iso / p.git),
            0.5,
          ).toFixed(2)}; ` +
          `first clone of the process ${ms(cloneMs)})`,
      );
      // A CronJob run without a cache volume: the clone is the first git call of a new process.
      const cold: { wallMs: number; checkoutMs: number; gitMs: number }[] = [];
      for (let i = 0; i < FRESH_ROUNDS; i++) {
        const run = await freshProcess(url, join(tmp, `cold-${n}-${i}`));
        cold.push({ ...run, gitMs: (await timed(() => gitClone(url, join(tmp, `git-cold-${n}-${i}`))))[1] });
      }
      const coldMedian = quantile(
        cold.map((c) => c.checkoutMs),
        0.5,
      );
      console.log(
        `${String(n).padStart(5)} files: clone as a new process's first checkout median ${ms(coldMedian)} ` +
          `(process wall median ${ms(
            quantile(
              cold.map((c) => c.wallMs),
              0.5,
            ),
          )}), ` +
          `git clone --depth 1 median ${ms(
            quantile(
              cold.map((c) => c.gitMs),
              0.5,
            ),
          )}`,
      );
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
        `${String(n).padStart(5)} files: no-op fetch median ${ms(quantile(noop, 0.5))} ` +
          `p90 ${ms(quantile(noop, 0.9))}; ` +
          `no-op as a new process's first checkout median ${ms(
            quantile(
              fresh.map((f) => f.checkoutMs),
              0.5,
            ),
          )} (process wall median ${ms(
            quantile(
              fresh.map((f) => f.wallMs),
              0.5,
            ),
          )}); ` +
          `1 changed file fetch+checkout median ${ms(quantile(changed, 0.5))} p90 ${ms(quantile(changed, 0.9))} ` +
          `(of which network fetch median ${ms(
            quantile(
              split.map((s) => s.fetchMs),
              0.5,
            ),
          )}, worktree write median ${ms(
            quantile(
              split.map((s) => s.totalMs - s.fetchMs),
              0.5,
            ),
          )})`,
      );
    }
  } finally {
    await server.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') await child(process.argv[3]!, process.argv[4]!);
else if (process.argv[2] === '--serve') await serve(process.argv[3]!);
else await main();
