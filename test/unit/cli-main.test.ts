import { describe, expect, it } from 'vitest';
import { runModsync } from '../support/demo-env.ts';

describe('the modsync command line', () => {
  it('lists its commands with --help', async () => {
    const r = await runModsync(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['validate', 'plan', 'sync', 'run', 'status', 'approve']) expect(r.stdout).toMatch(new RegExp(`^  ${cmd} `, 'm'));
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
    expect(noRepo.stderr).toContain('no repository given: set --repo (or MODSYNC_REPO, or git.repo in the config file)');
  });

  it('lists every configuration problem at once, before doing anything', async () => {
    const r = await runModsync(['sync', '--repo', '/tmp/x', '--git-host', 'bitbucket'], { env: { MODSYNC_MAX_DESTRUCTIVE: 'lots' } });
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('invalid configuration');
    expect(r.stderr).toContain('MODSYNC_MAX_DESTRUCTIVE must be a whole number');
    expect(r.stderr).toMatch(/host\.kind: .*--git-host/);
  });
});
