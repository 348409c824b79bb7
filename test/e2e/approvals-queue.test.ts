/**
 * Approval pull requests when releases pile up or are dealt with outside git: several queued
 * versions share one pull request, and a pull request whose release was approved, deployed or
 * skipped some other way is closed with a comment saying why. modsync runs in process with the
 * real GitHub adapter against the fake GitHub (nock, real network disabled).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readMarker } from '../../src/approvals/pull-request.ts';
import { publishAndWait, startSyncedForgeEnv, type ForgeEnv } from '../support/fake-forge.ts';
import { listBranches, mergeBranch, readBranchFile } from '../support/git-repo.ts';
import { getObject, mergePatchAs, waitFor } from './helpers.ts';

const BRANCH = 'modsync/approve/module-two';
const APPROVED = 'modules.deckhouse.io/approved';
const BEHIND_126 = /^awaiting for v1\.2\.6 release to be deployed$/;
const approvalFile = (version: string): string => `clusters/demo/approvals/module-two-v${version}.yaml`;

async function phaseOf(env: ForgeEnv, release: string, phase: string): Promise<void> {
  await waitFor(
    `${release} ${phase}`,
    async () => (await getObject(env, 'ModuleRelease', release))?.status?.phase === phase,
  );
}

describe('three versions queued for one module', () => {
  let env: ForgeEnv;
  beforeAll(async () => {
    env = await startSyncedForgeEnv();
  });
  afterAll(async () => env?.stop());

  it('keep one pull request whose title, body and branch follow the queue', async () => {
    const steps = [
      { version: '1.2.6', waiting: undefined, title: 'Approve module-two v1.2.6' },
      // A minor waits behind the Pending patch; the next one repeats its 'awaiting' message
      // (task_calculator.go). A newer patch would have Skipped 1.2.6 instead (approvals-skip).
      { version: '1.3.0', waiting: BEHIND_126, title: 'Approve module-two v1.2.6 and v1.3.0' },
      { version: '1.4.0', waiting: BEHIND_126, title: 'Approve module-two v1.2.6, v1.3.0 and v1.4.0' },
    ];
    const queued: string[] = [];
    for (const step of steps) {
      await publishAndWait(env, step.version, { message: step.waiting });
      queued.push(step.version);
      const result = await env.sync();
      expect(result.ok, JSON.stringify(result.stages)).toBe(true);

      expect(env.forge.pulls, `after publishing v${step.version}`).toHaveLength(1);
      const pr = env.forge.pulls[0]!;
      expect(pr.state).toBe('open');
      expect(pr.title, `after publishing v${step.version}`).toBe(step.title);
      expect(readMarker(pr.body)?.releases).toEqual(queued.map((v) => `module-two-v${v}`));
      expect(pr.body).toContain(`| Proposed | ${step.title.replace('Approve module-two ', '')} |`);
      for (const v of queued) {
        const file = await readBranchFile(env.bareDir, BRANCH, approvalFile(v));
        expect(file && parse(file).spec, `approval file of v${v} on the branch`).toEqual({
          module: 'module-two',
          version: v,
        });
      }
    }
    // Updated in place: one create, then edits of the same pull request.
    const writes = env.forge.writes().map((w) => `${w.method} ${w.path}`);
    expect(writes).toEqual([
      'POST /repos/acme/fleet/pulls',
      'PATCH /repos/acme/fleet/pulls/1',
      'PATCH /repos/acme/fleet/pulls/1',
    ]);
  });
});

describe('a release dealt with outside git', () => {
  let env: ForgeEnv;
  beforeAll(async () => {
    env = await startSyncedForgeEnv();
  });
  afterAll(async () => env?.stop());

  it('approved by a person with kubectl: the pull request is closed with a comment and the branch deleted', async () => {
    await publishAndWait(env, '1.2.6');
    await env.sync();
    expect(env.forge.open().map((p) => p.title)).toEqual(['Approve module-two v1.2.6']);

    // What `kubectl annotate mr module-two-v1.2.6 modules.deckhouse.io/approved="true"` sends.
    await mergePatchAs(env, 'kubectl-annotate', 'ModuleRelease', 'module-two-v1.2.6', {
      metadata: { annotations: { [APPROVED]: 'true' } },
    });
    await phaseOf(env, 'module-two-v1.2.6', 'Deployed');
    const result = await env.sync();
    expect(result.ok, JSON.stringify(result.stages)).toBe(true);

    const pr = env.forge.pulls[0]!;
    expect(pr.state).toBe('closed');
    expect(pr.merged).toBe(false);
    expect(pr.comments.map((c) => c.body)).toEqual([
      'Closed by modsync: this approval is no longer needed. module-two-v1.2.6 is deployed.',
    ]);
    expect(result.requests).toEqual([
      expect.objectContaining({ branch: BRANCH, outcome: 'closed', url: 'https://github.test/acme/fleet/pull/1' }),
    ]);
    expect(await listBranches(env.bareDir)).toEqual(['main']);
    // The person's annotation stays: modsync never withdraws an approval it did not give.
    expect((await getObject(env, 'ModuleRelease', 'module-two-v1.2.6'))?.metadata.annotations?.[APPROVED]).toBe('true');
    // Closed is closed: the next run neither comments again nor opens anything.
    const writes = env.forge.writes().length;
    await env.sync();
    expect(env.forge.writes()).toHaveLength(writes);
  });

  it('skipped because a newer release was forced: the pull request is closed saying so', async () => {
    await publishAndWait(env, '1.2.7');
    await env.sync();
    const pr = env.forge.open();
    expect(pr.map((p) => p.title)).toEqual(['Approve module-two v1.2.7']);

    await publishAndWait(env, '1.3.0', { message: /^awaiting for v1\.2\.7 release to be deployed$/ });
    const force = { metadata: { annotations: { 'modules.deckhouse.io/force': 'true' } } };
    await mergePatchAs(env, 'kubectl-annotate', 'ModuleRelease', 'module-two-v1.3.0', force);
    await phaseOf(env, 'module-two-v1.3.0', 'Deployed');
    await phaseOf(env, 'module-two-v1.2.7', 'Skipped');
    const result = await env.sync();
    expect(result.ok, JSON.stringify(result.stages)).toBe(true);

    const closed = env.forge.pulls.find((p) => p.number === pr[0]!.number)!;
    expect(closed.state).toBe('closed');
    expect(closed.comments.map((c) => c.body)).toEqual([
      'Closed by modsync: this approval is no longer needed. module-two-v1.2.7 was skipped.',
    ]);
    expect(env.forge.open()).toEqual([]);
    expect(await listBranches(env.bareDir)).toEqual(['main']);
  });
});

describe('a pull request closed by a person', () => {
  let env: ForgeEnv;
  beforeAll(async () => {
    env = await startSyncedForgeEnv();
  });
  afterAll(async () => env?.stop());

  it('declines the release: modsync does not open it again for the same version', async () => {
    await publishAndWait(env, '1.2.6');
    await env.sync();
    expect(env.forge.pulls).toHaveLength(1);
    // The PR body promises: "Closing it declines; modsync opens a new one when another release arrives."
    env.forge.decline(1);
    await env.sync();
    expect(env.forge.pulls.map((p) => `#${p.number} ${p.state}`)).toEqual(['#1 closed']);
    expect(
      (await getObject(env, 'ModuleRelease', 'module-two-v1.2.6'))?.metadata.annotations?.[APPROVED],
    ).toBeUndefined();
  });
});

describe('a pull request merged on GitHub', () => {
  let env: ForgeEnv;
  beforeAll(async () => {
    env = await startSyncedForgeEnv();
  });
  afterAll(async () => env?.stop());

  it('approves the release; the merged pull request is left alone and the branch deleted', async () => {
    await publishAndWait(env, '1.2.6');
    await env.sync();
    // The merge button: the branch lands on main and GitHub marks the pull request merged.
    await mergeBranch(env.bareDir, BRANCH, 'main', 'Merge pull request #1 from acme/modsync/approve/module-two');
    env.forge.markMerged(1);
    const writes = env.forge.writes().length;
    const result = await env.sync();
    expect(result.ok, JSON.stringify(result.stages)).toBe(true);
    expect((await getObject(env, 'ModuleRelease', 'module-two-v1.2.6'))?.metadata.annotations?.[APPROVED]).toBe('true');
    expect(env.forge.writes()).toHaveLength(writes);
    expect(env.forge.pulls.map((p) => ({ state: p.state, merged: p.merged, comments: p.comments.length }))).toEqual([
      { state: 'closed', merged: true, comments: 0 },
    ]);
    expect(await listBranches(env.bareDir)).toEqual(['main']);
  });
});
