// The request stage against declined pull requests: a pull request a person closed without
// merging is not opened again for the same releases; another release opens a new one. The forge
// and the git remote are small in-memory fakes that keep the state a real one would.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/core/object.ts';
import { Redactor } from '../../src/core/redact.ts';
import type { BranchResult, FileEdits, GitPort } from '../../src/git/port.ts';
import type { GitHost, PullRequest, PullRequestDraft } from '../../src/host/port.ts';
import { createLogger } from '../../src/log.ts';
import { readMarker } from '../../src/approvals/pull-request.ts';
import type { RequestResult } from '../../src/approvals/requests.ts';
import { requestStage } from '../../src/pipeline/request.ts';
import { buildReport } from '../../src/report/model.ts';
import { renderMarkdown } from '../../src/report/render.ts';

const WAITING = `Release is waiting for the 'modules.deckhouse.io/approved: "true"' annotation`;
const BRANCH = 'modsync/approve/module-two';

function release(version: string, phase = 'Pending'): KubeObject {
  return {
    apiVersion: 'deckhouse.io/v1alpha1',
    kind: 'ModuleRelease',
    metadata: {
      name: `module-two-v${version}`,
      labels: { module: 'module-two', source: 'example', 'modules.deckhouse.io/update-policy': 'manual-approval' },
    },
    spec: { moduleName: 'module-two', version },
    status: { phase, message: phase === 'Pending' ? WAITING : '' },
  };
}

/** A forge that behaves like GitHub for what the stage uses: numbered pull requests in three states. */
class FakeForge implements GitHost {
  kind = 'github' as const;
  pulls: PullRequest[] = [];
  writes: string[] = [];

  async findOpen(head: string, base: string): Promise<PullRequest | null> {
    return this.pulls.find((p) => p.head === head && p.base === base && p.state === 'open') ?? null;
  }
  // Plan previews are not part of the approval flow.
  async listOpenPullRequests(): Promise<PullRequest[]> {
    return [];
  }

  async changedFiles(): Promise<string[]> {
    return [];
  }

  async findLatest(head: string, base: string): Promise<PullRequest | null> {
    return this.pulls.filter((p) => p.head === head && p.base === base).at(-1) ?? null;
  }
  async listOpen(prefix: string, base: string): Promise<PullRequest[]> {
    return this.pulls.filter((p) => p.head.startsWith(prefix) && p.base === base && p.state === 'open');
  }
  async ensure(draft: PullRequestDraft): Promise<{ pr: PullRequest; outcome: 'created' | 'updated' | 'unchanged' }> {
    const open = await this.findOpen(draft.head, draft.base);
    if (open && open.title === draft.title && open.body === draft.body) return { pr: open, outcome: 'unchanged' };
    if (open) {
      Object.assign(open, { title: draft.title, body: draft.body });
      this.writes.push(`update #${open.number}`);
      return { pr: open, outcome: 'updated' };
    }
    const number = this.pulls.length + 1;
    const pr: PullRequest = { ...draft, number, url: `https://github.test/acme/fleet/pull/${number}`, state: 'open' };
    this.pulls.push(pr);
    this.writes.push(`create #${number}`);
    return { pr, outcome: 'created' };
  }
  async close(pr: PullRequest, _comment: string, body?: string): Promise<void> {
    const live = this.pulls.find((p) => p.number === pr.number)!;
    live.state = 'closed';
    if (body !== undefined) live.body = body;
    this.writes.push(`close #${pr.number}`);
  }
  async get(number: number): Promise<PullRequest | null> {
    return this.pulls.find((p) => p.number === number) ?? null;
  }
  async upsertComment(): Promise<'unchanged'> {
    return 'unchanged';
  }
  /** A person presses "Close pull request". */
  decline(number: number): void {
    this.pulls.find((p) => p.number === number)!.state = 'closed';
  }
  /** A person merges it. */
  merge(number: number): void {
    this.pulls.find((p) => p.number === number)!.state = 'merged';
  }
}

/** A remote with modsync's branches only; records pushes and deletions. */
function fakeGit(): GitPort & { branches: Map<string, FileEdits>; pushes: string[] } {
  const branches = new Map<string, FileEdits>();
  const pushes: string[] = [];
  const unused = (): never => {
    throw new Error('not used by the request stage');
  };
  return {
    branches,
    pushes,
    checkout: unused,
    commit: unused,
    readFiles: unused,
    async putBranch(branch, files): Promise<BranchResult> {
      const before = branches.get(branch);
      if (before && JSON.stringify(before) === JSON.stringify(files)) return { commit: 'c0', changed: false };
      branches.set(branch, files);
      pushes.push(branch);
      return { commit: `c${pushes.length}`, changed: true, created: !before };
    },
    async listBranches(prefix) {
      return [...branches.keys()].filter((b) => b.startsWith(prefix));
    },
    async deleteBranch(branch) {
      branches.delete(branch);
      pushes.push(`delete ${branch}`);
    },
  };
}

function setup() {
  const host = new FakeForge();
  const git = fakeGit();
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({
    format: 'json',
    level: 'info',
    redactor: new Redactor(),
    write: (line) => logs.push(JSON.parse(line)),
  });
  const sync = (releases: KubeObject[]): Promise<RequestResult[]> =>
    requestStage(
      { releases, approvals: [], root: 'clusters/demo', baseBranch: 'main', dryRun: false },
      { git, host, logger },
    );
  return { host, git, logs, sync };
}

describe('a pull request closed without merging', () => {
  it('declines its releases: no new pull request, no push, and the branch is removed', async () => {
    const { host, git, logs, sync } = setup();
    await sync([release('1.2.5', 'Deployed'), release('1.2.6')]);
    expect(host.pulls.map((p) => p.number)).toEqual([1]);
    host.decline(1);
    const writes = host.writes.length;
    const pushes = git.pushes.length;

    const results = await sync([release('1.2.5', 'Deployed'), release('1.2.6')]);
    expect(results).toEqual([
      expect.objectContaining({
        branch: BRANCH,
        releases: ['module-two-v1.2.6'],
        outcome: 'declined',
        url: 'https://github.test/acme/fleet/pull/1',
      }),
    ]);
    expect(results[0]!.message).toContain('#1 was closed without merging');
    expect(host.writes.slice(writes)).toEqual([]);
    expect(git.pushes.slice(pushes)).toEqual([`delete ${BRANCH}`]);
    expect(git.branches.has(BRANCH)).toBe(false);
    expect(logs.find((l) => l.msg === 'approval request declined')).toMatchObject({
      module: 'module-two',
      url: 'https://github.test/acme/fleet/pull/1',
    });

    // Every later sync stays quiet while the same release waits.
    const again = await sync([release('1.2.5', 'Deployed'), release('1.2.6')]);
    expect(again.map((r) => r.outcome)).toEqual(['declined']);
    expect(host.writes.slice(writes)).toEqual([]);
    expect(git.pushes.slice(pushes)).toEqual([`delete ${BRANCH}`]);
    expect(host.pulls.map((p) => `#${p.number} ${p.state}`)).toEqual(['#1 closed']);
  });

  it('opens a new pull request naming the declined one when another release arrives, and keeps it unchanged on reruns', async () => {
    const { host, git, sync } = setup();
    await sync([release('1.2.6')]);
    host.decline(1);
    await sync([release('1.2.6')]);

    const results = await sync([release('1.2.6'), release('1.2.7')]);
    expect(results.map((r) => [r.outcome, r.url])).toEqual([['created', 'https://github.test/acme/fleet/pull/2']]);
    const pr = host.pulls[1]!;
    expect(pr.title).toBe('Approve module-two v1.2.6 and v1.2.7');
    expect(pr.body).toContain(
      '[#1](https://github.test/acme/fleet/pull/1), was closed without merging, which declined `module-two-v1.2.6`. modsync opened this one because another release has arrived since.',
    );
    expect(readMarker(pr.body)?.releases).toEqual(['module-two-v1.2.6', 'module-two-v1.2.7']);
    expect(Object.keys(git.branches.get(BRANCH) ?? {})).toEqual([
      'clusters/demo/approvals/module-two-v1.2.6.yaml',
      'clusters/demo/approvals/module-two-v1.2.7.yaml',
    ]);

    const writes = host.writes.length;
    expect((await sync([release('1.2.6'), release('1.2.7')])).map((r) => r.outcome)).toEqual(['unchanged']);
    expect(host.writes.slice(writes)).toEqual([]);
  });

  it('stays declined when fewer of the declined releases wait (one was skipped): no release is new', async () => {
    const { host, git, sync } = setup();
    await sync([release('1.2.6'), release('1.2.7')]);
    host.decline(1);
    const results = await sync([release('1.2.6', 'Skipped'), release('1.2.7')]);
    expect(results.map((r) => [r.outcome, r.releases])).toEqual([['declined', ['module-two-v1.2.7']]]);
    expect(host.pulls.map((p) => `#${p.number} ${p.state}`)).toEqual(['#1 closed']);
    expect(git.branches.has(BRANCH)).toBe(false);
  });

  it('an older pull request the person reopens after closing the newer one is the live request', async () => {
    const { host, sync } = setup();
    await sync([release('1.2.6')]);
    host.decline(1);
    await sync([release('1.2.6'), release('1.2.7')]);
    host.decline(2);
    host.pulls[0]!.state = 'open';
    const results = await sync([release('1.2.6'), release('1.2.7')]);
    expect(results.map((r) => [r.outcome, r.url])).toEqual([['updated', 'https://github.test/acme/fleet/pull/1']]);
    expect(host.pulls[0]!.title).toBe('Approve module-two v1.2.6 and v1.2.7');
    expect(host.pulls.map((p) => `#${p.number} ${p.state}`)).toEqual(['#1 open', '#2 closed']);
  });

  it('a declined follow-up is declined too, until yet another release arrives', async () => {
    const { host, sync } = setup();
    await sync([release('1.2.6')]);
    host.decline(1);
    await sync([release('1.2.6'), release('1.2.7')]);
    host.decline(2);
    expect((await sync([release('1.2.6'), release('1.2.7')])).map((r) => [r.outcome, r.url])).toEqual([
      ['declined', 'https://github.test/acme/fleet/pull/2'],
    ]);
    await sync([release('1.2.6'), release('1.2.7'), release('1.2.8')]);
    expect(host.pulls.map((p) => `#${p.number} ${p.state}`)).toEqual(['#1 closed', '#2 closed', '#3 open']);
    expect(host.pulls[2]!.body).toContain('[#2](https://github.test/acme/fleet/pull/2)');
  });
});

describe('closed pull requests that are not a decline', () => {
  it('a merged pull request whose release still waits (approval file removed later) gets a new one', async () => {
    const { host, git, sync } = setup();
    await sync([release('1.2.6')]);
    host.merge(1);
    git.branches.delete(BRANCH);
    const results = await sync([release('1.2.6')]);
    expect(results.map((r) => r.outcome)).toEqual(['created']);
    expect(host.pulls.map((p) => `#${p.number} ${p.state}`)).toEqual(['#1 merged', '#2 open']);
    expect(host.pulls[1]!.body).not.toContain('closed without merging, which declined');
    expect(git.branches.has(BRANCH)).toBe(true);
  });

  it('a pull request modsync closed itself does not decline the same release when it waits again', async () => {
    const { host, sync } = setup();
    await sync([release('1.2.6')]);
    // The publisher suspends the release: modsync closes its request, then the release waits again.
    const closed = await sync([release('1.2.6', 'Suspended')]);
    expect(closed.map((r) => r.outcome)).toEqual(['closed']);
    expect(readMarker(host.pulls[0]!.body)?.closedBy).toBe('modsync');
    expect((await sync([release('1.2.6')])).map((r) => r.outcome)).toEqual(['created']);
    expect(host.pulls.map((p) => `#${p.number} ${p.state}`)).toEqual(['#1 closed', '#2 open']);
  });

  it("a closed pull request without modsync's marker (someone else's, same branch name) is not a decline", async () => {
    const { host, sync } = setup();
    host.pulls.push({
      number: 1,
      url: 'https://github.test/acme/fleet/pull/1',
      title: 'mine',
      body: 'hand-written',
      head: BRANCH,
      base: 'main',
      state: 'closed',
    });
    expect((await sync([release('1.2.6')])).map((r) => r.outcome)).toEqual(['created']);
  });
});

describe('the approval pull request body', () => {
  it('says what closing it does', async () => {
    const { host, sync } = setup();
    await sync([release('1.2.6')]);
    expect(host.pulls[0]!.body).toContain(
      "Closing it without merging declines these versions: modsync won't open it again until another release of the module arrives.",
    );
  });
});

describe('the status report', () => {
  it('lists a declined release as declined, linking the pull request that was closed', async () => {
    const { host, sync } = setup();
    await sync([release('1.2.6')]);
    host.decline(1);
    const requests = await sync([release('1.2.6')]);
    const report = buildReport({
      instance: 'modsync',
      commit: 'c1',
      now: '2026-11-21T10:00:00.000Z',
      live: new Map(),
      changes: [],
      ok: true,
      errors: [],
      requests,
    });
    expect(report.approvals).toEqual([
      expect.objectContaining({
        release: 'module-two-v1.2.6',
        url: 'https://github.test/acme/fleet/pull/1',
        state: 'declined (pull request closed without merging)',
      }),
    ]);
    expect(renderMarkdown(report)).toContain(
      `[${BRANCH}](https://github.test/acme/fleet/pull/1) | declined (pull request closed without merging)`,
    );
  });
});
