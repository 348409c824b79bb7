/**
 * A complete local environment for end-to-end tests and the demo: dkp-sim (the Kubernetes
 * API with Deckhouse's module controller), a real `git http-backend` server, and a bare repo
 * seeded with `examples/` (or given files). `modsync(...)` runs the real CLI as a child
 * process on the project's Node 24, as a user or a CronJob would.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.ts';
import { start, type SimInstance, type StartOptions } from '../dkp-sim/index.ts';
import { createBareRepo } from './git-repo.ts';
import { startGitServer, type GitServer } from './git-server.ts';

const PROJECT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(PROJECT, 'src/cli/main.ts');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface DemoEnv {
  sim: SimInstance;
  git: GitServer;
  repoUrl: string;
  bareDir: string;
  workDir: string;
  /** Root path of the manifests inside the repo. */
  root: string;
  /** Runs `modsync <args>` with --repo/--kubeconfig/--path/--cache-dir filled in (unless given). */
  /**
   * Runs the CLI: in this process through `main(argv, env, io)` (fast), or as a child process
   * (`childProcess`, and always for the daemon `run`) where what is tested is the process itself.
   */
  modsync(args: string[], opts?: RunOptions): Promise<RunResult>;
  stop(): Promise<void>;
}

/** Reads a folder into a `{path: content}` map, paths relative to `base` with `prefix` added. */
export function readTree(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else out[join(prefix, relative(dir, full))] = readFileSync(full, 'utf8');
    }
  };
  walk(dir);
  return out;
}

/** The demo repository content: examples/ as committed in this project. */
export function exampleFiles(): Record<string, string> {
  return readTree(join(PROJECT, 'examples'));
}

export interface DemoEnvOptions {
  files?: Record<string, string>;
  root?: string;
  sim?: StartOptions;
  gitAuth?: { username: string; password: string };
}

/** How a test runs the CLI. */
export interface RunOptions {
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Run it as a child process (exit code, signals, start-up): the smoke tests do. */
  childProcess?: boolean;
  /** Node options of the child process (e.g. an `--import` hook). */
  nodeArgs?: string[];
  /** The script the child process runs instead of src/cli/main.ts (the built bundle). */
  bin?: string;
}

/** The CLI's environment in tests: only what it is given (no developer's settings leak in). */
function cliEnv(env: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', MODSYNC_LOG_FORMAT: 'json', ...env };
}

/** Runs the modsync CLI in this process (`main` with captured output); as fast as a function call. */
export async function runModsyncInProcess(
  args: string[],
  opts: { env?: Record<string, string> } = {},
): Promise<RunResult> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io = { out: (t: string) => void stdout.push(t), err: (t: string) => void stderr.push(t), tty: false };
  const code = await main(args, cliEnv(opts.env), io);
  return { code, stdout: stdout.join(''), stderr: stderr.join('') };
}

/** Runs the modsync CLI as a child process and collects its output. */
export function runModsync(
  args: string[],
  opts: { env?: Record<string, string>; timeoutMs?: number; cwd?: string; nodeArgs?: string[]; bin?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), opts.bin ?? MAIN, ...args], {
      cwd: opts.cwd ?? PROJECT,
      env: cliEnv(opts.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

export async function startDemoEnv(opts: DemoEnvOptions = {}): Promise<DemoEnv> {
  const workDir = mkdtempSync(join(tmpdir(), 'modsync-e2e-'));
  const sim = await start({ port: 0, tickMs: 50, kubeconfigPath: join(workDir, 'kubeconfig'), ...opts.sim });
  const bareDir = await createBareRepo(join(workDir, 'git'), 'demo.git', opts.files ?? exampleFiles(), {
    message: 'Desired state',
  });
  const git = await startGitServer({ root: join(workDir, 'git'), auth: opts.gitAuth });
  const repoUrl = git.repoUrl('demo.git');
  const root = opts.root ?? 'clusters/demo';
  const has = (args: string[], flag: string): boolean => args.some((a) => a === flag || a.startsWith(flag + '='));
  return {
    sim,
    git,
    repoUrl,
    bareDir,
    workDir,
    root,
    modsync(args, runOpts = {}) {
      const extra: string[] = [];
      const cmd = args[0];
      if (cmd === 'plan' || cmd === 'sync' || cmd === 'run') {
        if (!has(args, '--repo')) extra.push('--repo', repoUrl);
        if (!has(args, '--path')) extra.push('--path', root);
        if (!has(args, '--cache-dir')) extra.push('--cache-dir', join(workDir, 'cache'));
        if (!has(args, '--module-wait')) extra.push('--module-wait', '20');
      }
      if ((cmd === 'plan' || cmd === 'sync' || cmd === 'run' || cmd === 'status') && !has(args, '--kubeconfig'))
        extra.push('--kubeconfig', sim.kubeconfigPath);
      if (runOpts.childProcess || cmd === 'run') return runModsync([...args, ...extra], runOpts);
      return runModsyncInProcess([...args, ...extra], runOpts);
    },
    async stop() {
      await git.stop();
      await sim.stop();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
