import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.ts';
import { runModsync } from '../support/demo-env.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const PROJECT = fileURLToPath(new URL('../..', import.meta.url));

/** Runs the CLI with a resolve hook that records every module it loads; returns those under the project. */
function modulesLoadedBy(args: string[]): string[] {
  const hook = [
    "import { registerHooks } from 'node:module';",
    'const seen = new Set();',
    'registerHooks({ resolve(s, c, next) { const r = next(s, c); seen.add(r.url); return r; } });',
    "process.on('exit', () => process.stderr.write('\\nLOADED ' + JSON.stringify([...seen]) + '\\n'));",
  ].join('\n');
  const r = spawnSync(
    process.execPath,
    ['--import', `data:text/javascript,${encodeURIComponent(hook)}`, MAIN, ...args],
    { cwd: PROJECT, encoding: 'utf8' },
  );
  const line = r.stderr.split('\n').find((l) => l.startsWith('LOADED '));
  if (!line) throw new Error(`no module list; stderr: ${r.stderr}`);
  const root = new URL('../..', import.meta.url).href;
  return (JSON.parse(line.slice(7)) as string[]).filter((u) => u.startsWith(root)).map((u) => u.slice(root.length));
}

describe('the modsync command line', () => {
  it('lists its commands with --help', async () => {
    const r = await runModsync(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['validate', 'plan', 'sync', 'run', 'status', 'approve'])
      expect(r.stdout).toMatch(new RegExp(`^  ${cmd} `, 'm'));
  });

  it('shows a command help with its flags, env vars and config keys', async () => {
    const r = await runModsync(['sync', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--max-destructive VALUE');
    expect(r.stdout).toContain('MODSYNC_MAX_DESTRUCTIVE');
    expect(r.stdout).toContain('sync.maxDestructive');
  });

  it('answers a usage error with exit 64 and a way forward', async () => {
    const unknown = await runModsync(['plan', '--bogus']);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toContain('Run "modsync plan --help" for the flags.');
    const noRepo = await runModsync(['sync']);
    expect(noRepo.code).toBe(64);
    expect(noRepo.stderr).toContain(
      'no repository given: set --repo (or MODSYNC_REPO, or git.repo in the config file)',
    );
  });

  it('lists every configuration problem at once, before doing anything', async () => {
    const r = await runModsync(['sync', '--repo', '/tmp/x', '--git-host', 'bitbucket'], {
      env: { MODSYNC_MAX_DESTRUCTIVE: 'lots' },
    });
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('invalid configuration');
    expect(r.stderr).toContain('MODSYNC_MAX_DESTRUCTIVE must be a whole number');
    expect(r.stderr).toMatch(/host\.kind: .*--git-host/);
  });

  it('names each command in --help with the summary the command itself has', async () => {
    for (const entry of COMMANDS) {
      const cmd = await entry.load();
      expect({ name: cmd.name, summary: cmd.summary }).toEqual({ name: entry.name, summary: entry.summary });
    }
  });

  it('loads nothing but itself for --version, and no command for --help', () => {
    const heavy =
      /node_modules\/(@kubernetes|isomorphic-git|yaml|pino|prom-client|cron)\/|^src\/(config\/load|log|pipeline|cluster|git|host)/;
    const version = modulesLoadedBy(['--version']);
    expect(version).toContain('src/cli/main.ts');
    expect(version.filter((m) => m.includes('node_modules/') || heavy.test(m))).toEqual([]);
    const help = modulesLoadedBy(['--help']);
    expect(help.filter((m) => heavy.test(m))).toEqual([]);
    expect(help).not.toContain('src/cli/sync.ts');
  });

  it('validates without loading the cluster client, git or forge adapters', () => {
    const loaded = modulesLoadedBy(['validate', 'examples', '--path', 'clusters/demo']);
    expect(loaded).toContain('src/cli/validate.ts');
    expect(
      loaded.filter((m) =>
        /^src\/(cluster|git|host|server)\/|node_modules\/(isomorphic-git|@kubernetes|prom-client|cron)\//.test(m),
      ),
    ).toEqual([]);
  });
});
