// The isomorphic-git adapter's working tree across commits: a new commit is checked out by
// writing only what differs, and the result always equals `git archive` of the commit.
import { execFile } from 'node:child_process';
import {
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIsoGit } from '../../src/git/iso-git.ts';
import { createBareRepo, git } from '../support/git-repo.ts';
import { startGitServer, type GitServer } from '../support/git-server.ts';

const run = promisify(execFile);
const AUTHOR = { name: 'modsync', email: 'modsync@example.com' };
let tmp: string;
let root: string;
let server: GitServer;
let n = 0;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'modsync-git-checkout-'));
  root = path.join(tmp, 'repos');
  server = await startGitServer({ root });
});
afterAll(async () => {
  await server.stop();
  await rm(tmp, { recursive: true, force: true });
});

async function setup(files: Record<string, string>) {
  const name = `repo${++n}.git`;
  const bare = await createBareRepo(root, name, files);
  const cacheDir = path.join(tmp, `cache${n}`);
  // What each checkout did to the tree, from the adapter's log: unchanged, updated or rewritten.
  const trees: unknown[] = [];
  const logger = {
    debug: () => {},
    warn: () => {},
    info: (o: Record<string, unknown>) => void ('tree' in o && trees.push(o.tree)),
  };
  const port = createIsoGit({ url: server.repoUrl(name), branch: 'main', cacheDir, author: AUTHOR, logger });
  return { bare, port, cacheDir, trees };
}

/** Commits whatever `edit` does to a fresh clone of main (symlinks, modes, folders included). */
async function commitWith(bare: string, edit: (work: string) => Promise<void>): Promise<string> {
  const work = await mkdtemp(path.join(tmp, 'work-'));
  try {
    await git(['clone', '--quiet', '--branch', 'main', bare, work]);
    await edit(work);
    await git(['add', '-A'], work);
    await git(['commit', '--quiet', '-m', 'edit'], work);
    await git(['push', '--quiet', 'origin', 'HEAD:refs/heads/main'], work);
    return (await git(['rev-parse', 'HEAD'], work)).trim();
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Every path under `dir` with what a reader sees: folder, file content + executable bit, link target. */
async function listing(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const rel of (await readdir(dir, { recursive: true })).sort()) {
    const full = path.join(dir, rel);
    const st = await lstat(full);
    if (st.isSymbolicLink()) out[rel] = `link -> ${await readlink(full)}`;
    else if (st.isDirectory()) out[rel] = 'dir';
    else out[rel] = `${st.mode & 0o100 ? 'exec' : 'file'}: ${await readFile(full, 'utf8')}`;
  }
  return out;
}

/** The listing of `git archive <commit>` unpacked by tar, the reference for a checkout. */
async function archived(bare: string, commit: string): Promise<Record<string, string>> {
  const dir = await mkdtemp(path.join(tmp, 'archive-'));
  await run('sh', ['-c', `git --git-dir="$1" archive --format=tar "$2" | tar -x -C "$3"`, 'sh', bare, commit, dir]);
  return listing(dir);
}

async function identities(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const rel of await readdir(dir, { recursive: true })) {
    const st = await lstat(path.join(dir, rel), { bigint: true });
    out.set(rel, `${st.ino}/${st.mtimeNs}`);
  }
  return out;
}

describe('checkout of a new commit', () => {
  it('rewrites only the changed file: every other file keeps its inode and mtime', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 40; i++) files[`clusters/c${i % 4}/mc-${i}.yaml`] = `name: m${i}\n`;
    const { bare, port, trees } = await setup(files);
    const first = await port.checkout();
    const before = await identities(first.dir);
    const rootIno = (await stat(first.dir)).ino;
    const next = await commitWith(bare, (w) => writeFile(path.join(w, 'clusters/c1/mc-5.yaml'), 'name: changed\n'));
    const co = await port.checkout();
    expect(co.commit).toBe(next);
    expect(co.dir).toBe(first.dir);
    expect((await stat(co.dir)).ino).toBe(rootIno);
    const after = await identities(co.dir);
    const touched = [...after].filter(([rel, id]) => before.get(rel) !== id).map(([rel]) => rel);
    expect(touched).toEqual(['clusters/c1/mc-5.yaml']);
    expect(await listing(co.dir)).toEqual(await archived(bare, next));
    expect(trees).toEqual(['rewritten', 'updated']);
  });

  it('fetches just the objects of one new commit, not the whole tree again', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 300; i++) files[`m/mc-${i}.yaml`] = `name: m${i}\n`;
    const { bare, port, cacheDir } = await setup(files);
    await port.checkout();
    const [entry] = await readdir(cacheDir);
    const packDir = path.join(cacheDir, entry!, 'git', 'objects', 'pack');
    const before = new Set(await readdir(packDir));
    await commitWith(bare, (w) => writeFile(path.join(w, 'm/mc-7.yaml'), 'name: changed\n'));
    await port.checkout();
    const added = (await readdir(packDir)).filter((f) => f.endsWith('.idx') && !before.has(f));
    let objects = 0;
    for (const idx of added) {
      const { stdout } = await run('sh', ['-c', 'git show-index < "$1"', 'sh', path.join(packDir, idx)]);
      objects += stdout.trim().split('\n').length;
    }
    // The commit, the root tree, the m/ tree and the changed file.
    expect(objects).toBe(4);
  });

  it('follows removals, renames, emptied folders and file <-> folder swaps', async () => {
    const { bare, port, trees } = await setup({
      'a.yaml': 'a\n',
      'gone/only.yaml': 'x\n',
      'old/name.yaml': 'n\n',
      'becomes-dir': 'f\n',
      'becomes-file/inner.yaml': 'i\n',
      'keep/k.yaml': 'k\n',
    });
    await port.checkout();
    const next = await commitWith(bare, async (w) => {
      await rm(path.join(w, 'gone'), { recursive: true });
      await mkdir(path.join(w, 'new'));
      await run('git', ['mv', 'old/name.yaml', 'new/name.yaml'], { cwd: w });
      await rm(path.join(w, 'becomes-dir'));
      await mkdir(path.join(w, 'becomes-dir'));
      await writeFile(path.join(w, 'becomes-dir/child.yaml'), 'c\n');
      await rm(path.join(w, 'becomes-file'), { recursive: true });
      await writeFile(path.join(w, 'becomes-file'), 'now a file\n');
      await rm(path.join(w, 'a.yaml'));
    });
    const co = await port.checkout();
    const want = await archived(bare, next);
    expect(await listing(co.dir)).toEqual(want);
    expect(Object.keys(want).sort()).toEqual([
      'becomes-dir',
      'becomes-dir/child.yaml',
      'becomes-file',
      'keep',
      'keep/k.yaml',
      'new',
      'new/name.yaml',
    ]);
    expect(trees).toEqual(['rewritten', 'updated']);
  });

  it('writes symlinks as links and keeps executable bits, in both directions', async () => {
    const { bare, port, trees } = await setup({ 'target.yaml': 't\n', 'run.sh': 'echo hi\n', 'plain.yaml': 'p\n' });
    await port.checkout();
    const withLinks = await commitWith(bare, async (w) => {
      await symlink('target.yaml', path.join(w, 'link.yaml'));
      await symlink('target.yaml', path.join(w, 'plain.yaml.link'));
      await chmod(path.join(w, 'run.sh'), 0o755);
    });
    const co = await port.checkout();
    expect(await listing(co.dir)).toEqual(await archived(bare, withLinks));
    expect((await listing(co.dir))['run.sh']).toBe('exec: echo hi\n');
    const back = await commitWith(bare, async (w) => {
      await rm(path.join(w, 'link.yaml'));
      await writeFile(path.join(w, 'link.yaml'), 'a file now\n');
      await rm(path.join(w, 'plain.yaml.link'));
      await symlink('run.sh', path.join(w, 'plain.yaml.link'));
      await chmod(path.join(w, 'run.sh'), 0o644);
    });
    await port.checkout();
    expect(await listing(co.dir)).toEqual(await archived(bare, back));
    expect(await readFile(path.join(co.dir, 'target.yaml'), 'utf8')).toBe('t\n');
    expect(trees).toEqual(['rewritten', 'updated', 'updated']);
  });

  it('never writes through a symlink that becomes a folder', async () => {
    const outside = await mkdtemp(path.join(tmp, 'outside-'));
    const { bare, port, trees } = await setup({ 'a.yaml': 'a\n' });
    await commitWith(bare, (w) => symlink(outside, path.join(w, 'escape')));
    await port.checkout();
    const next = await commitWith(bare, async (w) => {
      await rm(path.join(w, 'escape'));
      await mkdir(path.join(w, 'escape'));
      await writeFile(path.join(w, 'escape/mc.yaml'), 'inside\n');
    });
    const co = await port.checkout();
    expect(await readdir(outside)).toEqual([]);
    expect(await listing(co.dir)).toEqual(await archived(bare, next));
    expect(trees).toEqual(['rewritten', 'updated']);
  });

  it('writes the tree afresh, never through a link, when the files on disk were changed behind its back', async () => {
    const outside = await mkdtemp(path.join(tmp, 'outside-'));
    await writeFile(path.join(outside, 'victim.yaml'), 'untouched\n');
    const { bare, port, trees } = await setup({ 'a.yaml': 'a\n', 'd/b.yaml': 'b\n' });
    const first = await port.checkout();
    await rm(path.join(first.dir, 'd/b.yaml'));
    await symlink(path.join(outside, 'victim.yaml'), path.join(first.dir, 'd/b.yaml'));
    const next = await commitWith(bare, (w) => writeFile(path.join(w, 'd/b.yaml'), 'b2\n'));
    const co = await port.checkout();
    expect(await readFile(path.join(outside, 'victim.yaml'), 'utf8')).toBe('untouched\n');
    expect(await listing(co.dir)).toEqual(await archived(bare, next));
    expect(trees).toEqual(['rewritten', 'rewritten']);
  });

  it('writes the whole tree afresh when the record of the checked-out commit is missing or wrong', async () => {
    const { bare, port, cacheDir, trees } = await setup({ 'a.yaml': 'a\n', 'd/b.yaml': 'b\n' });
    const first = await port.checkout();
    const [entry] = await readdir(cacheDir);
    const record = path.join(cacheDir, entry!, 'checked-out');
    // A commit the cache does not have: the diff cannot be computed. A stray file shows the
    // tree was written afresh rather than patched.
    await writeFile(record, `${'e'.repeat(40)}\n`);
    await writeFile(path.join(first.dir, 'stray.yaml'), 'left over\n');
    const next = await commitWith(bare, (w) => writeFile(path.join(w, 'd/b.yaml'), 'b2\n'));
    const co = await port.checkout();
    expect(co.commit).toBe(next);
    expect(await listing(co.dir)).toEqual(await archived(bare, next));
    expect(trees).toEqual(['rewritten', 'rewritten']);
    // No record at all (a crash during an update): the tree is written again, stray files go.
    await rm(record);
    await writeFile(path.join(co.dir, 'stray.yaml'), 'left over\n');
    const again = await createIsoGit({
      url: server.repoUrl(`repo${n}.git`),
      branch: 'main',
      cacheDir,
      author: AUTHOR,
    }).checkout();
    expect(again.commit).toBe(next);
    expect(await listing(again.dir)).toEqual(await archived(bare, next));
    expect((await readFile(record, 'utf8')).trim()).toBe(next);
  });
});
