/**
 * The plan is one list, and what it says is what the sync does: the real CLI against dkp-sim
 * and a git http-backend. Covers the protection of modules enabled by their bundle (no
 * `enabled` field), objects of another modsync instance, the report describing the cluster
 * after the writes, and `plan` output equal to what `sync` then reports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushFiles, readBranchFile } from '../support/git-repo.ts';
import { startDemoEnv, type DemoEnv } from '../support/demo-env.ts';
import { getObject, logLines } from './helpers.ts';

const ROOT = 'clusters/demo';
const STATUS = `${ROOT}/status/status.yaml`;

interface JsonChange {
  subject: string;
  action: string;
  outcome: string;
  diff?: unknown[];
}

async function changesOf(
  env: DemoEnv,
  cmd: 'plan' | 'sync',
  extra: string[] = [],
): Promise<{ code: number; changes: JsonChange[]; stderr: string }> {
  const r = await env.modsync([cmd, '--output', 'json', ...extra]);
  const parsed = JSON.parse(r.stdout) as { changes: JsonChange[] };
  return { code: r.code, changes: parsed.changes, stderr: r.stderr };
}

describe('one plan, from plan to sync to report', () => {
  let env: DemoEnv;
  beforeAll(async () => {
    env = await startDemoEnv();
  });
  afterAll(async () => env?.stop());

  it('plan output equals what sync then reports, but for the outcomes', async () => {
    const plan = await changesOf(env, 'plan');
    expect(plan.code).toBe(2);
    const sync = await changesOf(env, 'sync');
    expect(sync.code, sync.stderr).toBe(0);
    const strip = (c: JsonChange[]) => c.map(({ outcome: _outcome, ...rest }) => rest);
    expect(strip(sync.changes)).toEqual(strip(plan.changes));
    expect(new Set(plan.changes.map((c) => c.outcome))).toEqual(new Set(['planned']));
    expect(sync.changes.filter((c) => c.action === 'create').every((c) => c.outcome === 'applied')).toBe(true);
  });

  it('the status report of a sync that wrote already shows what it wrote', async () => {
    const file = `${ROOT}/sources/second.yaml`;
    const source =
      'apiVersion: deckhouse.io/v1alpha1\nkind: ModuleSource\nmetadata:\n  name: second\nspec:\n  registry:\n    repo: registry.example.com/deckhouse/modules\n';
    await pushFiles(env.bareDir, 'main', { [file]: source }, 'Add a second source');
    const r = await env.modsync(['sync']);
    expect(r.code, r.stderr).toBe(0);
    // Before, the report was rendered from the LISTs taken before the writes: the new source was missing.
    const report = await readBranchFile(env.bareDir, 'main', STATUS);
    expect(report).toMatch(/sources:[\s\S]*- name: second\n/);
    expect(report).toMatch(/subject: ModuleSource\/second\n\s+action: create\n\s+outcome: applied/);
  });

  it('a protected module with no enabled field (bundle default) is never disabled from git', async () => {
    const live = await getObject(env, 'ModuleConfig', 'deckhouse');
    expect(live).not.toBeNull();
    expect(live?.spec?.enabled).toBeUndefined();
    await pushFiles(
      env.bareDir,
      'main',
      {
        [`${ROOT}/modules/deckhouse.yaml`]:
          'apiVersion: deckhouse.io/v1alpha1\nkind: ModuleConfig\nmetadata:\n  name: deckhouse\nspec:\n  enabled: false\n',
      },
      'Disable deckhouse',
    );
    const r = await env.modsync(['sync', '--output', 'json']);
    const entry = (JSON.parse(r.stdout) as { changes: JsonChange[] & { message?: string }[] }).changes.find(
      (c) => c.subject === 'ModuleConfig/deckhouse',
    );
    expect(entry).toMatchObject({
      outcome: 'held',
      destructive: 'disable',
      message: expect.stringContaining('protected'),
    });
    expect((await getObject(env, 'ModuleConfig', 'deckhouse'))?.spec?.enabled).toBeUndefined();
    await pushFiles(env.bareDir, 'main', { [`${ROOT}/modules/deckhouse.yaml`]: null }, 'Keep deckhouse as it is');
  });

  it("another instance's object is a conflict naming that instance, not taken over", async () => {
    const policy = await getObject(env, 'ModuleUpdatePolicy', 'stable-auto');
    const before = policy?.metadata.resourceVersion;
    const r = await env.modsync(['sync', '--instance', 'other', '--no-prune']);
    expect(r.code, r.stderr).toBe(0);
    const after = await getObject(env, 'ModuleUpdatePolicy', 'stable-auto');
    expect(after?.metadata.labels?.['modsync.io/instance']).toBe('modsync');
    expect(after?.metadata.resourceVersion).toBe(before);
    expect(r.stdout).toMatch(/ModuleUpdatePolicy\/stable-auto \(update, held\)/);
    expect(r.stdout).toContain('owned by modsync instance "modsync"');
    // Named for takeover, it is taken over.
    const taken = await env.modsync([
      'sync',
      '--instance',
      'other',
      '--no-prune',
      '--take-over-instances',
      'modsync',
      '--no-status',
    ]);
    expect(taken.code, taken.stderr).toBe(0);
    expect((await getObject(env, 'ModuleUpdatePolicy', 'stable-auto'))?.metadata.labels?.['modsync.io/instance']).toBe(
      'other',
    );
    const back = await env.modsync(['sync', '--take-over-instances', 'other', '--no-status']);
    expect(back.code, back.stderr).toBe(0);
    expect(logLines(back.stderr).some((l) => l.msg === 'sync finished')).toBe(true);
  });
});
