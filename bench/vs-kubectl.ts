/**
 * `npm run bench`: a no-op `modsync sync` as a fresh process (what a CronJob pays) side by side
 * with `kubectl apply --server-side -R -f` of the same manifests, at N = 10, 100 and 1000
 * ModuleConfigs, each tool on its own dkp-sim with the same catalog (controllers idle while
 * timing). Prints medians over the pairs, ratios, requests per run by verb (dkp-sim's
 * `/_sim/requests` counters) and peak RSS (/usr/bin/time %M), then the start-up of
 * `modsync --version` and `modsync validate` of 10 files.
 *
 * Run: npm run bench [-- sizes...]
 * Env: BENCH_PAIRS (default 5), BENCH_NODE_FLAGS="--flag ..." (run node with these flags instead of
 * the file's shebang, to compare V8 flags), BENCH_BIN (another build's bin.js).
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SimInstance } from '../test/dkp-sim/index.ts';
import { BIN, createSetting, manifests, runBin, workRoot, type Run } from './side-by-side.ts';
import { machineLine, quantile } from './stats.ts';

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((x) => x > 0);
const SIZES = sizes.length ? sizes : [10, 100, 1000];
const PAIRS = Math.max(1, Number(process.env.BENCH_PAIRS) || 5);
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);

const median = (xs: number[]): number => quantile(xs, 0.5);
const sec = (msValue: number): string => `${(msValue / 1000).toFixed(3)} s`;
const mib = (bytes: number): string => `${Math.round(bytes / 1024 / 1024)} MiB`;

/** `list 5` or `apply 1002, list 1`: the verbs one run made, from the server's counters. */
function verbs(sim: SimInstance): { text: string; total: number; writes: number } {
  const c = sim.control.requests();
  const text = Object.entries(c.byVerb)
    .filter(([, count]) => count > 0)
    .map(([verb, count]) => `${verb} ${count}`)
    .join(', ');
  return { text: text || 'none', total: c.total, writes: c.writes };
}

function check(run: Run, what: string): Run {
  if (run.code !== 0) throw new Error(`${what} exited ${run.code}:\n${run.stderr}`);
  return run;
}

interface Row {
  n: number;
  modsync: number;
  kubectl: number;
  modsyncRss: number;
  kubectlRss: number;
  modsyncVerbs: string;
  kubectlVerbs: string;
  modsyncWrites: number;
}

async function compare(n: number, root: string): Promise<Row> {
  const setting = await createSetting(n, root);
  try {
    // Preparation: the sources and policies go in (ModuleConfigs are refused until their modules
    // exist), a controller pass makes the modules, everything goes in, passes settle the
    // statuses and modsync's status report catches up; then a warm-up run of each tool.
    await Promise.all([setting.modsync(['sync', '--module-wait', '0']), setting.kubectl()]);
    setting.pass();
    const [first, firstKubectl] = await Promise.all([setting.modsync(['sync']), setting.kubectl()]);
    check(first, `N=${n} first modsync sync`);
    check(firstKubectl, `N=${n} first kubectl apply`);
    for (let i = 0; i < 3; i++) setting.pass();
    for (let i = 0; i < 2; i++) check(await setting.modsync(['sync']), `N=${n} settling modsync sync`);
    check(await setting.modsync(['sync'], NODE_FLAGS), 'warm-up');
    check(await setting.kubectl(), 'warm-up');

    const m: Run[] = [];
    const k: Run[] = [];
    let mv = verbs(setting.modsyncSim);
    let kv = verbs(setting.kubectlSim);
    let writes = 0;
    for (let i = 0; i < PAIRS; i++) {
      // Alternate which tool goes first, so neither always runs on a just-woken machine.
      for (const tool of i % 2 === 0 ? ['modsync', 'kubectl'] : ['kubectl', 'modsync']) {
        if (tool === 'modsync') {
          setting.modsyncSim.control.resetRequests();
          m.push(check(await setting.modsync(['sync'], NODE_FLAGS), `N=${n} modsync sync`));
          mv = verbs(setting.modsyncSim);
          writes = Math.max(writes, mv.writes);
        } else {
          setting.kubectlSim.control.resetRequests();
          k.push(check(await setting.kubectl(), `N=${n} kubectl apply`));
          kv = verbs(setting.kubectlSim);
        }
      }
    }
    return {
      n,
      modsync: median(m.map((r) => r.wallMs)),
      kubectl: median(k.map((r) => r.wallMs)),
      modsyncRss: Math.max(...m.map((r) => r.rssBytes)),
      kubectlRss: Math.max(...k.map((r) => r.rssBytes)),
      modsyncVerbs: mv.text,
      kubectlVerbs: kv.text,
      modsyncWrites: writes,
    };
  } finally {
    await setting.stop();
  }
}

/** `modsync --version` and `modsync validate` of 10 ModuleConfigs (+ source and policy): medians of PAIRS runs. */
async function startUp(root: string): Promise<string[]> {
  const dir = join(root, 'validate');
  for (const [p, text] of Object.entries(manifests(10))) {
    mkdirSync(dirname(join(dir, 'manifests', p)), { recursive: true });
    writeFileSync(join(dir, 'manifests', p), text);
  }
  const env = { PATH: process.env.PATH ?? '', HOME: dir, NODE_COMPILE_CACHE: join(dir, 'compile-cache') };
  const lines: string[] = [];
  for (const [label, args] of [
    ['modsync --version', ['--version']],
    ['modsync validate (10 ModuleConfigs, 12 files)', ['validate', dir, '--path', 'manifests']],
  ] as const) {
    check(await runBin([...args], env, NODE_FLAGS), label); // warms the compile cache
    const runs: Run[] = [];
    for (let i = 0; i < PAIRS; i++) runs.push(check(await runBin([...args], env, NODE_FLAGS), label));
    const wall = sec(median(runs.map((r) => r.wallMs)));
    lines.push(`| ${label} | ${wall} | ${mib(Math.max(...runs.map((r) => r.rssBytes)))} |`);
  }
  return lines;
}

async function main(): Promise<void> {
  const flags = NODE_FLAGS.join(' ') || 'none (the shebang)';
  console.log(`vs-kubectl: ${machineLine()}; ${PAIRS} pairs per size; node flags: ${flags}; ${BIN}`);
  chmodSync(BIN, 0o755); // as npm makes a package's bin executable on install
  const root = workRoot();
  const rows: Row[] = [];
  for (const n of SIZES) {
    const row = await compare(n, root);
    rows.push(row);
    const kubectl = `kubectl ${sec(row.kubectl)} (${row.kubectlVerbs})`;
    console.log(`N=${n}: modsync ${sec(row.modsync)} (${row.modsyncVerbs}), ${kubectl}`);
  }
  console.log('');
  const headers = ['ModuleConfigs', 'no-op `modsync sync`', '`kubectl apply --server-side`', 'kubectl / modsync'];
  headers.push('modsync requests', 'kubectl requests', 'modsync writes', 'modsync peak RSS', 'kubectl peak RSS');
  console.log(`| ${headers.join(' | ')} |`);
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const ratio = (r.kubectl / r.modsync).toFixed(1);
    const cells = [r.n, sec(r.modsync), sec(r.kubectl), `${ratio}×`, r.modsyncVerbs, r.kubectlVerbs, r.modsyncWrites];
    cells.push(mib(r.modsyncRss), mib(r.kubectlRss));
    console.log(`| ${cells.join(' | ')} |`);
  }
  console.log('');
  console.log('| start-up | median wall | peak RSS |');
  console.log('|---|---|---|');
  for (const line of await startUp(root)) console.log(line);
}

await main();
