/**
 * Least privilege, measured: modsync's CLI runs in-process against dkp-sim and a git
 * http-backend through a scenario that makes every kind of request it can make (first sync,
 * a plan and an edit, an approval, a prune of every kind, `status`, the Lease), dkp-sim
 * counts the requests, and the (apiGroup, resource, verb) set they need must equal what the
 * chart's ClusterRole and Role grant: nothing missing, nothing unused.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { KIND_INFO } from '../../src/core/kinds.ts';
import { OWNERSHIP_LABEL } from '../../src/core/ownership.ts';
import { start, type SimInstance } from '../dkp-sim/index.ts';
import type { RequestCounts } from '../dkp-sim/counters.ts';
import { exampleFiles } from '../support/demo-env.ts';
import { createBareRepo, pushFiles } from '../support/git-repo.ts';
import { startGitServer, type GitServer } from '../support/git-server.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LEASE_NAMESPACE = 'modsync';
const INSTANCE = 'modsync';
const MANAGED_PLURALS = ['modulesources', 'moduleupdatepolicies', 'moduleconfigs'];

/** API group of each resource modsync may touch; anything else shows up as `?/<plural>`. */
const GROUPS: Record<string, string> = {
  ...Object.fromEntries(Object.values(KIND_INFO).map((k) => [k.plural, k.group])),
  leases: 'coordination.k8s.io',
};

/** True for an object that carries this instance's ownership label. */
function owned(o: { metadata: unknown }): boolean {
  return (o.metadata as { labels?: Record<string, string> }).labels?.[OWNERSHIP_LABEL] === INSTANCE;
}

/**
 * Grants only a refused write needs, which a converging scenario does not provoke: a GET of one
 * object when a delete's precondition failed (src/pipeline/prune.ts, deleteChecked) or when the
 * adoption's managedFields patch found the object moved (src/pipeline/apply.ts, takeOver).
 */
const AFTER_A_REFUSED_WRITE = new Set([
  ...MANAGED_PLURALS.map((p) => `deckhouse.io/${p} get`),
  // Only when the cluster's schema refuses an object, to name its Deckhouse version (src/pipeline/check.ts).
  'deckhouse.io/deckhousereleases list',
]);

/** The RBAC verb a counted request needs (server-side apply is a PATCH). */
const RBAC_VERB: Record<string, string> = {
  list: 'list',
  get: 'get',
  watch: 'watch',
  apply: 'patch',
  patch: 'patch',
  create: 'create',
  update: 'update',
  delete: 'delete',
};

/** `group/resource verb` grants of the chart's RBAC templates (the rules are plain YAML; template actions are blanked). */
function chartGrants(): Set<string> {
  const out = new Set<string>();
  for (const file of ['clusterrole.yaml', 'role.yaml']) {
    const text = readFileSync(join(ROOT, 'charts/modsync/templates', file), 'utf8')
      .replace(/^\s*\{\{[^}]*\}\}\s*$/gm, '')
      .replace(/\{\{[^}]*\}\}/g, 'TEMPLATE');
    const doc = parse(text) as { rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] };
    for (const r of doc.rules)
      for (const g of r.apiGroups) for (const res of r.resources) for (const v of r.verbs) out.add(`${g}/${res} ${v}`);
  }
  return out;
}

describe('RBAC of the chart against the requests modsync makes', () => {
  let sim: SimInstance;
  let git: GitServer;
  let work: string;
  let bare: string;
  const observed = new Set<string>();

  /** Runs `modsync <args>` in-process and records the permissions its requests needed. */
  async function modsync(args: string[]): Promise<number> {
    const before = new Map(
      MANAGED_PLURALS.map((p) => [p, new Set(sim.control.view.list(p).map((o) => o.metadata.name))]),
    );
    sim.control.resetRequests();
    const common = ['--kubeconfig', sim.kubeconfigPath];
    const syncFlags = [
      '--repo',
      git.repoUrl('demo.git'),
      '--path',
      'clusters/demo',
      '--cache-dir',
      join(work, 'cache'),
      '--lease-namespace',
      LEASE_NAMESPACE,
      '--module-wait',
      '20',
      '--max-destructive',
      '10',
    ];
    const code = await main([...args, ...common, ...(args[0] === 'sync' || args[0] === 'plan' ? syncFlags : [])], {
      HOME: work,
      MODSYNC_LOG_LEVEL: 'error',
    });
    // Discovery requests carry no resource (every authenticated user may make them).
    const counts: RequestCounts = sim.control.requests();
    for (const [resource, verbs] of Object.entries(counts.byResource)) {
      for (const [verb, n] of Object.entries(verbs)) {
        if (!n) continue;
        observed.add(`${GROUPS[resource] ?? '?'}/${resource} ${RBAC_VERB[verb] ?? verb}`);
      }
    }
    // An apply that creates the object is authorized as "create" as well as "patch".
    for (const plural of MANAGED_PLURALS) {
      const created = sim.control.view
        .list(plural)
        .filter((o) => !before.get(plural)!.has(o.metadata.name) && owned(o));
      if (created.length && counts.byResource[plural]?.apply) observed.add(`deckhouse.io/${plural} create`);
    }
    return code;
  }

  async function until<T>(what: string, fn: () => T | undefined, ms = 20_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = fn();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'modsync-rbac-'));
    sim = await start({ port: 0, tickMs: 50, kubeconfigPath: join(work, 'kubeconfig') });
    bare = await createBareRepo(join(work, 'git'), 'demo.git', exampleFiles(), { message: 'Desired state' });
    git = await startGitServer({ root: join(work, 'git') });
  }, 60_000);

  afterAll(async () => {
    await git?.stop();
    await sim?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('needs exactly what the ClusterRole and the Lease Role grant', async () => {
    // 1. First sync: every desired object is created with server-side apply; the Lease is created.
    expect(await modsync(['sync'])).toBe(0);
    for (const p of MANAGED_PLURALS)
      expect(
        sim.control.view.list(p).some((o) => owned(o)),
        p,
      ).toBe(true);
    expect(sim.control.view.get('leases', INSTANCE, LEASE_NAMESPACE)).toBeDefined();

    // 2. An edit: planned (server-side dry run), then applied to the existing object; the
    //    Lease is taken again.
    await pushFiles(
      bare,
      'main',
      {
        'clusters/demo/modules/module-one.yaml': readFileSync(
          join(ROOT, 'examples/clusters/demo/modules/module-one.yaml'),
          'utf8',
        ).replace('replicas: 2', 'replicas: 3'),
      },
      'module-one: 3 replicas',
    );
    expect(await modsync(['plan']), 'plan: server-side dry run of the change').toBe(2);
    expect(await modsync(['sync'])).toBe(0);
    expect((sim.control.view.get('moduleconfigs', 'module-one') as any).spec.settings.replicas).toBe(3);

    // 3. An approval: module-two follows a Manual policy (its first release landed at once); a
    //    new version is published, and an approval file approves its Pending release.
    const published = sim.control.publish({
      repo: 'registry.example.com/deckhouse/modules',
      module: 'module-two',
      version: '1.2.6',
      channel: 'Stable',
    });
    expect(published.ok, published.message).toBe(true);
    const pending = await until('a Pending module-two release', () =>
      sim.control.view
        .list('modulereleases')
        .find((r: any) => r.spec?.moduleName === 'module-two' && r.status?.phase === 'Pending'),
    );
    const version = String((pending as any).spec.version).replace(/^v/, '');
    await pushFiles(
      bare,
      'main',
      {
        [`clusters/demo/approvals/${pending.metadata.name}.yaml`]: `apiVersion: modsync.io/v1alpha1\nkind: ModuleReleaseApproval\nmetadata:\n  name: ${pending.metadata.name}\nspec:\n  module: module-two\n  version: ${version}\n`,
      },
      `Approve module-two ${version}`,
    );
    expect(await modsync(['sync'])).toBe(0);
    expect(
      (sim.control.view.get('modulereleases', pending.metadata.name) as any).metadata.annotations?.[
        'modules.deckhouse.io/approved'
      ],
    ).toBe('true');

    // 4. A removal of every kind in one commit: prune deletes the configs, waits for them to be
    //    gone (GET), deletes the policies, waits, deletes the source. One run should converge;
    //    if it does not, that is reported (soft) and the next run, as the next tick would,
    //    finishes, so the RBAC comparison below still sees every request.
    await pushFiles(
      bare,
      'main',
      {
        'clusters/demo/modules/module-one.yaml': null,
        'clusters/demo/modules/module-two.yaml': null,
        'clusters/demo/policies/stable-auto.yaml': null,
        'clusters/demo/sources/example.yaml': null,
        [`clusters/demo/approvals/${pending.metadata.name}.yaml`]: null,
      },
      'Remove the demo modules and their source',
    );
    // Deleted, or Terminating (the source keeps its finalizer while its modules are still installed).
    const leftOver = (): string[] =>
      MANAGED_PLURALS.flatMap((p) =>
        sim.control.view
          .list(p)
          .filter((o) => owned(o) && !o.metadata.deletionTimestamp)
          .map((o) => `${p}/${o.metadata.name}`),
      );
    expect.soft(await modsync(['sync']), 'one sync prunes every kind').toBe(0);
    expect.soft(leftOver(), 'left after one sync').toEqual([]);
    if (leftOver().length) expect(await modsync(['sync'])).toBe(0);
    expect(leftOver()).toEqual([]);

    // 5. The live status table.
    expect(await modsync(['status'])).toBe(0);

    const granted = chartGrants();
    const missing = [...observed].filter((g) => !granted.has(g)).sort();
    const unused = [...granted].filter((g) => !observed.has(g) && !AFTER_A_REFUSED_WRITE.has(g)).sort();
    expect({ 'used but not granted': missing, 'granted but never used': unused }).toEqual({
      'used but not granted': [],
      'granted but never used': [],
    });
  }, 180_000);
});
