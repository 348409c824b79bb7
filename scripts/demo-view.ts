/**
 * Printing and watching helpers of the demo (`npm start`): step headings, the modsync CLI run
 * as a child process with its output shown live, and `kubectl get`-like views of dkp-sim's
 * Modules and ModuleReleases. Kept apart from demo.ts so the story reads top to bottom.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SimInstance } from '../test/dkp-sim/index.ts';

const PROJECT = fileURLToPath(new URL('../', import.meta.url));
const CLI = join(PROJECT, 'src/cli/main.ts');
const BOLD = process.stdout.isTTY ? '\u001b[1m' : '';
const DIM = process.stdout.isTTY ? '\u001b[2m' : '';
const RESET = process.stdout.isTTY ? '\u001b[0m' : '';

/** Writes one line to the demo's output. */
export function say(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/** A numbered step heading, so a newcomer can follow where the story is. */
export function heading(step: number, title: string): void {
  say();
  say(`${BOLD}== ${step}. ${title} ==${RESET}`);
}

/** Prints text indented under the current step (file contents, tables). */
export function block(text: string, prefix = '    '): void {
  for (const line of text.replace(/\n+$/, '').split('\n')) say(`${prefix}${line}`);
}

/** A running child process that the demo stops on Ctrl-C. */
export interface Child {
  proc: ChildProcess;
  /** Resolves with the exit code (or -1 when killed by a signal). */
  done: Promise<number>;
}

/**
 * Starts `modsync <args>` on this Node (24) and streams its stdout and stderr, indented and
 * marked, so the demo shows exactly what a user would see in their terminal.
 */
export function startModsync(args: string[], env: Record<string, string> = {}): Child {
  say(`${DIM}$ modsync ${args.map((a) => (/[\s*"]/.test(a) ? JSON.stringify(a) : a)).join(' ')}${RESET}`);
  const proc = spawn(process.execPath, [CLI, ...args], {
    cwd: PROJECT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const relay = (stream: NodeJS.ReadableStream): void => {
    let rest = '';
    stream.on('data', (d: Buffer) => {
      const lines = (rest + d.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) say(`  │ ${l}`);
    });
    stream.on('end', () => rest && say(`  │ ${rest}`));
  };
  relay(proc.stdout!);
  relay(proc.stderr!);
  const done = new Promise<number>((resolve) => {
    proc.on('error', () => resolve(-1));
    proc.on('close', (code) => resolve(code ?? -1));
  });
  return { proc, done };
}

/** A free TCP port on 127.0.0.1 (for the daemon's --listen). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface SimObject {
  metadata: { name: string; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  properties?: Record<string, unknown>;
}

const MODULE_COLUMNS = ['NAME', 'WEIGHT', 'SOURCE', 'VERSION', 'PHASE', 'ENABLED', 'READY'];
const WIDTHS = [16, 8, 10, 10, 14, 9, 6];

function row(cells: string[]): string {
  return cells
    .map((c, i) => c.padEnd(WIDTHS[i] ?? 0))
    .join(' ')
    .trimEnd();
}

function condition(m: SimObject, type: string): string {
  const conditions = (m.status?.conditions ?? []) as { type: string; status: string }[];
  return conditions.find((c) => c.type === type)?.status ?? '';
}

function moduleRow(m: SimObject): string {
  const p = m.properties ?? {};
  return row([
    m.metadata.name,
    String(p.weight ?? ''),
    String(p.source ?? ''),
    String(p.version ?? ''),
    String(m.status?.phase ?? ''),
    condition(m, 'EnabledByModuleConfig'),
    condition(m, 'IsReady'),
  ]);
}

/** Records module rows as they change, like `kubectl get modules -w` left running. */
export interface ModuleWatch {
  /** Prints the header and every change recorded so far, then keeps printing live until every module in `names` is Ready; false on timeout. */
  untilReady(names: string[], timeoutMs?: number): Promise<boolean>;
  stop(): void;
}

/**
 * Starts watching dkp-sim's Modules (polled every 50 ms) quietly, so the changes that happen
 * while a sync runs can be shown afterwards, each with the time it was seen.
 */
export function watchModules(sim: SimInstance): ModuleWatch {
  const seen = new Map<string, string>();
  const log: string[] = [];
  let printed = 0;
  let live = false;
  const poll = (): boolean => {
    const modules = (sim.control.view.list('modules') as unknown as SimObject[]).sort((a, b) =>
      a.metadata.name.localeCompare(b.metadata.name),
    );
    for (const m of modules) {
      const line = moduleRow(m);
      if (seen.get(m.metadata.name) !== line) log.push(`${new Date().toISOString().slice(11, 19)}  ${line}`);
      seen.set(m.metadata.name, line);
    }
    if (live) for (; printed < log.length; printed++) say(`    ${log[printed]}`);
    return true;
  };
  const timer = setInterval(poll, 50);
  timer.unref(); // never what keeps the demo alive
  const readyNames = (names: string[]): boolean =>
    names.every(
      (n) => (sim.control.view.get('modules', n) as unknown as SimObject | undefined)?.status?.phase === 'Ready',
    );
  return {
    async untilReady(names, timeoutMs = 30_000) {
      say(`    ${'SEEN AT'.padEnd(8)}  ${row(MODULE_COLUMNS)}`);
      live = true;
      poll();
      const deadline = Date.now() + timeoutMs;
      while (!readyNames(names)) {
        if (Date.now() > deadline) return false;
        await new Promise((r) => setTimeout(r, 50));
      }
      poll();
      return true;
    },
    stop: () => clearInterval(timer),
  };
}

/** `kubectl get mr`-like lines for one module's releases. */
export function releaseLines(sim: SimInstance, module: string): string {
  const releases = (sim.control.view.list('modulereleases') as unknown as SimObject[]).filter(
    (r) => r.spec?.moduleName === module,
  );
  const lines = [['NAME', 'PHASE', 'APPROVED', 'MESSAGE']];
  for (const r of releases) {
    const approved =
      r.metadata.annotations?.['modules.deckhouse.io/approved'] === 'true' || r.status?.approved === true;
    lines.push([
      r.metadata.name,
      String(r.status?.phase ?? ''),
      approved ? 'true' : 'false',
      String(r.status?.message ?? ''),
    ]);
  }
  return lines
    .map((l) =>
      `${(l[0] ?? '').padEnd(22)} ${(l[1] ?? '').padEnd(11)} ${(l[2] ?? '').padEnd(9)} ${l[3] ?? ''}`.trimEnd(),
    )
    .join('\n');
}

/** Waits until a release reaches a phase; false on timeout. */
export async function waitRelease(sim: SimInstance, name: string, phase: string, timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = sim.control.view.get('modulereleases', name) as unknown as SimObject | undefined;
    if (r?.status?.phase === phase) return true;
    await new Promise((res) => setTimeout(res, 100));
  }
  return false;
}
