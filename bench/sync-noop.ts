/**
 * The steady-state cost of modsync: a repository with N (default 200) enabled ModuleConfigs
 * plus their ModuleSource and ModuleUpdatePolicy, against dkp-sim serving a catalog of N
 * modules and a local `git http-backend`. Measures the first sync, then no-op syncs: the CLI
 * as a child process (what a CronJob pays: process start, fetch, LISTs, plan) and `runSync`
 * in process (what the daemon pays per tick), API requests per no-op sync (dkp-sim
 * counters) and peak RSS.
 *
 * Run: ./node_modules/.bin/node bench/sync-noop.ts [N]
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/load.ts';
import { Redactor } from '../src/core/redact.ts';
import { loadSchemaInfo } from '../src/core/schema-info.ts';
import { createLogger } from '../src/log.ts';
import { runSync } from '../src/pipeline/run.ts';
import { syncOptionsOf } from '../src/cli/sync-run.ts';
import { createClusterWiring, createGitPort, createHostPort } from '../src/cli/wire.ts';
import { DECKHOUSE_REPO, EXAMPLE_REPO, type Catalog } from '../test/dkp-sim/catalog.ts';
import { startDemoEnv, type DemoEnv } from '../test/support/demo-env.ts';
import { commitLog } from '../test/support/git-repo.ts';
import { machineLine, mb, ms, peakRss, quantile, timed } from './stats.ts';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const ROOT = 'clusters/bench';
const ROUNDS = 10;
/** dkp-sim's controller runs in this process: a slower tick leaves more CPU to modsync. */
const TICK_MS = 1000;
const N = Number(process.argv[2]) > 0 ? Number(process.argv[2]) : 200;
const names = Array.from({ length: N }, (_, i) => `bench-${String(i).padStart(4, '0')}`);

function catalog(): Catalog {
  return {
    revision: 1,
    registries: [
      { repo: DECKHOUSE_REPO, modules: [] },
      {
        repo: EXAMPLE_REPO,
        modules: names.map((name, i) => ({
          name,
          channels: { Stable: ['1.0.0'] },
          weight: 100 + i,
          stage: 'General Availability',
        })),
      },
    ],
  };
}

function repoFiles(): Record<string, string> {
  const files: Record<string, string> = {
    [`${ROOT}/source.yaml`]: `apiVersion: deckhouse.io/v1alpha1\nkind: ModuleSource\nmetadata:\n  name: example\nspec:\n  registry:\n    repo: ${EXAMPLE_REPO}\n`,
    [`${ROOT}/policy.yaml`]:
      'apiVersion: deckhouse.io/v1alpha2\nkind: ModuleUpdatePolicy\nmetadata:\n  name: stable-auto\nspec:\n  releaseChannel: Stable\n  update:\n    mode: Auto\n',
  };
  for (const name of names) {
    files[`${ROOT}/modules/${name}.yaml`] =
      `apiVersion: deckhouse.io/v1alpha1\nkind: ModuleConfig\nmetadata:\n  name: ${name}\nspec:\n  enabled: true\n  source: example\n  updatePolicy: stable-auto\n  version: 1\n  settings:\n    replicas: 2\n`;
  }
  return files;
}

interface CliRun {
  code: number;
  stdout: string;
  wallMs: number;
  /** Peak RSS of the child (VmHWM, sampled every 20 ms; the last sample before exit). */
  rssBytes: number;
}

/** Runs the CLI as a child process, sampling its memory high-water mark from /proc. */
function cli(env: DemoEnv, args: string[]): Promise<CliRun> {
  const flags = [
    '--repo',
    env.repoUrl,
    '--path',
    ROOT,
    '--kubeconfig',
    env.sim.kubeconfigPath,
    '--cache-dir',
    join(env.workDir, 'cache'),
    '--module-wait',
    '60',
    '--log-level',
    'warn',
  ];
  const started = performance.now();
  const child = spawn(process.execPath, [MAIN, ...args, ...flags], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let rss = 0;
  const sample = setInterval(() => {
    try {
      const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
      if (kb) rss = Math.max(rss, Number(kb) * 1024);
    } catch {
      // exited between samples
    }
  }, 20);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearInterval(sample);
      if (code !== 0) process.stderr.write(stderr);
      resolve({ code: code ?? -1, stdout, wallMs: performance.now() - started, rssBytes: rss });
    });
  });
}

async function waitAllReady(env: DemoEnv, timeoutMs = 180_000): Promise<number> {
  const started = performance.now();
  for (;;) {
    const ready = env.sim.control.view
      .list('modules')
      .filter((m) => (m.status as { phase?: string } | undefined)?.phase === 'Ready').length;
    if (ready >= N) return performance.now() - started;
    if (performance.now() - started > timeoutMs)
      throw new Error(`only ${ready}/${N} modules Ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** `fetch 300 ms, load 120 ms, ...` from `sync --output json`. */
function stagesOf(json: string): string {
  try {
    const stages = (JSON.parse(json) as { stages: { stage: string; durationMs: number }[] }).stages;
    return stages.map((s) => `${s.stage} ${s.durationMs} ms`).join(', ');
  } catch {
    return '(no JSON result)';
  }
}

function line(label: string, xs: number[]): string {
  return `${label}: median ${ms(quantile(xs, 0.5))}, p90 ${ms(quantile(xs, 0.9))}, min ${ms(Math.min(...xs))}, max ${ms(Math.max(...xs))}`;
}

async function main(): Promise<void> {
  console.log(`sync-noop: ${machineLine()}; ${N} ModuleConfigs + 1 ModuleSource + 1 ModuleUpdatePolicy`);
  const env = await startDemoEnv({ files: repoFiles(), root: ROOT, sim: { catalog: catalog(), tickMs: TICK_MS } });
  try {
    env.sim.control.resetRequests();
    const first = await cli(env, ['sync', '--output', 'json']);
    const firstRequests = env.sim.control.requests();
    console.log(
      `first sync (CLI): exit ${first.code}, ${ms(first.wallMs)}, ${firstRequests.total} API requests (${firstRequests.writes} writes), child peak RSS ${mb(first.rssBytes)}`,
    );
    console.log(`  stages: ${stagesOf(first.stdout)}`);
    console.log(`all ${N} modules Ready ${ms(await waitAllReady(env))} after the first sync returned`);
    // Settle: the status report catches up with the modules' phases once.
    await cli(env, ['sync']);

    const commitsBefore = (await commitLog(env.bareDir, 'main')).length;
    const wall: number[] = [];
    const requests: number[] = [];
    let breakdown = '';
    let rss = 0;
    let writes = 0;
    for (let i = 0; i < ROUNDS; i++) {
      env.sim.control.resetRequests();
      const r = await cli(env, ['sync', '--output', 'json']);
      if (i === 0) console.log(`  stages of a no-op CLI sync: ${stagesOf(r.stdout)}`);
      if (r.code !== 0) throw new Error(`no-op sync ${i} exited ${r.code}`);
      const counts = env.sim.control.requests();
      wall.push(r.wallMs);
      requests.push(counts.total);
      breakdown =
        Object.entries(counts.byResource)
          .map(
            ([res, verbs]) =>
              `${res} ${Object.entries(verbs)
                .map(([v, n]) => `${v}×${n}`)
                .join('+')}`,
          )
          .join(', ') + (counts.byVerb.discovery ? `, discovery×${counts.byVerb.discovery}` : '');
      writes = Math.max(
        writes,
        counts.writes - (counts.byResource.leases?.update ?? 0) - (counts.byResource.leases?.create ?? 0),
      );
      rss = Math.max(rss, r.rssBytes);
    }
    console.log(line(`no-op sync, CLI child process (${ROUNDS} runs)`, wall));
    console.log(
      `  commits pushed during the ${ROUNDS} no-op syncs (status report): ${(await commitLog(env.bareDir, 'main')).length - commitsBefore}`,
    );
    console.log(
      `  API requests per no-op sync: ${quantile(requests, 0.5)} (${breakdown}); module writes: ${writes}; child peak RSS ${mb(rss)}`,
    );

    const loaded = loadConfig({
      flags: {
        repo: env.repoUrl,
        path: ROOT,
        kubeconfig: env.sim.kubeconfigPath,
        'cache-dir': join(env.workDir, 'cache-inproc'),
        'module-wait': '60',
      },
      env: {},
    });
    const redactor = new Redactor();
    const logger = createLogger({ format: 'json', level: 'silent', redactor });
    const opts = { ...syncOptionsOf(loaded.config, 'sync', {}), schemas: loadSchemaInfo() };
    // As the daemon wires it: host `none` still lists and prunes approval branches in git.
    const ports = {
      git: createGitPort(loaded.config, {}, redactor, logger),
      cluster: createClusterWiring(loaded.config, {}, logger).cluster,
      host: createHostPort(loaded.config, {}, redactor, logger),
      logger,
      redactor,
    };
    const [warm] = await timed(() => runSync(opts, ports)); // clone into its own cache
    if (!warm.ok) throw new Error(`in-process warm-up sync failed: ${warm.failure}`);
    const inWall: number[] = [];
    const inRequests: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      env.sim.control.resetRequests();
      const [result, t] = await timed(() => runSync(opts, ports));
      if (i === 0)
        console.log(
          `  stages of a no-op in-process sync: ${result.stages.map((s) => `${s.stage} ${s.durationMs} ms`).join(', ')}`,
        );
      if (!result.ok) throw new Error(`in-process no-op sync ${i} failed: ${result.failure}`);
      inWall.push(t);
      inRequests.push(env.sim.control.requests().total);
    }
    console.log(line(`no-op sync, runSync in process (${ROUNDS} runs, schemas loaded once, no Lease)`, inWall));
    console.log(
      `  API requests per no-op sync: ${quantile(inRequests, 0.5)}; peak RSS of this process (dkp-sim + git server + modsync) ${mb(peakRss())}`,
    );
  } finally {
    await env.stop();
  }
}

await main();
