import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { loadConfigSchema, settingsOf } from '../../src/config/settings.ts';

function tempFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'modsync-config-'));
  const file = join(dir, 'modsync.yaml');
  writeFileSync(file, text);
  return file;
}

describe('loadConfig', () => {
  it('gives the documented defaults when nothing is set', () => {
    const { config, problems } = loadConfig({ flags: {}, env: {} });
    expect(problems).toEqual([]);
    expect(config.instance).toBe('modsync');
    expect(config.git.branch).toBe('main');
    expect(config.sync.maxDestructive).toBe(3);
    expect(config.sync.protected).toEqual(['ModuleConfig/deckhouse', 'ModuleConfig/global']);
    expect(config.host.kind).toBe('none');
  });

  it('layers file < env < flags and converts types', () => {
    const file = tempFile('git:\n  branch: from-file\n  path: clusters/prod\nsync:\n  maxDestructive: 7\n');
    const { config, origins, problems } = loadConfig({
      file,
      env: { MODSYNC_BRANCH: 'from-env', MODSYNC_PRUNE: 'false', MODSYNC_PROTECTED: 'ModuleConfig/a, ModuleSource/b' },
      flags: { branch: 'from-flag', 'max-destructive': '2' },
    });
    expect(problems).toEqual([]);
    expect(config.git.branch).toBe('from-flag');
    expect(origins['git.branch']).toBe('flag');
    expect(config.git.path).toBe('clusters/prod');
    expect(origins['git.path']).toBe('file');
    expect(config.sync.prune).toBe(false);
    expect(origins['sync.prune']).toBe('env');
    expect(config.sync.maxDestructive).toBe(2);
    expect(config.sync.protected).toEqual(['ModuleConfig/a', 'ModuleSource/b']);
  });

  it('lists every problem at once, naming where each bad value came from', () => {
    const file = tempFile('git:\n  brnch: typo\nhost:\n  kind: bitbucket\n');
    const { problems } = loadConfig({
      file,
      env: { MODSYNC_MAX_DESTRUCTIVE: 'many' },
      flags: { 'log-level': 'loud', instance: 'Bad_Name' },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'git.brnch: unknown setting (see config/modsync.yaml for the list)',
        'sync.maxDestructive: environment variable MODSYNC_MAX_DESTRUCTIVE must be a whole number, got "many"',
        expect.stringMatching(/^host\.kind: must be equal to one of the allowed values \(from the config file\)$/),
        expect.stringMatching(/^log\.level: .*\(from --log-level\)$/),
        expect.stringMatching(/^instance: .*\(from --instance\)$/),
      ]),
    );
    expect(problems).toHaveLength(5);
  });

  it('reports an unreadable config file instead of ignoring it', () => {
    const { problems } = loadConfig({ file: '/nonexistent/modsync.yaml', env: {}, flags: {} });
    expect(problems).toEqual(['config file /nonexistent/modsync.yaml: cannot be read (ENOENT)']);
  });
});

describe('settings', () => {
  it('derives one flag and one env var per leaf setting, all distinct', () => {
    const settings = settingsOf(loadConfigSchema());
    const flags = settings.map((s) => s.flag);
    expect(new Set(flags).size).toBe(flags.length);
    expect(settings.find((s) => s.key === 'host.tokenFile')).toMatchObject({
      flag: 'git-host-token-file',
      env: 'MODSYNC_GIT_HOST_TOKEN_FILE',
    });
    expect(settings.find((s) => s.key === 'git.repo')).toMatchObject({
      flag: 'repo',
      env: 'MODSYNC_REPO',
      type: 'string',
    });
  });

  it('documents every setting in config/modsync.yaml with its flag and env var', async () => {
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(new URL('../../config/modsync.yaml', import.meta.url), 'utf8');
    for (const s of settingsOf(loadConfigSchema())) {
      expect(text, s.key).toContain(`--${s.flag}`);
      expect(text, s.key).toContain(s.env);
    }
  });
});
