// The isomorphic-git adapter's write side against a real `git http-backend`: status commits
// (never forced, replayed after a lost race), the status branch, and modsync's own approval
// branches. `git fsck` checks that what modsync pushed is valid for git itself.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitError } from '../../src/core/errors.ts';
import { createIsoGit, type IsoGitOptions } from '../../src/git/iso-git.ts';
import {
  branchHead,
  commitLog,
  createBareRepo,
  git,
  listBranches,
  pushFiles,
  readBranchFile,
} from '../support/git-repo.ts';
import { startGitServer, type GitRequestInfo, type GitServer } from '../support/git-server.ts';

const AUTHOR = { name: 'modsync bot', email: 'modsync@example.com' };
let tmp: string;
let root: string;
let server: GitServer;
/** Per-test hook run by the server before it hands a request to git. */
let onRequest: ((info: GitRequestInfo) => Promise<void>) | undefined;
let n = 0;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'modsync-git-write-'));
  root = path.join(tmp, 'repos');
  server = await startGitServer({ root, beforeRequest: (info) => onRequest?.(info) });
});
afterAll(async () => {
  await server.stop();
  await rm(tmp, { recursive: true, force: true });
});

async function setup(extra: Partial<IsoGitOptions> = {}) {
  onRequest = undefined;
  const name = `repo${++n}.git`;
  const bare = await createBareRepo(root, name, {
    'clusters/prod/mc.yaml': 'kind: ModuleConfig\n',
    'README.md': '# fleet\n',
  });
  const port = createIsoGit({
    url: server.repoUrl(name),
    branch: 'main',
    cacheDir: path.join(tmp, `cache${n}`),
    author: AUTHOR,
    ...extra,
  });
  return { bare, port };
}

const pushesSeen = () => server.log.filter((r) => r.service === 'git-receive-pack' && !r.advertisement).length;

describe('commit', () => {
  it('adds exactly one commit by the configured author on top of the branch', async () => {
    const { bare, port } = await setup();
    await port.checkout();
    const before = await branchHead(bare, 'main');
    const commit = await port.commit({
      files: { 'status/README.md': '# status\n', 'status/status.yaml': 'ok: true\n' },
      message: 'modsync: status report',
    });
    const log = await commitLog(bare, 'main');
    expect(log[0]).toEqual({
      sha: commit,
      author: 'modsync bot <modsync@example.com>',
      message: 'modsync: status report',
    });
    expect(log[1]?.sha).toBe(before);
    expect(await readBranchFile(bare, 'main', 'status/README.md')).toBe('# status\n');
    expect(await readBranchFile(bare, 'main', 'clusters/prod/mc.yaml')).toBe('kind: ModuleConfig\n');
    await git(['fsck', '--no-progress'], bare);
  });

  it('returns null and pushes nothing when the branch already has the content', async () => {
    const { bare, port } = await setup();
    await port.commit({ files: { 'status/README.md': '# status\n' }, message: 'first' });
    const head = await branchHead(bare, 'main');
    const pushes = pushesSeen();
    expect(await port.commit({ files: { 'status/README.md': '# status\n' }, message: 'again' })).toBeNull();
    expect(await port.commit({ files: { 'status/gone.md': null }, message: 'remove a missing file' })).toBeNull();
    expect(await branchHead(bare, 'main')).toBe(head);
    expect(pushesSeen()).toBe(pushes);
  });

  it('removes files and drops directories left empty', async () => {
    const { bare, port } = await setup();
    await port.commit({ files: { 'status/a.md': 'a', 'status/b.md': 'b' }, message: 'add' });
    await port.commit({ files: { 'status/a.md': null, 'status/b.md': null }, message: 'remove' });
    const files = await git(['ls-tree', '-r', '--name-only', 'refs/heads/main'], bare);
    expect(files.split('\n').filter(Boolean).sort()).toEqual(['README.md', 'clusters/prod/mc.yaml']);
  });

  it.each([
    ['before modsync asks to push (the client sees the branch moved)', (i: GitRequestInfo) => i.advertisement],
    ['while modsync pushes (the server refuses to move the ref)', (i: GitRequestInfo) => !i.advertisement],
  ])('keeps a human commit pushed %s, and lands on top of it', async (_name, when) => {
    const { bare, port } = await setup();
    await port.checkout();
    let human: string | undefined;
    onRequest = async (info) => {
      if (info.service !== 'git-receive-pack' || !when(info) || human) return;
      human = await pushFiles(
        bare,
        'main',
        { 'clusters/prod/new.yaml': 'kind: ModuleConfig\n' },
        'human: add a module',
      );
    };
    const commit = await port.commit({
      files: { 'status/README.md': '# status\n' },
      message: 'modsync: status report',
    });
    const log = await commitLog(bare, 'main');
    expect(human).toBeDefined();
    expect(log.map((c) => c.sha).slice(0, 2)).toEqual([commit, human]);
    expect(await readBranchFile(bare, 'main', 'clusters/prod/new.yaml')).toBe('kind: ModuleConfig\n');
    expect(await readBranchFile(bare, 'main', 'status/README.md')).toBe('# status\n');
    await git(['fsck', '--no-progress'], bare);
  });

  it('gives up after pushRetries lost races with a transient error, never forcing', async () => {
    const { bare, port } = await setup({ pushRetries: 2 });
    const humans: string[] = [];
    onRequest = async (info) => {
      if (info.service === 'git-receive-pack' && info.advertisement)
        humans.push(await pushFiles(bare, 'main', { [`h${humans.length}.txt`]: 'x' }, `human ${humans.length}`));
    };
    const err = (await port
      .commit({ files: { 'status/README.md': '# status\n' }, message: 'status' })
      .catch((e: unknown) => e)) as GitError;
    expect(err).toBeInstanceOf(GitError);
    expect(err).toMatchObject({ name: 'GitError', transient: true });
    expect(err.message).toMatch(/push to main was rejected 3 times/);
    expect(humans).toHaveLength(3);
    expect((await commitLog(bare, 'main')).map((c) => c.sha).slice(0, 3)).toEqual([...humans].reverse());
  });

  it('creates a separate status branch from the tracked branch, then commits on it', async () => {
    const { bare, port } = await setup();
    const main = await branchHead(bare, 'main');
    const first = await port.commit({
      files: { 'status/README.md': 'one\n' },
      message: 'status 1',
      branch: 'modsync/status',
    });
    const second = await port.commit({
      files: { 'status/README.md': 'two\n' },
      message: 'status 2',
      branch: 'modsync/status',
    });
    expect(await branchHead(bare, 'main')).toBe(main);
    expect((await commitLog(bare, 'modsync/status')).map((c) => c.sha)).toEqual([second, first, main]);
    expect(await readBranchFile(bare, 'modsync/status', 'status/README.md')).toBe('two\n');
    expect(await readBranchFile(bare, 'modsync/status', 'clusters/prod/mc.yaml')).toBe('kind: ModuleConfig\n');
  });
});

describe('approval branches', () => {
  const FILES = { 'clusters/prod/approvals/module-two-v1.2.5.yaml': 'kind: ModuleReleaseApproval\n' };

  it('putBranch pushes base + files once, and changes nothing when called again', async () => {
    const { bare, port } = await setup();
    const main = await branchHead(bare, 'main');
    const put = await port.putBranch('modsync/approve/module-two', FILES, 'Approve module-two v1.2.5');
    expect(put.changed).toBe(true);
    expect(await branchHead(bare, 'modsync/approve/module-two')).toBe(put.commit);
    expect((await commitLog(bare, 'modsync/approve/module-two')).map((c) => c.sha)).toEqual([put.commit, main]);
    const pushes = pushesSeen();
    expect(put.created).toBe(true);
    expect(await port.putBranch('modsync/approve/module-two', FILES, 'Approve module-two v1.2.5')).toEqual({
      commit: put.commit,
      changed: false,
      created: false,
    });
    expect(pushesSeen()).toBe(pushes);
  });

  it("putBranch keeps the branch when only the base moved, and rebuilds it on the new base for new content (force: the branch is modsync's)", async () => {
    const { bare, port } = await setup();
    const first = await port.putBranch('modsync/approve/module-two', FILES, 'Approve module-two v1.2.5');
    const main = await pushFiles(bare, 'main', { 'README.md': '# fleet 2\n' }, 'human edit');
    // A newer tracked head alone (a status commit, a human edit) is no reason to push again.
    expect(await port.putBranch('modsync/approve/module-two', FILES, 'Approve module-two v1.2.5')).toEqual({
      commit: first.commit,
      changed: false,
      created: false,
    });
    const more = { ...FILES, 'clusters/prod/approvals/module-two-v1.2.6.yaml': 'kind: ModuleReleaseApproval\n' };
    const grown = await port.putBranch('modsync/approve/module-two', more, 'Approve module-two v1.2.6');
    expect(grown.changed).toBe(true);
    expect((await commitLog(bare, 'modsync/approve/module-two')).map((c) => c.sha).slice(0, 2)).toEqual([
      grown.commit,
      main,
    ]);
    expect(
      await readBranchFile(bare, 'modsync/approve/module-two', 'clusters/prod/approvals/module-two-v1.2.6.yaml'),
    ).toBe('kind: ModuleReleaseApproval\n');
    await git(['fsck', '--no-progress'], bare);
  });

  it('lists branches by prefix, reads files from a branch and deletes branches', async () => {
    const { bare, port } = await setup();
    await port.putBranch('modsync/approve/b', FILES, 'b');
    await port.putBranch('modsync/approve/a', FILES, 'a');
    await pushFiles(bare, 'feature/x', { 'x.txt': 'x' }, 'a human branch');
    expect(await port.listBranches('modsync/approve/')).toEqual(['modsync/approve/a', 'modsync/approve/b']);
    expect(await port.readFiles('modsync/approve/a', [...Object.keys(FILES), 'missing.yaml'])).toEqual({
      ...FILES,
      'missing.yaml': null,
    });
    expect(await port.readFiles('no/such/branch', ['README.md'])).toEqual({ 'README.md': null });
    await port.deleteBranch('modsync/approve/a');
    await port.deleteBranch('modsync/approve/a');
    expect(await listBranches(bare)).toEqual(['feature/x', 'main', 'modsync/approve/b']);
  });

  it('lists branches from the checkout without a request, and asks the server again once it wrote a ref', async () => {
    const { bare, port } = await setup();
    await port.putBranch('modsync/approve/a', FILES, 'a');
    await port.checkout();
    const advertisements = () => server.log.filter((r) => r.advertisement).length;
    let before = advertisements();
    expect(await port.listBranches('modsync/approve/')).toEqual(['modsync/approve/a']);
    expect(advertisements() - before).toBe(0);
    await port.putBranch('modsync/approve/b', FILES, 'b');
    before = advertisements();
    expect(await port.listBranches('modsync/approve/')).toEqual(['modsync/approve/a', 'modsync/approve/b']);
    expect(advertisements() - before).toBe(1);
    // A new checkout sees what others pushed meanwhile.
    await pushFiles(bare, 'modsync/approve/c', { 'c.txt': 'c' }, 'pushed elsewhere');
    await port.checkout();
    expect(await port.listBranches('modsync/approve/')).toEqual([
      'modsync/approve/a',
      'modsync/approve/b',
      'modsync/approve/c',
    ]);
  });
});
