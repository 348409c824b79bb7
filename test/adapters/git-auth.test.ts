// Loading git credentials: from a mounted Secret file or an env var, registered for redaction.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASK, Redactor } from '../../src/core/redact.ts';
import { loadGitAuth, splitUrlCredentials } from '../../src/git/auth.ts';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'modsync-git-auth-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('loadGitAuth', () => {
  it('reads a token file (trimmed), prefers it over the env var, and registers it for redaction', async () => {
    const file = path.join(tmp, 'token');
    await writeFile(file, '  glpat-fileToken123\n');
    const redactor = new Redactor();
    const auth = loadGitAuth({ tokenFile: file, tokenEnv: 'GIT_TOKEN', env: { GIT_TOKEN: 'envToken456' }, redactor });
    expect(auth).toEqual({ username: 'x-access-token', token: 'glpat-fileToken123' });
    expect(redactor.scrub('token=glpat-fileToken123')).toBe(`token=${MASK}`);
  });

  it('reads the env var with a custom username', () => {
    expect(loadGitAuth({ tokenEnv: 'GIT_TOKEN', username: 'oauth2', env: { GIT_TOKEN: 'envToken456\n' } })).toEqual({
      username: 'oauth2',
      token: 'envToken456',
    });
  });

  it('is anonymous when nothing is configured or the env var is unset', () => {
    expect(loadGitAuth({ env: {} })).toBeUndefined();
    expect(loadGitAuth({ tokenEnv: 'MODSYNC_GIT_TOKEN', env: {} })).toBeUndefined();
  });

  it('fails clearly when a configured token file is missing or empty', async () => {
    const empty = path.join(tmp, 'empty');
    await writeFile(empty, '\n');
    expect(() => loadGitAuth({ tokenFile: path.join(tmp, 'missing'), env: {} })).toThrow(
      `${path.join(tmp, 'missing')}: cannot read the git token file: ENOENT`,
    );
    expect(() => loadGitAuth({ tokenFile: empty, env: {} })).toThrow(`${empty}: the git token file is empty`);
  });
});

describe('splitUrlCredentials', () => {
  it('moves credentials out of the URL and registers them', () => {
    const redactor = new Redactor();
    expect(splitUrlCredentials('https://bot:s3cr3t-pass@git.example.com/org/repo.git', undefined, redactor)).toEqual({
      url: 'https://git.example.com/org/repo.git',
      auth: { username: 'bot', token: 's3cr3t-pass' },
    });
    expect(redactor.scrub('s3cr3t-pass')).toBe(MASK);
    expect(splitUrlCredentials('https://ghp_abcdef123@github.com/o/r.git', undefined).auth).toEqual({
      username: 'x-access-token',
      token: 'ghp_abcdef123',
    });
  });

  it('keeps configured auth over URL credentials and leaves plain URLs alone', () => {
    expect(splitUrlCredentials('https://u:p@h/r.git', { token: 'configured' })).toEqual({
      url: 'https://h/r.git',
      auth: { token: 'configured' },
    });
    expect(splitUrlCredentials('https://h/r.git', undefined)).toEqual({ url: 'https://h/r.git', auth: undefined });
  });
});
