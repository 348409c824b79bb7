// The local-directory adapter: the directory is used in place; status files are written into
// it (no commit); approval branches need a remote and say so.
import { lstat, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitError } from '../../src/core/errors.ts';
import { createLocalDir } from '../../src/git/local-dir.ts';
import { branchHead, createBareRepo, git } from '../support/git-repo.ts';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'modsync-local-dir-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('local directory', () => {
  it('checks out a plain directory in place with no commit', async () => {
    const dir = path.join(tmp, 'plain');
    await mkdir(dir);
    await writeFile(path.join(dir, 'mc.yaml'), 'kind: ModuleConfig\n');
    const co = await createLocalDir({ dir }).checkout();
    expect(co).toEqual({ dir, commit: null, ref: '(directory)' });
  });

  it('reports the HEAD commit and branch of a git working copy, also from a subfolder', async () => {
    const bare = await createBareRepo(path.join(tmp, 'repos'), 'local.git', {
      'clusters/prod/mc.yaml': 'kind: ModuleConfig\n',
    });
    const work = path.join(tmp, 'work');
    await git(['clone', '--quiet', bare, work]);
    const head = await branchHead(bare, 'main');
    expect(await createLocalDir({ dir: work }).checkout()).toEqual({ dir: work, commit: head, ref: 'main' });
    const sub = path.join(work, 'clusters', 'prod');
    expect(await createLocalDir({ dir: sub }).checkout()).toEqual({ dir: sub, commit: head, ref: 'main' });
  });

  it('fails clearly when the directory does not exist', async () => {
    const dir = path.join(tmp, 'nope');
    await expect(createLocalDir({ dir }).checkout()).rejects.toThrow(
      `${dir}: the repository directory does not exist or is not a directory`,
    );
  });

  it('writes status files into the directory, leaves unchanged files alone, removes deleted ones', async () => {
    const dir = path.join(tmp, 'status');
    await mkdir(dir);
    const port = createLocalDir({ dir });
    expect(
      await port.commit({ files: { 'status/README.md': '# status\n', 'status/old.md': 'old' }, message: 'status' }),
    ).toBeNull();
    expect(await readFile(path.join(dir, 'status/README.md'), 'utf8')).toBe('# status\n');
    const before = (await stat(path.join(dir, 'status/README.md'))).mtimeMs;
    await new Promise((r) => setTimeout(r, 20));
    await port.commit({ files: { 'status/README.md': '# status\n', 'status/old.md': null }, message: 'status' });
    expect((await stat(path.join(dir, 'status/README.md'))).mtimeMs).toBe(before);
    expect(await readdir(path.join(dir, 'status'))).toEqual(['README.md']);
    expect(await port.readFiles('main', ['status/README.md', 'status/old.md'])).toEqual({
      'status/README.md': '# status\n',
      'status/old.md': null,
    });
  });

  it('replaces a status file linked to /dev/zero or onto a manifest, never reading or writing through it', async () => {
    const dir = path.join(tmp, 'linked');
    await mkdir(path.join(dir, 'status'), { recursive: true });
    await writeFile(path.join(dir, 'mc.yaml'), 'kind: ModuleConfig\n');
    await symlink('/dev/zero', path.join(dir, 'status/status.yaml'));
    await symlink('../mc.yaml', path.join(dir, 'status/README.md'));
    const port = createLocalDir({ dir });
    expect(await port.readFiles('main', ['status/status.yaml'])).toEqual({ 'status/status.yaml': null });
    const files = { 'status/status.yaml': 'kind: StatusReport\n', 'status/README.md': '# status\n' };
    await port.commit({ files, message: 'status' });
    expect((await lstat(path.join(dir, 'status/status.yaml'))).isFile()).toBe(true);
    expect(await readFile(path.join(dir, 'status/status.yaml'), 'utf8')).toBe('kind: StatusReport\n');
    expect((await lstat(path.join(dir, 'status/README.md'))).isFile()).toBe(true);
    expect(await readFile(path.join(dir, 'mc.yaml'), 'utf8')).toBe('kind: ModuleConfig\n');
  });

  it('refuses to write outside the directory, through ".." or a symlink', async () => {
    const dir = path.join(tmp, 'guarded');
    const outside = path.join(tmp, 'outside');
    await mkdir(dir);
    await mkdir(outside);
    await symlink(outside, path.join(dir, 'status'));
    const port = createLocalDir({ dir });
    await expect(port.commit({ files: { '../escape.md': 'x' }, message: 'm' })).rejects.toBeInstanceOf(GitError);
    await expect(port.commit({ files: { 'status/README.md': 'x' }, message: 'm' })).rejects.toThrow(
      'status/README.md resolves outside the directory (symlink)',
    );
    expect(await readdir(outside)).toEqual([]);
  });

  it('says approval branches need a remote repository', async () => {
    const dir = path.join(tmp, 'branches');
    await mkdir(dir);
    const port = createLocalDir({ dir, branch: 'main' });
    const needsRemote = 'needs a remote repository (an https:// URL in --repo)';
    await expect(port.putBranch('modsync/approve/x', {}, 'm')).rejects.toThrow(needsRemote);
    await expect(port.listBranches('modsync/')).rejects.toThrow(needsRemote);
    await expect(port.deleteBranch('modsync/approve/x')).rejects.toThrow(needsRemote);
    await expect(port.readFiles('modsync/approve/x', ['a'])).rejects.toThrow(needsRemote);
  });
});
