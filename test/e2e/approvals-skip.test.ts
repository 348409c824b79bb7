/**
 * An approval request follows the release that actually waits. Deckhouse skips a pending patch
 * once a newer patch of its minor arrives (releaseupdater/task_calculator.go: the next release
 * is the same minor → Skip); modsync then moves the same pull request to the newer release and
 * says why the other one was dropped; merging it deploys the newer one. Over real HTTP:
 * dkp-sim, the git http-backend server and the fake GitHub (nock, real network disabled).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readMarker } from '../../src/approvals/pull-request.ts';
import { publishAndWait, startSyncedForgeEnv, type ForgeEnv } from '../support/fake-forge.ts';
import { git, listBranches, mergeBranch, readBranchFile } from '../support/git-repo.ts';
import { getObject, waitFor } from './helpers.ts';

const BRANCH = 'modsync/approve/module-two';
const APPROVED = 'modules.deckhouse.io/approved';
const file = (version: string): string => `clusters/demo/approvals/module-two-v${version}.yaml`;
const DROPPED =
  '> `module-two-v1.2.6` is no longer proposed: ' + 'Deckhouse skipped it: v1.2.7 is a newer patch of the same minor.';

describe('deployed 1.2.3 under Manual: 1.2.6 waits, then 1.2.7 makes it Skipped', () => {
  let env: ForgeEnv;
  beforeAll(async () => {
    env = await startSyncedForgeEnv();
  });
  afterAll(async () => env?.stop());

  it('publishing 1.2.6 opens the approval request for it', async () => {
    await publishAndWait(env, '1.2.6');
    const result = await env.sync();
    expect(result.ok, JSON.stringify(result.stages)).toBe(true);
    expect(env.forge.pulls.map((p) => ({ title: p.title, head: p.head, state: p.state }))).toEqual([
      { title: 'Approve module-two v1.2.6', head: BRANCH, state: 'open' },
    ]);
  });

  it('publishing 1.2.7 skips 1.2.6; the same pull request now proposes 1.2.7 and says why 1.2.6 went', async () => {
    await publishAndWait(env, '1.2.7');
    const skipped = await getObject(env, 'ModuleRelease', 'module-two-v1.2.6');
    expect(skipped?.status).toMatchObject({ phase: 'Skipped', message: '' });
    const result = await env.sync();
    expect(result.ok, JSON.stringify(result.stages)).toBe(true);

    expect(env.forge.pulls).toHaveLength(1);
    const pr = env.forge.pulls[0]!;
    expect(pr).toMatchObject({ number: 1, head: BRANCH, state: 'open', title: 'Approve module-two v1.2.7' });
    expect(pr.body).toContain('| Proposed | v1.2.7 |');
    expect(pr.body).toContain(DROPPED);
    expect(readMarker(pr.body)).toMatchObject({
      releases: ['module-two-v1.2.7'],
      dropped: [{ release: 'module-two-v1.2.6' }],
    });
    // The branch is main plus the approval of 1.2.7 only.
    const changed = await git(['diff', '--name-only', `refs/heads/main...refs/heads/${BRANCH}`], env.bareDir);
    expect(changed.trim().split('\n')).toEqual([file('1.2.7')]);
    const approval = parse((await readBranchFile(env.bareDir, BRANCH, file('1.2.7')))!);
    expect(approval.spec).toEqual({ module: 'module-two', version: '1.2.7' });
    // Edited in place: one create, one edit of the same pull request.
    const writes = env.forge.writes().map((w) => `${w.method} ${w.path}`);
    expect(writes).toEqual(['POST /repos/acme/fleet/pulls', 'PATCH /repos/acme/fleet/pulls/1']);
    expect(result.requests).toEqual([
      expect.objectContaining({
        branch: BRANCH,
        releases: ['module-two-v1.2.7'],
        outcome: 'updated',
        dropped: [expect.objectContaining({ release: 'module-two-v1.2.6' })],
      }),
    ]);
  });

  it('a further run writes nothing: the note is kept from the marker', async () => {
    const writes = env.forge.writes().length;
    env.sim.control.resetRequests();
    const result = await env.sync();
    expect(result.ok, JSON.stringify(result.stages)).toBe(true);
    expect(env.forge.writes()).toHaveLength(writes);
    expect(env.sim.control.requests().writes).toBe(0);
    expect(env.forge.pulls[0]!.body).toContain(DROPPED);
  });

  it('merging it approves and deploys 1.2.7', async () => {
    await mergeBranch(env.bareDir, BRANCH, 'main', 'Merge pull request #1 from acme/modsync/approve/module-two');
    env.forge.markMerged(1);
    const result = await env.sync();
    expect(result.ok, JSON.stringify(result.stages)).toBe(true);
    expect(result.changes.filter((c) => c.action === 'approve')).toEqual([
      expect.objectContaining({ subject: 'ModuleRelease/module-two-v1.2.7', outcome: 'applied' }),
    ]);
    expect((await getObject(env, 'ModuleRelease', 'module-two-v1.2.7'))?.metadata.annotations?.[APPROVED]).toBe('true');
    const phase = async (v: string): Promise<unknown> =>
      (await getObject(env, 'ModuleRelease', `module-two-v${v}`))?.status?.phase;
    await waitFor('v1.2.7 deployed', async () => (await phase('1.2.7')) === 'Deployed');
    expect(await phase('1.2.3')).toBe('Superseded');
    expect(await phase('1.2.6')).toBe('Skipped');
    expect(await listBranches(env.bareDir)).toEqual(['main']);
  });
});
