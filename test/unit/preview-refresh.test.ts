/**
 * refreshPreviews' choices, against an in-memory forge: which pull requests count as touching
 * the root, which are planned on a tick (memory of heads, the per-tick cap and its rotation,
 * stopping), and that one pull request's failure does not stop the others. The plans here fail
 * at fetch (the git port refuses), which still gives a comment: the end-to-end test
 * (test/e2e/preview-refresh.test.ts) covers real plans against dkp-sim.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterPort } from '../../src/cluster/port.ts';
import { ModsyncError } from '../../src/core/errors.ts';
import { Redactor } from '../../src/core/redact.ts';
import type { GitPort } from '../../src/git/port.ts';
import type { GitHost, PullRequest } from '../../src/host/port.ts';
import { createLogger } from '../../src/log.ts';
import {
  createPreviewMemory,
  refreshPreviews,
  touchesRoot,
  type PreviewMemory,
  type RefreshOptions,
} from '../../src/pipeline/preview-refresh.ts';
import type { SyncOptions } from '../../src/pipeline/types.ts';

const ROOT = 'clusters/demo';
const STATUS = 'clusters/demo/status';

describe('touchesRoot', () => {
  it('counts paths under the root folder, not the status folder nor a sibling with the same prefix', () => {
    expect(touchesRoot(['clusters/demo/modules/one.yaml'], ROOT, STATUS)).toBe(true);
    expect(touchesRoot(['clusters/demo/README.md'], ROOT, STATUS)).toBe(true);
    expect(touchesRoot(['README.md', 'clusters/other/one.yaml'], ROOT, STATUS)).toBe(false);
    expect(touchesRoot(['clusters/demo-two/one.yaml'], ROOT, STATUS)).toBe(false);
    expect(touchesRoot(['clusters/demo/status/README.md', 'clusters/demo/status/status.yaml'], ROOT, STATUS)).toBe(
      false,
    );
    expect(touchesRoot(['clusters/demo/status/status.yaml', 'clusters/demo/a.yaml'], ROOT, STATUS)).toBe(true);
  });

  it('reads ./ and trailing slashes in the configured root', () => {
    expect(touchesRoot(['clusters/demo/a.yaml'], './clusters/demo/', 'clusters/demo/status')).toBe(true);
  });

  it('with the repository root as the root, counts YAML files only (outside the status folder)', () => {
    expect(touchesRoot(['modules/one.yaml'], '.', 'status')).toBe(true);
    expect(touchesRoot(['one.YML'], '.', 'status')).toBe(true);
    expect(touchesRoot(['README.md', 'docs/x.png'], '.', 'status')).toBe(false);
    expect(touchesRoot(['status/status.yaml'], '.', 'status')).toBe(false);
  });
});

/** An in-memory forge: open pull requests, their files, and every preview comment written. */
class MemoryForge implements GitHost {
  kind = 'github' as const;
  pulls: PullRequest[] = [];
  files = new Map<number, string[]>();
  fileLists: number[] = [];
  comments: number[] = [];
  brokenFiles = new Set<number>();

  add(number: number, head: string, files: string[], sha = `sha-${number}-1`): void {
    this.pulls.push({
      number,
      head,
      base: 'main',
      headSha: sha,
      url: `https://github.test/pull/${number}`,
      title: `#${number}`,
      body: '',
      state: 'open',
    });
    this.files.set(number, files);
  }
  async listOpenPullRequests(base: string): Promise<PullRequest[]> {
    return this.pulls.filter((p) => p.base === base && p.state === 'open');
  }
  async changedFiles(number: number): Promise<string[]> {
    this.fileLists.push(number);
    if (this.brokenFiles.has(number))
      throw new ModsyncError('RequestFailed', 'GET files: HTTP 502', { transient: true });
    return this.files.get(number) ?? [];
  }
  async get(number: number): Promise<PullRequest | null> {
    return this.pulls.find((p) => p.number === number) ?? null;
  }
  async upsertComment(number: number): Promise<'created'> {
    this.comments.push(number);
    return 'created';
  }
  findOpen = async () => null;
  findLatest = async () => null;
  listOpen = async () => [];
  ensure = async () => ({ pr: null, outcome: 'unchanged' as const });
  close = async () => {};
}

const SYNC: SyncOptions = {
  mode: 'sync',
  instance: 'modsync',
  root: ROOT,
  statusPath: STATUS,
  prune: true,
  maxDestructive: 5,
  protectedNames: [],
  secretsDir: '',
  env: {},
  moduleWaitMs: 0,
  branch: 'main',
  status: { enabled: true, branch: 'main' },
  readOnlyGit: false,
};

/** A git port that cannot fetch: every plan stops at fetch, which is still commented. */
const unreachableGit = {
  checkout: async () => Promise.reject(new ModsyncError('FetchFailed', 'git server unreachable')),
} as unknown as GitPort;

function refresher(forge: MemoryForge, memory: PreviewMemory = createPreviewMemory()) {
  const logger = createLogger({ format: 'json', level: 'silent', redactor: new Redactor() });
  const ports = {
    host: forge,
    cluster: {} as ClusterPort,
    gitFor: () => unreachableGit,
    logger,
    redactor: new Redactor(),
  };
  let clock = 1_000_000;
  return {
    memory,
    advance: (ms: number) => {
      clock += ms;
    },
    run: async (over: Partial<RefreshOptions> = {}) =>
      Object.fromEntries(
        (await refreshPreviews({ sync: SYNC, memory, clusterChanged: false, now: () => clock, ...over }, ports)).map(
          (r) => [r.number, r.outcome],
        ),
      ),
  };
}

describe('refreshPreviews', () => {
  it("plans pull requests that touch the root, leaves others, forks and modsync's approval branches alone", async () => {
    const forge = new MemoryForge();
    forge.add(1, 'feature/a', [`${ROOT}/modules/one.yaml`]);
    forge.add(2, 'docs/b', ['README.md']);
    forge.add(3, 'modsync/approve/module-two', [`${ROOT}/approvals/module-two-v1.2.6.yaml`]);
    forge.add(4, 'patch-1', [`${ROOT}/modules/one.yaml`]);
    forge.pulls[3]!.fromFork = true;
    expect(await refresher(forge).run()).toEqual({ 1: 'created', 2: 'not-touching', 4: 'fork' });
    expect(forge.comments).toEqual([1]);
    expect(forge.fileLists.sort()).toEqual([1, 2]);
  });

  it('lists files again only when the head moved, and plans an unchanged head again when the cluster changed or the plan is old', async () => {
    const forge = new MemoryForge();
    forge.add(1, 'feature/a', [`${ROOT}/a.yaml`]);
    const r = refresher(forge);
    expect(await r.run()).toEqual({ 1: 'created' });
    expect(await r.run()).toEqual({ 1: 'fresh' });
    expect(await r.run({ clusterChanged: true })).toEqual({ 1: 'created' });
    r.advance(31 * 60_000);
    expect(await r.run()).toEqual({ 1: 'created' });
    expect(forge.fileLists).toEqual([1]);
    forge.pulls[0]!.headSha = 'sha-1-2';
    expect(await r.run()).toEqual({ 1: 'created' });
    expect(forge.fileLists).toEqual([1, 1]);
    expect(forge.comments).toHaveLength(4);
  });

  it('plans at most maxPerTick pull requests a tick; the ones deferred go first on the next tick', async () => {
    const forge = new MemoryForge();
    for (let n = 1; n <= 5; n++) forge.add(n, `feature/${n}`, [`${ROOT}/${n}.yaml`]);
    const r = refresher(forge);
    const first = await r.run({ maxPerTick: 3 });
    expect(Object.values(first).filter((o) => o === 'created')).toHaveLength(3);
    const deferred = Object.keys(first)
      .filter((n) => first[n] === 'deferred')
      .map(Number);
    expect(deferred).toHaveLength(2);
    r.advance(1000);
    // The cluster changed, so all five are due again: the two that waited come first.
    forge.comments = [];
    const second = await r.run({ maxPerTick: 3, clusterChanged: true });
    expect(forge.comments.slice(0, 2).sort()).toEqual(deferred.sort());
    expect(Object.values(second).filter((o) => o === 'deferred')).toHaveLength(2);
  });

  it('defers everything left when the daemon is stopping', async () => {
    const forge = new MemoryForge();
    forge.add(1, 'feature/a', [`${ROOT}/a.yaml`]);
    forge.add(2, 'feature/b', [`${ROOT}/b.yaml`]);
    expect(await refresher(forge).run({ stopping: () => true })).toEqual({ 1: 'deferred', 2: 'deferred' });
    expect(forge.comments).toEqual([]);
  });

  it("one pull request's failing file list is reported and the others are still planned", async () => {
    const forge = new MemoryForge();
    forge.add(1, 'feature/a', [`${ROOT}/a.yaml`]);
    forge.add(2, 'feature/b', [`${ROOT}/b.yaml`]);
    forge.brokenFiles.add(1);
    const r = refresher(forge);
    expect(await r.run()).toEqual({ 1: 'failed', 2: 'created' });
    // Nothing was remembered for the failed one: the next tick tries it again.
    forge.brokenFiles.clear();
    expect(await r.run()).toEqual({ 1: 'created', 2: 'fresh' });
  });

  it('forgets pull requests that are no longer open', async () => {
    const forge = new MemoryForge();
    forge.add(1, 'feature/a', [`${ROOT}/a.yaml`]);
    const r = refresher(forge);
    await r.run();
    forge.pulls[0]!.state = 'closed';
    expect(await r.run()).toEqual({});
    expect(r.memory.pulls.size).toBe(0);
  });
});
