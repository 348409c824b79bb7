/**
 * Release approvals by pull request, end to end: dkp-sim publishes a version under a Manual
 * policy, modsync (in process, with the real GitHub adapter talking to a fake GitHub through
 * nock, real network disabled) opens one pull request on its own branch, a second run writes
 * nothing, merging the branch with git approves the release, dkp-sim deploys it, the pull
 * request is closed with a comment saying why and the status report on main shows it Deployed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readMarker } from '../../src/approvals/pull-request.ts';
import { defaultCatalog, EXAMPLE_REPO } from '../dkp-sim/catalog.ts';
import { FORGE_TOKEN, publishAndWait, pushes, startSyncedForgeEnv, type ForgeEnv } from '../support/fake-forge.ts';
import { branchHead, git, listBranches, mergeBranch, pushFiles, readBranchFile } from '../support/git-repo.ts';
import { getObject, modulePhase, waitFor } from './helpers.ts';

const BRANCH = 'modsync/approve/module-two';
const APPROVAL_FILE = 'clusters/demo/approvals/module-two-v1.2.6.yaml';
const APPROVED = 'modules.deckhouse.io/approved';

/** The built-in catalog, with release notes for the version the tests publish. */
function catalogWithNotes() {
  const catalog = defaultCatalog();
  const moduleTwo = catalog.registries
    .find((r) => r.repo === EXAMPLE_REPO)!
    .modules.find((m) => m.name === 'module-two')!;
  moduleTwo.changelog = { ...moduleTwo.changelog, '1.2.6': { features: ['Add a readiness probe.'] } };
  return catalog;
}

describe('approval pull request: from a published version to its deployment', () => {
  let env: ForgeEnv;
  beforeAll(async () => {
    env = await startSyncedForgeEnv({ sim: { catalog: catalogWithNotes() } });
  });
  afterAll(async () => env?.stop());

  it('opens exactly one pull request with the approval file, the versions, notes, policy and marker', async () => {
    const release = await publishAndWait(env, '1.2.6');
    expect(release.spec?.changelog).toEqual({ features: ['Add a readiness probe.'] });
    const result = await env.sync();
    expect(result.ok, JSON.stringify(result.stages)).toBe(true);

    expect(env.forge.pulls).toHaveLength(1);
    const pr = env.forge.pulls[0]!;
    expect(pr).toMatchObject({ head: BRANCH, base: 'main', state: 'open', title: 'Approve module-two v1.2.6' });
    expect(pr.body).toContain('| Deployed | v1.2.3 |');
    expect(pr.body).toContain('| Proposed | v1.2.6 |');
    expect(pr.body).toContain('| Update policy | `manual-approval` |');
    expect(pr.body).toContain(`Controller: Release is waiting for the '${APPROVED}: "true"' annotation`);
    expect(pr.body).toMatch(/Requirements:[\s\S]*deckhouse: ">= 1\.68"/);
    expect(pr.body).toMatch(/Changelog:[\s\S]*Add a readiness probe\./);
    expect(readMarker(pr.body)).toEqual({ module: 'module-two', releases: ['module-two-v1.2.6'] });
    // The hidden marker is an HTML comment: nothing of it renders.
    expect(pr.body).toMatch(/^<!-- modsync:approval \{.*\} -->\n/);

    // The branch is main plus one commit adding exactly the approval file.
    expect(await listBranches(env.bareDir)).toEqual(['main', BRANCH]);
    const changed = await git(['diff', '--name-only', `refs/heads/main...refs/heads/${BRANCH}`], env.bareDir);
    expect(changed.trim().split('\n')).toEqual([APPROVAL_FILE]);
    const file = await readBranchFile(env.bareDir, BRANCH, APPROVAL_FILE);
    expect(parse(file!)).toEqual({
      apiVersion: 'modsync.io/v1alpha1',
      kind: 'ModuleReleaseApproval',
      metadata: { name: 'module-two-v1.2.6' },
      spec: { module: 'module-two', version: '1.2.6' },
    });

    // The status report on main lists the pending approval with its pull request.
    const readme = await readBranchFile(env.bareDir, 'main', 'clusters/demo/status/README.md');
    expect(readme).toContain(
      '| module-two-v1.2.6 | module-two | [modsync/approve/module-two](https://github.test/acme/fleet/pull/1) | waiting for merge |',
    );
    // The run says what it did, and the forge token shows up nowhere but the Authorization header.
    expect(result.logs.find((l) => l.msg === 'approval request ensured')).toMatchObject({
      module: 'module-two',
      outcome: 'created',
      url: 'https://github.test/acme/fleet/pull/1',
    });
    expect(JSON.stringify([result.logs, env.forge.requests, result.requests])).not.toContain(FORGE_TOKEN);
    // Nothing was approved by opening the request.
    expect(
      (await getObject(env, 'ModuleRelease', 'module-two-v1.2.6'))?.metadata.annotations?.[APPROVED],
    ).toBeUndefined();
  });

  it('a second run changes nothing: no forge write, no push, no cluster write', async () => {
    const forgeWrites = env.forge.writes().length;
    const pushed = pushes(env);
    const heads = { main: await branchHead(env.bareDir, 'main'), branch: await branchHead(env.bareDir, BRANCH) };
    env.sim.control.resetRequests();
    const result = await env.sync();
    expect(result.ok, JSON.stringify(result.stages)).toBe(true);
    expect(result.requests).toEqual([
      expect.objectContaining({
        module: 'module-two',
        outcome: 'unchanged',
        url: 'https://github.test/acme/fleet/pull/1',
      }),
    ]);
    expect(env.forge.writes()).toHaveLength(forgeWrites);
    expect(pushes(env)).toBe(pushed);
    expect(env.sim.control.requests().writes).toBe(0);
    expect({ main: await branchHead(env.bareDir, 'main'), branch: await branchHead(env.bareDir, BRANCH) }).toEqual(
      heads,
    );
    expect(env.forge.open()).toHaveLength(1);
  });

  it('merging the branch with git approves the release with one merge patch; the pull request is closed with why', async () => {
    await mergeBranch(env.bareDir, BRANCH, 'main', 'Merge pull request #1: Approve module-two v1.2.6');
    const before = (await getObject(env, 'ModuleRelease', 'module-two-v1.2.6'))!;
    env.sim.control.resetRequests();
    const result = await env.sync();
    expect(result.ok, JSON.stringify(result.stages)).toBe(true);

    const counts = env.sim.control.requests();
    expect(counts.writes).toBe(1);
    expect(counts.byResource.modulereleases).toEqual({ list: 1, patch: 1 });
    expect(result.changes.filter((c) => c.action === 'approve')).toEqual([
      expect.objectContaining({
        subject: 'ModuleRelease/module-two-v1.2.6',
        outcome: 'applied',
        origin: `${APPROVAL_FILE}:3`,
      }),
    ]);

    // The release got the annotation and nothing else (dkp-sim may deploy it meanwhile, so
    // compare what modsync owns: its managedFields entry names only the annotation).
    const after = (await getObject(env, 'ModuleRelease', 'module-two-v1.2.6'))!;
    expect(after.metadata.annotations?.[APPROVED]).toBe('true');
    expect(after.spec).toEqual(before.spec);
    const mine = (after.metadata.managedFields as { manager: string; operation: string; fieldsV1: unknown }[]).filter(
      (m) => m.manager === 'modsync',
    );
    expect(mine).toEqual([
      expect.objectContaining({
        operation: 'Update',
        fieldsV1: { 'f:metadata': { 'f:annotations': { [`f:${APPROVED}`]: {} } } },
      }),
    ]);

    const pr = env.forge.pulls[0]!;
    expect(pr.state).toBe('closed');
    expect(pr.comments).toHaveLength(1);
    expect(pr.comments[0]!.body).toMatch(
      /^Closed by modsync: this approval is no longer needed\. module-two-v1\.2\.6 is approved by clusters\/demo\/approvals\/module-two-v1\.2\.6\.yaml/,
    );
    expect(await listBranches(env.bareDir)).toEqual(['main']);
  });

  it('dkp-sim deploys the approved release; the status report on main shows it Deployed and nothing pending', async () => {
    await waitFor(
      'v1.2.6 deployed',
      async () => (await getObject(env, 'ModuleRelease', 'module-two-v1.2.6'))?.status?.phase === 'Deployed',
    );
    await waitFor('module-two Ready', async () => (await modulePhase(env, 'module-two')) === 'Ready');
    const result = await env.sync();
    expect(result.ok, JSON.stringify(result.stages)).toBe(true);
    const status = parse((await readBranchFile(env.bareDir, 'main', 'clusters/demo/status/status.yaml'))!) as {
      approvals: unknown[];
      releases: { name: string; phase: string }[];
      modules: { name: string; version: string }[];
    };
    expect(status.approvals).toEqual([]);
    expect(status.releases.find((r) => r.name === 'module-two-v1.2.6')?.phase).toBe('Deployed');
    expect(status.releases.find((r) => r.name === 'module-two-v1.2.3')?.phase).toBe('Superseded');
    expect(status.modules.find((m) => m.name === 'module-two')?.version).toBe('v1.2.6');
    const readme = (await readBranchFile(env.bareDir, 'main', 'clusters/demo/status/README.md'))!;
    expect(readme).toMatch(/## Pending approvals\n\n_none_\n/);
    expect(readme).toMatch(/\| module-two-v1\.2\.6 \| Deployed \| manual-approval \|/);
    // No new pull request, and the closed one is left alone.
    expect(env.forge.pulls).toHaveLength(1);
    expect(env.forge.pulls[0]!.comments).toHaveLength(1);
  });
});

describe('plan and sync --dry-run preview approvals and requests without writing', () => {
  let env: ForgeEnv;
  beforeAll(async () => {
    env = await startSyncedForgeEnv({ sim: { catalog: catalogWithNotes() } });
    await publishAndWait(env, '1.2.6');
  });
  afterAll(async () => env?.stop());

  it('sync --dry-run says a pull request would be opened, and writes nothing anywhere', async () => {
    const pushed = pushes(env);
    const main = await branchHead(env.bareDir, 'main');
    env.sim.control.resetRequests();
    const result = await env.sync('dry-run');
    expect(result.requests).toEqual([
      { module: 'module-two', branch: BRANCH, releases: ['module-two-v1.2.6'], outcome: 'planned' },
    ]);
    expect(env.forge.writes()).toEqual([]);
    expect(pushes(env)).toBe(pushed);
    expect(await branchHead(env.bareDir, 'main')).toBe(main);
    expect(await listBranches(env.bareDir)).toEqual(['main']);
    expect(env.sim.control.requests().writes).toBe(0);
  });

  it('plan and sync --dry-run show the approval an approval file on main would make, without making it', async () => {
    await pushFiles(
      env.bareDir,
      'main',
      {
        [APPROVAL_FILE]:
          'apiVersion: modsync.io/v1alpha1\nkind: ModuleReleaseApproval\nmetadata:\n  name: module-two-v1.2.6\nspec:\n  module: module-two\n  version: 1.2.6\n',
      },
      'Approve module-two v1.2.6',
    );
    const pushed = pushes(env);
    const main = await branchHead(env.bareDir, 'main');
    env.sim.control.resetRequests();

    const dry = await env.sync('dry-run');
    expect(dry.changes.filter((c) => c.action === 'approve')).toEqual([
      expect.objectContaining({ subject: 'ModuleRelease/module-two-v1.2.6', outcome: 'planned' }),
    ]);
    expect(dry.requests).toEqual([]);
    const plan = await env.modsync(['plan']);
    expect(plan.code, plan.stderr).toBe(2);
    expect(plan.stdout).toMatch(/✓ ModuleRelease\/module-two-v1\.2\.6/);
    expect(plan.stdout).toMatch(/1 to approve/);
    const cli = await env.modsync(['sync', '--dry-run']);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/✓ ModuleRelease\/module-two-v1\.2\.6/);

    expect(env.sim.control.requests().writes).toBe(0);
    expect(
      (await getObject(env, 'ModuleRelease', 'module-two-v1.2.6'))?.metadata.annotations?.[APPROVED],
    ).toBeUndefined();
    expect(env.forge.writes()).toEqual([]);
    expect(pushes(env)).toBe(pushed);
    expect(await branchHead(env.bareDir, 'main')).toBe(main);
  });
});
