/**
 * Approvals that live in git without a pull request: a semver range pre-approves matching
 * releases (releases outside it still get a pull request), and removing an approval file while
 * its release still waits (here for its `spec.applyAfter` time) withdraws the annotation modsync set —
 * never one a person set. modsync runs in process against dkp-sim, the git server and the fake
 * GitHub (nock, real network disabled).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleFiles } from '../support/demo-env.ts';
import { publishAndWait, startSyncedForgeEnv, type ForgeEnv } from '../support/fake-forge.ts';
import { listBranches, pushFiles } from '../support/git-repo.ts';
import { getObject, mergePatchAs, waitFor } from './helpers.ts';

const APPROVED = 'modules.deckhouse.io/approved';
const RANGE_FILE = 'clusters/demo/approvals/module-two-1.2.yaml';
const RANGE =
  'apiVersion: modsync.io/v1alpha1\nkind: ModuleReleaseApproval\nmetadata:\n  name: module-two-1.2\nspec:\n  module: module-two\n  versions: ">=1.2.6 <1.3.0"\n';
const annotation = async (env: ForgeEnv, release: string): Promise<string | undefined> =>
  (await getObject(env, 'ModuleRelease', release))?.metadata.annotations?.[APPROVED];

describe('semver-range pre-approval', () => {
  let env: ForgeEnv;
  beforeAll(async () => {
    env = await startSyncedForgeEnv({ files: { ...exampleFiles(), [RANGE_FILE]: RANGE } });
  });
  afterAll(async () => env?.stop());

  it('approves a matching release with no pull request and no branch', async () => {
    await publishAndWait(env, '1.2.6');
    const result = await env.sync();
    expect(result.ok, JSON.stringify(result.stages)).toBe(true);
    expect(result.changes.filter((c) => c.action === 'approve')).toEqual([
      expect.objectContaining({
        subject: 'ModuleRelease/module-two-v1.2.6',
        outcome: 'applied',
        origin: `${RANGE_FILE}:1`,
      }),
    ]);
    expect(await annotation(env, 'module-two-v1.2.6')).toBe('true');
    expect(env.forge.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(result.requests).toEqual([]);
    expect(await listBranches(env.bareDir)).toEqual(['main']);
    await waitFor(
      'v1.2.6 deployed',
      async () => (await getObject(env, 'ModuleRelease', 'module-two-v1.2.6'))?.status?.phase === 'Deployed',
    );
  });

  it('a release outside the range still gets a pull request, and is not approved', async () => {
    await waitFor(
      'module-two Ready',
      async () => (await getObject(env, 'Module', 'module-two'))?.status?.phase === 'Ready',
    );
    await publishAndWait(env, '1.3.0');
    const result = await env.sync();
    expect(result.ok, JSON.stringify(result.stages)).toBe(true);
    expect(result.changes.filter((c) => c.action === 'approve')).toEqual([]);
    expect(env.forge.open().map((p) => ({ title: p.title, head: p.head }))).toEqual([
      { title: 'Approve module-two v1.3.0', head: 'modsync/approve/module-two' },
    ]);
    expect(env.forge.open()[0]!.body).toContain('| Deployed | v1.2.6 |');
    expect(await annotation(env, 'module-two-v1.3.0')).toBeUndefined();
  });
});

const EXACT_FILE = 'clusters/demo/approvals/module-two-v1.2.6.yaml';
const EXACT =
  'apiVersion: modsync.io/v1alpha1\nkind: ModuleReleaseApproval\nmetadata:\n  name: module-two-v1.2.6\nspec:\n  module: module-two\n  version: 1.2.6\n';

describe('an approval file removed while its release is still pending', () => {
  let env: ForgeEnv;
  beforeAll(async () => {
    env = await startSyncedForgeEnv();
    env.sim.control.clock.set(new Date('2026-11-23T12:00:00Z'));
    await publishAndWait(env, '1.2.6');
    // Under Manual, update windows do not hold a release (deploy_time_checker.go); a canary time
    // (spec.applyAfter, which Deckhouse itself sets when a notification shifts a release) does.
    const canary = { spec: { applyAfter: '2026-11-24T03:00:00Z' } };
    await mergePatchAs(env, 'kubectl-patch', 'ModuleRelease', 'module-two-v1.2.6', canary);
  });
  afterAll(async () => env?.stop());

  it('an approval file merged to main approves the release; it keeps waiting for its apply-after time', async () => {
    await pushFiles(env.bareDir, 'main', { [EXACT_FILE]: EXACT }, 'Approve module-two v1.2.6');
    const result = await env.sync();
    expect(result.ok, JSON.stringify(result.stages)).toBe(true);
    expect(await annotation(env, 'module-two-v1.2.6')).toBe('true');
    await waitFor('postponed', async () => {
      const r = await getObject(env, 'ModuleRelease', 'module-two-v1.2.6');
      return r?.status?.phase === 'Pending' && r.status.message === 'Release is postponed until 24 Nov 2026 03:00 UTC';
    });
  });

  it("removing the file withdraws modsync's annotation with one merge patch", async () => {
    await pushFiles(env.bareDir, 'main', { [EXACT_FILE]: null }, 'Withdraw the approval of module-two v1.2.6');
    env.sim.control.resetRequests();
    const result = await env.sync();
    expect(result.ok, JSON.stringify(result.stages)).toBe(true);
    expect(result.changes.filter((c) => c.action === 'unapprove')).toEqual([
      expect.objectContaining({ subject: 'ModuleRelease/module-two-v1.2.6', outcome: 'applied' }),
    ]);
    expect(env.sim.control.requests().byResource.modulereleases).toEqual({ list: 1, patch: 1 });
    expect(await annotation(env, 'module-two-v1.2.6')).toBeUndefined();
    // Waiting for approval again, with nothing in git: it is requested by pull request.
    await waitFor('waiting for approval again', async () =>
      /approved: "true"' annotation/.test(
        String((await getObject(env, 'ModuleRelease', 'module-two-v1.2.6'))?.status?.message),
      ),
    );
    await env.sync();
    expect(env.forge.open().map((p) => p.title)).toEqual(['Approve module-two v1.2.6']);
  });

  it('an annotation a person set is never withdrawn', async () => {
    await mergePatchAs(env, 'kubectl-annotate', 'ModuleRelease', 'module-two-v1.2.6', {
      metadata: { annotations: { [APPROVED]: 'true' } },
    });
    env.sim.control.resetRequests();
    const result = await env.sync();
    expect(result.ok, JSON.stringify(result.stages)).toBe(true);
    expect(result.changes.filter((c) => c.action === 'unapprove' || c.action === 'approve')).toEqual([]);
    expect(env.sim.control.requests().writes).toBe(0);
    expect(await annotation(env, 'module-two-v1.2.6')).toBe('true');
    // Its pull request is no longer needed: closed, saying the release was approved in the cluster.
    const pr = env.forge.pulls.at(-1)!;
    expect(pr.state).toBe('closed');
    expect(pr.comments.map((c) => c.body)).toEqual([
      'Closed by modsync: this approval is no longer needed. module-two-v1.2.6 was approved in the cluster.',
    ]);
    expect(await listBranches(env.bareDir)).toEqual(['main']);
  });
});
