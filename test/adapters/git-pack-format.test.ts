// The adapter's own packfile code and first clone, checked against git itself: the index it
// writes must be the one `git index-pack` writes, every object must hash to its id, and git
// must accept the cache repository a clone leaves behind (`git fsck`).
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIsoGit } from '../../src/git/iso-git.ts';
import { indexPack, objectId, readIdx } from '../../src/git/pack-format.ts';
import { branchHead, createBareRepo, git, pushFiles } from '../support/git-repo.ts';
import { startGitServer, type GitServer } from '../support/git-server.ts';

const AUTHOR = { name: 'modsync', email: 'modsync@example.com' };
let tmp: string;
let root: string;
let server: GitServer;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'modsync-git-pack-'));
  root = path.join(tmp, 'repos');
  server = await startGitServer({ root });
});
afterAll(async () => {
  await server.stop();
  await rm(tmp, { recursive: true, force: true });
});

/** Similar files over a few commits, so that git stores most of them as deltas. */
function manifests(n: number, version: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < n; i++) {
    const body = `kind: ModuleConfig\nmetadata:\n  name: m${i}\nspec:\n  version: ${version}\n`;
    out[`modules/m${i}.yaml`] = body + '  settings:\n    long: "'.concat('x'.repeat(400), '"\n');
  }
  return out;
}

/** A pack of everything reachable from main, made by `git pack-objects` (offset deltas included). */
function gitPack(bare: string): Promise<Buffer> {
  const prefix = path.join(tmp, `pack-${path.basename(bare)}`);
  const env = { PATH: process.env.PATH, HOME: os.tmpdir(), GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
  const args = ['pack-objects', '--revs', '--delta-base-offset', '-q', prefix];
  const sha = execFileSync('git', args, { cwd: bare, env, input: 'refs/heads/main\n' }).toString().trim();
  return readFile(`${prefix}-${sha}.pack`);
}

describe('packfiles', () => {
  it('indexes a pack exactly as git index-pack does, and every object hashes to its id', async () => {
    const bare = await createBareRepo(root, 'deltas.git', manifests(40, 1));
    for (let v = 2; v <= 4; v++) await pushFiles(bare, 'main', manifests(40, v), `version ${v}`);
    const pack = await gitPack(bare);
    const ours = indexPack(pack);
    const packFile = path.join(tmp, 'check.pack');
    await writeFile(packFile, pack);
    await git(['index-pack', '-o', path.join(tmp, 'check.idx'), packFile]);
    expect(ours.idx.equals(await readFile(path.join(tmp, 'check.idx')))).toBe(true);
    // The pack really holds delta chains (git lists them as "chain length = N: M objects").
    expect(await git(['verify-pack', '-v', path.join(tmp, 'check.idx')])).toMatch(/chain length = [2-9]/);
    const offsets = readIdx(ours.idx);
    expect(offsets.size).toBeGreaterThan(160);
    for (const [oid, offset] of offsets) {
      const obj = ours.reader.readAt(offset);
      expect(objectId(obj.type, obj.content)).toBe(oid);
    }
  });

  it('refuses a truncated or altered pack', async () => {
    const pack = await gitPack(await createBareRepo(root, 'small.git', manifests(3, 1)));
    expect(() => indexPack(pack.subarray(0, pack.length - 7))).toThrow(/checksum/);
    const altered = Buffer.from(pack);
    altered[40] = altered[40]! ^ 0xff;
    expect(() => indexPack(altered)).toThrow(/checksum/);
  });
});

describe('first clone', () => {
  it('is one advertisement and one upload-pack request, and leaves a repository git accepts', async () => {
    const bare = await createBareRepo(root, 'clone.git', manifests(30, 1));
    await pushFiles(bare, 'main', manifests(30, 2), 'version 2');
    const cacheDir = path.join(tmp, 'cache-clone');
    const before = server.log.length;
    const port = createIsoGit({ url: server.repoUrl('clone.git'), branch: 'main', cacheDir, author: AUTHOR });
    const co = await port.checkout();
    const requests = server.log.slice(before).map((r) => `${r.method} ${r.advertisement ? 'ad' : r.service}`);
    expect(requests).toEqual(['GET ad', 'POST git-upload-pack']);
    expect(co.commit).toBe(await branchHead(bare, 'main'));
    const files = await readdir(path.join(co.dir, 'modules'));
    expect(files).toHaveLength(30);
    expect(await readFile(path.join(co.dir, 'modules', 'm7.yaml'), 'utf8')).toBe(manifests(30, 2)['modules/m7.yaml']);
    const [cache] = await readdir(cacheDir).then((d) => d.filter((x) => !x.startsWith('.')));
    const gitdir = path.join(cacheDir, cache!, 'git');
    // Depth 1: the commit is recorded as shallow, and git finds every object it needs.
    expect((await readFile(path.join(gitdir, 'shallow'), 'utf8')).trim()).toBe(co.commit);
    await git(['fsck', '--strict', '--no-dangling'], gitdir);
    expect((await git(['rev-parse', 'refs/heads/main'], gitdir)).trim()).toBe(co.commit);
  });

  it('falls back to a fetch with isomorphic-git when the upload-pack answer cannot be used', async () => {
    const bare = await createBareRepo(root, 'garbled.git', manifests(5, 1));
    // A proxy in front of the git server that garbles the first upload-pack answer.
    const seen: string[] = [];
    const proxy = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks);
      seen.push(`${req.method} ${req.url!.includes('info/refs') ? 'ad' : 'upload-pack'}`);
      if (req.method === 'POST' && seen.filter((s) => s === 'POST upload-pack').length === 1) {
        res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-result' });
        res.end('0008NAK\n0005\u0001x0000');
        return;
      }
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== 'host'));
      const init: RequestInit = { method: req.method!, headers: headers as Record<string, string> };
      if (body.length) init.body = body;
      const upstream = await fetch(`${server.url}${req.url}`, init);
      res.writeHead(upstream.status, Object.fromEntries(upstream.headers));
      res.end(Buffer.from(await upstream.arrayBuffer()));
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/garbled.git`;
      const cacheDir = path.join(tmp, 'cache-garbled');
      const co = await createIsoGit({ url, branch: 'main', cacheDir, author: AUTHOR }).checkout();
      expect(co.commit).toBe(await branchHead(bare, 'main'));
      expect(await readdir(path.join(co.dir, 'modules'))).toHaveLength(5);
      expect(seen).toEqual(['GET ad', 'POST upload-pack', 'GET ad', 'POST upload-pack']);
    } finally {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});
