/**
 * The status report modsync commits to git, end to end: exact content against fixtures (commit
 * ids and times normalised), no commit at all across ten runs against an unchanged cluster, a
 * Module going to Error shown with its message next to the sources' per-module errors, and a
 * human commit racing modsync's status push kept on the branch. modsync runs in process (git
 * host `none`) against dkp-sim and a real `git http-backend` server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { publishAndWait, pushes, startForgeEnv, type ForgeEnv } from '../support/fake-forge.ts';
import { branchHead, commitLog, git, pushFiles, readBranchFile } from '../support/git-repo.ts';
import { getObject, modulePhase, waitFor } from './helpers.ts';

const STATUS = 'clusters/demo/status';
const NONE = { 'git-host': 'none' };
const FAULTY = 'clusters/demo/modules/module-faulty.yaml';

/**
 * Replaces the values that differ between runs of this test: commit ids become `commit-<n>`, their
 * position in main's history (0 = the seed commit), wall-clock times become `<time>`, and the key
 * of the report's content (a hash, pinned by the unit tests) a placeholder.
 */
async function normalised(env: ForgeEnv, text: string): Promise<string> {
  const shas = (await commitLog(env.bareDir, 'main')).map((c) => c.sha).reverse();
  let out = text.replace(/^# content: sha256:[0-9a-f]{64}$/m, '# content: <key of the report content>');
  shas.forEach((sha, i) => {
    for (const form of [sha, sha.slice(0, 12), sha.slice(0, 7)]) out = out.replaceAll(form, `commit-${i}`);
  });
  return out
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>')
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d UTC/g, '<time> UTC');
}

async function statusFiles(env: ForgeEnv): Promise<{ readme: string; yaml: string }> {
  const readme = await readBranchFile(env.bareDir, 'main', `${STATUS}/README.md`);
  const yaml = await readBranchFile(env.bareDir, 'main', `${STATUS}/status.yaml`);
  if (readme === null || yaml === null) throw new Error('no status report on main');
  return { readme: await normalised(env, readme), yaml: await normalised(env, yaml) };
}

describe('status report content', () => {
  let env: ForgeEnv;
  beforeAll(async () => {
    env = await startForgeEnv();
    // Converge without a report first, so every entry of the first report is observed at the seed commit.
    const first = await env.sync('sync', { ...NONE, status: false });
    expect(first.ok, JSON.stringify(first.stages)).toBe(true);
    await waitFor('module-one Ready', async () => (await modulePhase(env, 'module-one')) === 'Ready');
    await waitFor('module-two Ready', async () => (await modulePhase(env, 'module-two')) === 'Ready');
  });
  afterAll(async () => env?.stop());

  it('matches the fixtures: sources with per-module errors, modules, releases, configs, last sync', async () => {
    const result = await env.sync('sync', NONE);
    expect(result.ok, JSON.stringify(result.stages)).toBe(true);
    expect(result.reportCommit).toMatch(/^[0-9a-f]{40}$/);
    const log = await commitLog(env.bareDir, 'main');
    expect(log.map((c) => `${c.author} ${c.message}`)).toEqual([
      'modsync <modsync@users.noreply.local> modsync: status report (success)',
      'Test Human <human@example.com> Desired state',
    ]);
    const files = await statusFiles(env);
    await expect(files.readme).toMatchFileSnapshot('../fixtures/report/converged/README.md');
    await expect(files.yaml).toMatchFileSnapshot('../fixtures/report/converged/status.yaml');
  });

  it('ten more runs against the unchanged cluster make no commit, no push and no cluster write', async () => {
    const head = await branchHead(env.bareDir, 'main');
    const pushed = pushes(env);
    env.sim.control.resetRequests();
    for (let i = 0; i < 10; i++) {
      const result = await env.sync('sync', NONE);
      expect(result.ok, JSON.stringify(result.stages)).toBe(true);
      expect(result.reportCommit, `run ${i + 1}`).toBeNull();
    }
    expect(await branchHead(env.bareDir, 'main')).toBe(head);
    expect(pushes(env)).toBe(pushed);
    // modsync's own status commits are not desired state: they never lead to a cluster write.
    expect(env.sim.control.requests().writes).toBe(0);
  });

  it('a module going to Error shows with its hook message; only the changed entries move', async () => {
    await pushFiles(
      env.bareDir,
      'main',
      {
        [FAULTY]:
          'apiVersion: deckhouse.io/v1alpha1\nkind: ModuleConfig\nmetadata:\n  name: module-faulty\nspec:\n  enabled: true\n  source: example\n  updatePolicy: stable-auto\n',
      },
      'Enable module-faulty',
    );
    const applied = await env.sync('sync', { ...NONE, status: false });
    expect(applied.changes.find((c) => c.subject === 'ModuleConfig/module-faulty')).toMatchObject({
      action: 'create',
      outcome: 'applied',
    });
    await waitFor('module-faulty Error', async () => (await modulePhase(env, 'module-faulty')) === 'Error');
    const result = await env.sync('sync', NONE);
    expect(result.ok, JSON.stringify(result.stages)).toBe(true);
    const files = await statusFiles(env);
    const report = parse(files.yaml) as {
      modules: { name: string; phase: string; message: string; observedAt: string }[];
    };
    const faulty = report.modules.find((m) => m.name === 'module-faulty')!;
    expect(faulty.phase).toBe('Error');
    expect(faulty.message).toContain(`hook 'check_storage' failed: StorageClass "fast-ssd" not found`);
    expect(files.readme).toMatch(
      /\| module-faulty \| example \| v0\.3\.1 \| Error \| True \| False \| .*StorageClass "fast-ssd" not found/,
    );
    await expect(files.readme).toMatchFileSnapshot('../fixtures/report/module-error/README.md');
    await expect(files.yaml).toMatchFileSnapshot('../fixtures/report/module-error/status.yaml');
  });

  it('with git host none, a pending approval shows its branch', async () => {
    await publishAndWait(env, '1.2.6');
    const result = await env.sync('sync', NONE);
    expect(result.ok, JSON.stringify(result.stages)).toBe(true);
    const { readme } = await statusFiles(env);
    expect(readme).toContain(
      '| module-two-v1.2.6 | module-two | branch `modsync/approve/module-two` | waiting for merge |',
    );
    expect(readme).toContain(
      `| module-two-v1.2.6 | Pending | manual-approval | Release is waiting for the 'modules.deckhouse.io/approved: "true"' annotation |`,
    );
    expect(
      await readBranchFile(env.bareDir, 'modsync/approve/module-two', 'clusters/demo/approvals/module-two-v1.2.6.yaml'),
    ).toContain('version: 1.2.6');
  });
});

describe("a human commit pushed between modsync's fetch and its status push", () => {
  let env: ForgeEnv;
  beforeAll(async () => {
    env = await startForgeEnv();
  });
  afterAll(async () => env?.stop());

  it('ends up on main next to the status report; modsync applies it on its next run', async () => {
    const seed = await branchHead(env.bareDir, 'main');
    let human: string | undefined;
    env.onGitRequest = async (info) => {
      if (info.service !== 'git-receive-pack' || human) return;
      const edit =
        'apiVersion: deckhouse.io/v1alpha1\nkind: ModuleConfig\nmetadata:\n  name: module-one\nspec:\n  enabled: true\n  source: example\n  updatePolicy: stable-auto\n  version: 1\n  settings:\n    replicas: 3\n';
      human = await pushFiles(
        env.bareDir,
        'main',
        { 'clusters/demo/modules/module-one.yaml': edit },
        'Scale module-one to 3',
      );
    };
    const result = await env.sync('sync', NONE);
    env.onGitRequest = undefined;
    expect(result.ok, JSON.stringify(result.stages)).toBe(true);
    expect(human).toBeDefined();

    const log = await commitLog(env.bareDir, 'main');
    expect(log.map((c) => c.message)).toEqual([
      'modsync: status report (success)',
      'Scale module-one to 3',
      'Desired state',
    ]);
    expect(log.map((c) => c.sha).slice(1)).toEqual([human, seed]);
    expect(result.reportCommit).toBe(log[0]!.sha);
    expect(await readBranchFile(env.bareDir, 'main', 'clusters/demo/modules/module-one.yaml')).toContain('replicas: 3');
    expect(await readBranchFile(env.bareDir, 'main', `${STATUS}/status.yaml`)).toContain('kind: StatusReport');
    await git(['fsck', '--no-progress'], env.bareDir);

    // The run itself applied what it had fetched; the next one picks the human's edit up.
    expect((await getObject(env, 'ModuleConfig', 'module-one'))?.spec?.settings).toEqual({ replicas: 2 });
    const next = await env.sync('sync', NONE);
    expect(next.ok, JSON.stringify(next.stages)).toBe(true);
    expect((await getObject(env, 'ModuleConfig', 'module-one'))?.spec?.settings).toEqual({ replicas: 3 });
  });

  it('a sync refused for an invalid manifest is recorded in the report with file:line, then cleared', async () => {
    await pushFiles(
      env.bareDir,
      'main',
      {
        'clusters/demo/modules/bad.yaml':
          'apiVersion: deckhouse.io/v1alpha1\nkind: ModuleConfig\nmetadata:\n  name: module-one\nspec:\n  enabled: maybe\n',
      },
      'Add a broken config',
    );
    env.sim.control.resetRequests();
    const failed = await env.sync('sync', NONE);
    expect(failed.ok).toBe(false);
    expect(env.sim.control.requests().writes).toBe(0);
    const { readme, yaml } = await statusFiles(env);
    expect(readme).toMatch(/\| failure \(ValidationFailed\) \| commit-\d+ \|/);
    expect(readme).toMatch(/^- clusters\/demo\/modules\/bad\.yaml:\d+:\d+: /m);
    expect((parse(yaml) as { lastSync: { result: string } }).lastSync.result).toBe('failure');

    await pushFiles(env.bareDir, 'main', { 'clusters/demo/modules/bad.yaml': null }, 'Remove the broken config');
    const fixed = await env.sync('sync', NONE);
    expect(fixed.ok, JSON.stringify(fixed.stages)).toBe(true);
    expect((await statusFiles(env)).readme).toMatch(/\| success \| commit-\d+ \|/);
  });
});

describe('where the report goes', () => {
  let env: ForgeEnv;
  beforeAll(async () => {
    env = await startForgeEnv();
  });
  afterAll(async () => env?.stop());

  it('--status-branch and --status-path put it on a branch of its own, leaving main alone', async () => {
    const main = await branchHead(env.bareDir, 'main');
    const result = await env.sync('sync', { ...NONE, 'status-branch': 'modsync-status', 'status-path': 'report' });
    expect(result.ok, JSON.stringify(result.stages)).toBe(true);
    expect(await branchHead(env.bareDir, 'main')).toBe(main);
    const log = await commitLog(env.bareDir, 'modsync-status');
    expect(log.map((c) => c.message)).toEqual(['modsync: status report (success)', 'Desired state']);
    expect(await readBranchFile(env.bareDir, 'modsync-status', 'clusters/demo/report/status.yaml')).toContain(
      'kind: StatusReport',
    );
    expect(await readBranchFile(env.bareDir, 'modsync-status', `${STATUS}/status.yaml`)).toBeNull();
  });
});
