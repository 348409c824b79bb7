/**
 * The setting of the side-by-side benchmark (vs-kubectl.ts): for N ModuleConfigs, two dkp-sim
 * servers with the same catalog (one for modsync, one for kubectl), a git server with the
 * repository modsync syncs, the same manifests in a folder for `kubectl apply -R -f`, and a
 * way to run either tool as a fresh process measuring wall time, peak RSS and the requests
 * its server saw.
 *
 * dkp-sim's controller makes a pass only when the preparation asks for one; while timing it is
 * idle, so the servers do nothing but answer the tools.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DECKHOUSE_REPO, EXAMPLE_REPO, type Catalog } from '../test/dkp-sim/catalog.ts';
import { start, type SimInstance } from '../test/dkp-sim/index.ts';
import { createBareRepo } from '../test/support/git-repo.ts';
import { startGitServer, type GitServer } from '../test/support/git-server.ts';

/** The built CLI, as `npx modsync` and the image run it; BENCH_BIN points at another build (before/after). */
export const BIN = process.env.BENCH_BIN || fileURLToPath(new URL('../dist/modsync.js', import.meta.url));
export const ROOT = 'clusters/bench';
/** An interval the controller never reaches on its own (setInterval's maximum). */
const IDLE_TICK_MS = 2 ** 31 - 1;

/** One fresh-process run. */
export interface Run {
  code: number;
  wallMs: number;
  /** Peak RSS in bytes: `/usr/bin/time`'s %M (the child's ru_maxrss from wait4). */
  rssBytes: number;
  stdout: string;
  stderr: string;
}

/** Runs `cmd args` under /usr/bin/time; wall time is measured here around the spawn. */
export function measure(cmd: string, args: string[], env: Record<string, string>): Promise<Run> {
  const started = performance.now();
  const timeArgs = ['-f', 'MAXRSS_KB %M', cmd, ...args];
  const child = spawn('/usr/bin/time', timeArgs, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      const kb = Number(/MAXRSS_KB (\d+)/.exec(stderr)?.[1] ?? 0);
      const rest = stderr.replace(/MAXRSS_KB \d+\n?/, '');
      resolve({ code: code ?? -1, wallMs, rssBytes: kb * 1024, stdout, stderr: rest });
    });
  });
}

/**
 * Runs the built CLI as `npx modsync` does: the file itself, through its shebang (with this
 * Node first on PATH). Node flags given here replace the shebang's: node runs the file then.
 */
export function runBin(args: string[], env: Record<string, string>, nodeFlags: string[] = [], bin = BIN): Promise<Run> {
  const withNode = { ...env, PATH: `${dirname(process.execPath)}:${env.PATH ?? ''}` };
  if (nodeFlags.length) return measure(process.execPath, [...nodeFlags, bin, ...args], withNode);
  return measure(bin, args, withNode);
}

/** The manifests: N enabled ModuleConfigs, their ModuleSource and ModuleUpdatePolicy. */
export function manifests(n: number): Record<string, string> {
  const files: Record<string, string> = {
    'source.yaml':
      'apiVersion: deckhouse.io/v1alpha1\nkind: ModuleSource\nmetadata:\n  name: example\n' +
      `spec:\n  registry:\n    repo: ${EXAMPLE_REPO}\n`,
    'policy.yaml':
      'apiVersion: deckhouse.io/v1alpha2\nkind: ModuleUpdatePolicy\nmetadata:\n  name: stable-auto\n' +
      'spec:\n  releaseChannel: Stable\n  update:\n    mode: Auto\n',
  };
  for (const name of moduleNames(n)) {
    files[`modules/${name}.yaml`] =
      `apiVersion: deckhouse.io/v1alpha1\nkind: ModuleConfig\nmetadata:\n  name: ${name}\nspec:\n  enabled: true\n` +
      '  source: example\n  updatePolicy: stable-auto\n  version: 1\n  settings:\n    replicas: 2\n';
  }
  return files;
}

function moduleNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `bench-${String(i).padStart(4, '0')}`);
}

function catalog(n: number): Catalog {
  const stage = 'General Availability';
  const modules = moduleNames(n).map((name, i) => ({ name, channels: { Stable: ['1.0.0'] }, weight: 100 + i, stage }));
  return {
    revision: 1,
    registries: [
      { repo: DECKHOUSE_REPO, modules: [] },
      { repo: EXAMPLE_REPO, modules },
    ],
  };
}

/** Both servers, the repository, the folder, and the commands to run each tool. */
export interface Setting {
  n: number;
  modsyncSim: SimInstance;
  kubectlSim: SimInstance;
  /** Runs `modsync <args>` (the built CLI, or `bin`) against its server and repository. */
  modsync(args: string[], nodeFlags?: string[], bin?: string): Promise<Run>;
  /** Runs `kubectl apply --server-side -R -f <folder>` against its server. */
  kubectl(): Promise<Run>;
  /** One controller pass on both servers (preparation only; at N=1000 a pass takes 0.1-2 s). */
  pass(): void;
  stop(): Promise<void>;
}

/** Prepares the setting for N; nothing is applied yet. */
export async function createSetting(n: number, workRoot: string): Promise<Setting> {
  const work = mkdtempSync(join(workRoot, `n${n}-`));
  const simOpts = { port: 0, catalog: catalog(n), tickMs: IDLE_TICK_MS };
  const modsyncSim = await start({ ...simOpts, kubeconfigPath: join(work, 'kubeconfig-modsync') });
  const kubectlSim = await start({ ...simOpts, kubeconfigPath: join(work, 'kubeconfig-kubectl') });
  const files = manifests(n);
  const repoFiles = Object.fromEntries(Object.entries(files).map(([p, text]) => [`${ROOT}/${p}`, text]));
  await createBareRepo(join(work, 'git'), 'bench.git', repoFiles, { message: 'Desired state' });
  const git: GitServer = await startGitServer({ root: join(work, 'git') });
  const folder = join(work, 'manifests');
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(folder, p)), { recursive: true });
    writeFileSync(join(folder, p), text);
  }
  const baseEnv = { PATH: process.env.PATH ?? '', HOME: work };
  const modsyncFlags = ['--repo', git.repoUrl('bench.git'), '--path', ROOT, '--kubeconfig', modsyncSim.kubeconfigPath];
  return {
    n,
    modsyncSim,
    kubectlSim,
    modsync(args, nodeFlags = [], bin = BIN) {
      const flags = [...modsyncFlags, '--cache-dir', join(work, 'cache'), '--log-level', 'warn'];
      // The compile cache as the image ships it: a folder warmed by earlier runs.
      const env = { ...baseEnv, NODE_COMPILE_CACHE: join(work, 'compile-cache') };
      return runBin([...args, ...flags], env, nodeFlags, bin);
    },
    kubectl() {
      // A warm discovery cache of its own, as on an admin's machine or a CronJob with a volume.
      const args = ['apply', '--server-side', '-R', '-f', folder, '--kubeconfig', kubectlSim.kubeconfigPath];
      args.push('--cache-dir', join(work, 'kube-cache'));
      return measure('kubectl', args, baseEnv);
    },
    pass() {
      modsyncSim.control.reconcileNow();
      kubectlSim.control.reconcileNow();
    },
    async stop() {
      await git.stop();
      await modsyncSim.stop();
      await kubectlSim.stop();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** A temporary folder for all settings of one benchmark run. */
export function workRoot(): string {
  return mkdtempSync(join(tmpdir(), 'modsync-bench-'));
}
