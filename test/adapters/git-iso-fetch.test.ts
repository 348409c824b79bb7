// The isomorphic-git adapter's read side against a real `git http-backend`: clone, fetch,
// pins, auth and timeouts.
import { mkdtemp, readdir, readFile, rm, stat, truncate } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GitError } from '../../src/core/errors.ts';
import { Redactor } from '../../src/core/redact.ts';
import { createIsoGit, type IsoGitOptions } from '../../src/git/iso-git.ts';
import { branchHead, createBareRepo, pushFiles, tagBranch } from '../support/git-repo.ts';
import { startGitServer, type GitServer } from '../support/git-server.ts';

const AUTHOR = { name: 'modsync', email: 'modsync@example.com' };
let tmp: string;
let root: string;
let server: GitServer;
let n = 0;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'modsync-git-fetch-'));
  root = path.join(tmp, 'repos');
  server = await startGitServer({ root });
});
afterAll(async () => {
  await server.stop();
  await rm(tmp, { recursive: true, force: true });
});

/** A fresh repository and an adapter with its own cache for each test. */
async function setup(files: Record<string, string>, extra: Partial<IsoGitOptions> = {}) {
  const name = `repo${++n}.git`;
  const bare = await createBareRepo(root, name, files);
  const cacheDir = path.join(tmp, `cache${n}`);
  const port = createIsoGit({ url: server.repoUrl(name), branch: 'main', cacheDir, author: AUTHOR, ...extra });
  return { bare, port, cacheDir };
}

async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const rel of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (rel.isFile()) {
      const full = path.join(rel.parentPath, rel.name);
      out[path.relative(dir, full)] = await readFile(full, 'utf8');
    }
  }
  return out;
}

describe('checkout', () => {
  it('clones the branch and writes exactly its tree, without a .git folder', async () => {
    const { bare, port } = await setup({ 'a.yaml': 'a: 1\n', 'clusters/prod/mc.yaml': 'kind: ModuleConfig\n' });
    const co = await port.checkout();
    expect(co.commit).toBe(await branchHead(bare, 'main'));
    expect(co.ref).toBe('main');
    expect(await tree(co.dir)).toEqual({ 'a.yaml': 'a: 1\n', 'clusters/prod/mc.yaml': 'kind: ModuleConfig\n' });
  });

  it('fetches a new commit: new content appears and removed files are gone', async () => {
    const { bare, port } = await setup({ 'a.yaml': 'a: 1\n', 'dir/b.yaml': 'b: 2\n' });
    await port.checkout();
    const next = await pushFiles(
      bare,
      'main',
      { 'dir/b.yaml': null, 'a.yaml': 'a: 2\n', 'c/d.yaml': 'd: 4\n' },
      'edit',
    );
    const co = await port.checkout();
    expect(co.commit).toBe(next);
    expect(await tree(co.dir)).toEqual({ 'a.yaml': 'a: 2\n', 'c/d.yaml': 'd: 4\n' });
    expect(await readdir(co.dir)).not.toContain('dir');
  });

  it('a no-op fetch is one request (the advertisement), also from a new process on the same cache', async () => {
    const { port, cacheDir } = await setup({ 'a.yaml': 'a: 1\n' });
    const first = await port.checkout();
    let before = server.requests;
    const again = await port.checkout();
    expect(again).toEqual(first);
    expect(server.requests - before).toBe(1);
    expect(await tree(again.dir)).toEqual({ 'a.yaml': 'a: 1\n' });
    before = server.requests;
    const fresh = await createIsoGit({
      url: server.repoUrl(`repo${n}.git`),
      branch: 'main',
      cacheDir,
      author: AUTHOR,
    }).checkout();
    expect(fresh).toEqual(first);
    expect(server.requests - before).toBe(1);
  });

  it('pins a lightweight or annotated tag', async () => {
    const { bare } = await setup({ 'v.yaml': 'v: 1\n' });
    const tagged = await branchHead(bare, 'main');
    await tagBranch(bare, 'main', 'v1');
    await tagBranch(bare, 'main', 'v1-annotated', 'release 1');
    await pushFiles(bare, 'main', { 'v.yaml': 'v: 2\n' }, 'after the tag');
    for (const revision of ['v1', 'v1-annotated']) {
      const port = createIsoGit({
        url: server.repoUrl(path.basename(bare)),
        branch: 'main',
        revision,
        cacheDir: path.join(tmp, `cache-tag-${revision}`),
        author: AUTHOR,
      });
      const co = await port.checkout();
      expect(co).toMatchObject({ commit: tagged, ref: revision });
      expect(await tree(co.dir)).toEqual({ 'v.yaml': 'v: 1\n' });
      // Again, now answered from the advertisement alone (one request, the one asked before the
      // cache is checked): still the commit, not the tag object.
      const before = server.requests;
      expect(await port.checkout()).toEqual(co);
      expect(server.requests - before).toBe(1);
    }
  });

  it('pins a commit below the branch head by fetching deeper', async () => {
    const { bare } = await setup({ 'v.yaml': 'v: 1\n' });
    const pinned = await pushFiles(bare, 'main', { 'v.yaml': 'v: 2\n' }, 'second');
    await pushFiles(bare, 'main', { 'v.yaml': 'v: 3\n', 'w.yaml': 'w\n' }, 'third');
    await pushFiles(bare, 'main', { 'v.yaml': 'v: 4\n' }, 'fourth');
    const port = createIsoGit({
      url: server.repoUrl(path.basename(bare)),
      branch: 'main',
      revision: pinned,
      cacheDir: path.join(tmp, 'cache-pin'),
      author: AUTHOR,
    });
    const co = await port.checkout();
    expect(co).toMatchObject({ commit: pinned, ref: pinned });
    expect(await tree(co.dir)).toEqual({ 'v.yaml': 'v: 2\n' });
    // A commit the cache already has needs no request at all (no advertisement asked ahead).
    const before = server.requests;
    expect(await port.checkout()).toEqual(co);
    expect(server.requests - before).toBe(0);
  });

  it('explains a pin that does not exist', async () => {
    const { bare } = await setup({ 'v.yaml': 'v: 1\n' });
    const url = server.repoUrl(path.basename(bare));
    const missingCommit = createIsoGit({
      url,
      branch: 'main',
      revision: 'f'.repeat(40),
      cacheDir: path.join(tmp, 'cache-nopin'),
      author: AUTHOR,
    });
    await expect(missingCommit.checkout()).rejects.toThrow(
      `${url}: commit ${'f'.repeat(40)} is not in the history of branch main`,
    );
    const missingTag = createIsoGit({
      url,
      branch: 'main',
      revision: 'v9',
      cacheDir: path.join(tmp, 'cache-notag'),
      author: AUTHOR,
    });
    await expect(missingTag.checkout()).rejects.toThrow(`${url}: tag v9 does not exist`);
    const missingBranch = createIsoGit({
      url,
      branch: 'nope',
      cacheDir: path.join(tmp, 'cache-nobranch'),
      author: AUTHOR,
    });
    await expect(missingBranch.checkout()).rejects.toThrow(`${url}: branch nope does not exist`);
  });

  it('recovers from a corrupt cache (a fetch killed half-way) by cloning again', async () => {
    const { bare } = await setup({ 'a.yaml': 'a: 1\n' });
    const cacheDir = path.join(tmp, 'cache-corrupt');
    const make = () =>
      createIsoGit({ url: server.repoUrl(path.basename(bare)), branch: 'main', cacheDir, author: AUTHOR });
    await make().checkout();
    const [hash = ''] = await readdir(cacheDir);
    const packDir = path.join(cacheDir, hash, 'git', 'objects', 'pack');
    for (const f of (await readdir(packDir)).filter((name) => name.endsWith('.pack'))) {
      await truncate(path.join(packDir, f), Math.floor((await stat(path.join(packDir, f))).size / 2));
    }
    const head = await pushFiles(bare, 'main', { 'b.yaml': 'b: 2\n' }, 'next');
    const co = await make().checkout();
    expect(co.commit).toBe(head);
    expect(await tree(co.dir)).toEqual({ 'a.yaml': 'a: 1\n', 'b.yaml': 'b: 2\n' });
  });

  it('reports an unknown repository as a GitError, not transient', async () => {
    const port = createIsoGit({
      url: server.repoUrl('missing'),
      branch: 'main',
      cacheDir: path.join(tmp, 'cache-missing'),
      author: AUTHOR,
    });
    const err = await port.checkout().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitError);
    expect(err).toMatchObject({ name: 'GitError', transient: false, subject: server.repoUrl('missing') });
  });
});

describe('auth', () => {
  const TOKEN = 'ghp_fake_sekret_token_1234';
  let authRoot: string;
  let authServer: GitServer;
  beforeAll(async () => {
    authRoot = path.join(tmp, 'auth-repos');
    await createBareRepo(authRoot, 'private.git', { 'a.yaml': 'a: 1\n' });
    authServer = await startGitServer({ root: authRoot, auth: { username: 'x-access-token', password: TOKEN } });
  });
  afterAll(() => authServer.stop());

  it('clones with a token, and keeps it out of the stored config', async () => {
    const cacheDir = path.join(tmp, 'cache-auth-ok');
    const port = createIsoGit({
      url: authServer.repoUrl('private'),
      branch: 'main',
      cacheDir,
      auth: { token: TOKEN },
      author: AUTHOR,
    });
    const co = await port.checkout();
    expect(await tree(co.dir)).toEqual({ 'a.yaml': 'a: 1\n' });
    await expectNoTokenOnDisk(cacheDir, TOKEN);
  });

  it('accepts credentials embedded in the URL without storing them', async () => {
    const cacheDir = path.join(tmp, 'cache-auth-url');
    const url = authServer.repoUrl('private').replace('http://', `http://x-access-token:${TOKEN}@`);
    const co = await createIsoGit({ url, branch: 'main', cacheDir, author: AUTHOR }).checkout();
    expect(co.commit).toMatch(/^[0-9a-f]{40}$/);
    await expectNoTokenOnDisk(cacheDir, TOKEN);
  });

  it('fails clearly on a wrong or missing token, without leaking it', async () => {
    const redactor = new Redactor();
    const wrong = 'ghp_wrongTokenValue9876';
    redactor.add(wrong);
    for (const auth of [{ token: wrong }, undefined]) {
      const port = createIsoGit({
        url: authServer.repoUrl('private'),
        branch: 'main',
        cacheDir: path.join(tmp, `cache-auth-bad-${auth ? 1 : 0}`),
        auth,
        author: AUTHOR,
        redactor,
      });
      const err = (await port.checkout().catch((e: unknown) => e)) as GitError;
      expect(err).toBeInstanceOf(GitError);
      expect(err.message).toBe(
        `${authServer.repoUrl('private')}: fetch main failed: authentication failed (HTTP 401): check the git token and username`,
      );
      expect(err.transient).toBe(false);
      expect(JSON.stringify({ message: err.message, stack: err.stack })).not.toContain(wrong);
    }
  });
});

describe('timeouts', () => {
  let silent: Server;
  let url: string;
  beforeAll(async () => {
    // Accepts connections and never answers.
    silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/stuck.git`;
  });
  afterEach(() => silent.closeAllConnections());
  afterAll(() => new Promise<void>((resolve) => silent.close(() => resolve())));

  it('gives up on a server that never answers within timeoutMs, as a transient error', async () => {
    const port = createIsoGit({
      url,
      branch: 'main',
      cacheDir: path.join(tmp, 'cache-timeout'),
      author: AUTHOR,
      timeoutMs: 300,
    });
    const started = Date.now();
    const err = (await port.checkout().catch((e: unknown) => e)) as GitError;
    const elapsed = Date.now() - started;
    expect(err).toBeInstanceOf(GitError);
    expect(err.message).toBe(`${url}: fetch main failed: timed out after 300 ms`);
    expect(err).toMatchObject({ name: 'GitError', transient: true });
    expect(elapsed).toBeLessThan(5_000);
  });

  it('applies the deadline to commits and branch listings too', async () => {
    const port = createIsoGit({
      url,
      branch: 'main',
      cacheDir: path.join(tmp, 'cache-timeout-2'),
      author: AUTHOR,
      timeoutMs: 200,
    });
    await expect(port.listBranches('modsync/')).rejects.toThrow('list branches failed: timed out after 200 ms');
    await expect(port.commit({ files: { 'status/x': 'x' }, message: 'm' })).rejects.toMatchObject({
      name: 'GitError',
      transient: true,
    });
  });
});

/** Neither the git config nor any ref or state file in the cache holds the token. */
async function expectNoTokenOnDisk(cacheDir: string, token: string): Promise<void> {
  const entries = await readdir(cacheDir, { recursive: true, withFileTypes: true });
  const texts = entries.filter((e) => e.isFile() && !e.parentPath.includes(`${path.sep}objects`));
  expect(texts.length).toBeGreaterThan(0);
  for (const e of texts) expect(await readFile(path.join(e.parentPath, e.name), 'utf8')).not.toContain(token);
  const config = entries.find((e) => e.name === 'config' && e.parentPath.endsWith(`${path.sep}git`));
  expect(config).toBeDefined();
}
