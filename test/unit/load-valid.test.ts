// Valid repositories load cleanly: the DKP documentation's desired-state examples, adapted
// into one cluster folder, produce objects ready to apply and no issue at all; deprecated
// or doubtful-but-legal content loads with warnings; references resolve offline or online.
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CrdValidator } from '../../src/manifests/crd-schema.ts';
import { formatIssues, hasErrors } from '../../src/manifests/issues.ts';
import { createManifestValidator } from '../../src/manifests/validate-doc.ts';
import type { DesiredState } from '../../src/manifests/desired.ts';
import { checkReferences, loadDesiredState, positionOf } from '../../src/pipeline/load.ts';

const REPOS = fileURLToPath(new URL('../fixtures/repos/', import.meta.url));

let validator: CrdValidator;
beforeAll(async () => {
  validator = await createManifestValidator();
});

describe('the DKP examples repository', () => {
  let state: DesiredState;
  beforeAll(async () => {
    state = await loadDesiredState({
      repoDir: `${REPOS}valid-examples`,
      root: 'clusters/prod',
      excludePaths: ['status'],
      validator,
    });
  });

  it('loads every object and approval with no issue, offline references included', () => {
    expect(state.issues).toEqual([]);
    expect(checkReferences(state, null)).toEqual([]);
    expect(state.files).toBe(10);
    expect(state.objects.map((o) => `${o.id.kind}/${o.id.name}`).sort()).toEqual([
      'ModuleConfig/acme-backup',
      'ModuleConfig/global',
      'ModuleConfig/hello-world',
      'ModuleConfig/internal-tools',
      'ModuleSource/acme-modules',
      'ModuleSource/internal-modules',
      'ModuleUpdatePolicy/hello-world-manual',
      'ModuleUpdatePolicy/rocksolid-autopatch',
      'ModuleUpdatePolicy/stable-night',
      'ModuleUpdatePolicy/weekend',
    ]);
    expect(state.approvals).toEqual([
      {
        name: 'hello-world-v1.2.5',
        module: 'hello-world',
        version: '1.2.5',
        file: 'clusters/prod/approvals/hello-world-v1.2.5.yaml',
        line: 1,
      },
      {
        name: 'internal-tools-1.4-patches',
        module: 'internal-tools',
        versions: '>=1.4.0 <1.5.0',
        file: 'clusters/prod/approvals/internal-tools-patches.yml',
        line: 1,
      },
    ]);
  });

  it('records where each object starts, multi-document files included', () => {
    const where = Object.fromEntries(state.objects.map((o) => [o.id.name, `${o.file}:${o.line}:${o.col}`]));
    expect(where['internal-tools']).toBe('clusters/prod/modules/platform-modules.yaml:3:1');
    expect(where.global).toBe('clusters/prod/modules/platform-modules.yaml:18:1');
    expect(where['hello-world-manual']).toBe('clusters/prod/policies/moduleupdatepolicy-manual.yaml:4:1');
  });

  it('reads values the way kubectl does', () => {
    const tools = state.objects.find((o) => o.id.name === 'internal-tools');
    expect(tools?.object.spec?.settings).toEqual({ schedule: '1:30', verbose: true });
    const global = state.objects.find((o) => o.id.name === 'global');
    expect(global?.object.spec?.version).toBe(2);
    const weekend = state.objects.find((o) => o.id.name === 'weekend');
    expect(weekend?.object.spec?.update).toEqual({
      mode: 'Auto',
      windows: [{ days: ['Sat', 'Sun'], from: '8:00', to: '20:30' }],
    });
  });

  it('keeps placeholders unresolved in both the applied object and the source', () => {
    const ms = state.objects.find((o) => o.id.name === 'internal-modules');
    expect((ms?.object.spec?.registry as Record<string, unknown> | undefined)?.dockerCfg).toBe(
      '${secret:internal-registry}',
    );
    expect(ms?.object).not.toBe(ms?.source);
  });

  it('locates fields of loaded objects', () => {
    const mc = state.objects.find((o) => o.id.name === 'hello-world');
    expect(mc && positionOf(mc, ['spec', 'updatePolicy'])).toEqual({ line: 10, col: 17 });
  });

  it('loads the same state from the repository root, skipping the status folder and dot folders', async () => {
    const whole = await loadDesiredState({
      repoDir: `${REPOS}valid-examples`,
      root: '.',
      excludePaths: ['status'],
      validator,
    });
    expect(whole.issues).toEqual([]);
    expect(whole.objects.length).toBe(10);
  });
});

describe('legal content that deserves a warning', () => {
  let state: DesiredState;
  beforeAll(async () => {
    state = await loadDesiredState({ repoDir: `${REPOS}warnings`, root: '.', excludePaths: [], validator });
  });

  it('warns without failing, each at its node', () => {
    expect(hasErrors(state.issues)).toBe(false);
    expect(formatIssues(state.issues, 'text').split('\n')).toEqual([
      'approval.yaml:7:12: warning: ModuleReleaseApproval/hello-world-v1.4.2: spec.version: write 1.4.2 without the leading "v"',
      'copied-from-cluster.yaml:6:3: warning: ModuleConfig/hello-world: metadata.namespace: this kind is cluster-scoped; the namespace is ignored',
      'copied-from-cluster.yaml:11:1: warning: ModuleConfig/hello-world: status: written by the controller, ignored here; remove it',
      "legacy-no-mode.yaml:2:13: warning: ModuleUpdatePolicy/legacy-default-mode: deckhouse.io/v1alpha1 ModuleUpdatePolicy is deprecated; modsync applies it as deckhouse.io/v1alpha2; spec.moduleReleaseSelector is dropped (bind the policy with ModuleConfig.spec.updatePolicy); spec.update.mode is set to AutoPatch (v1alpha1's default; v1alpha2 would default to Auto). Rewrite the file as v1alpha2.",
      'legacy-policy.yaml:5:13: warning: ModuleUpdatePolicy/legacy-alpha: deckhouse.io/v1alpha1 ModuleUpdatePolicy is deprecated; modsync applies it as deckhouse.io/v1alpha2; spec.moduleReleaseSelector is dropped (bind the policy with ModuleConfig.spec.updatePolicy). Rewrite the file as v1alpha2.',
      'old-source.yaml:6:19: warning: ModuleSource/fast-scan: spec.releaseChannel: deprecated and ignored by Deckhouse; set the channel in a ModuleUpdatePolicy',
      "old-source.yaml:7:17: warning: ModuleSource/fast-scan: spec.scanInterval: 1m is below the controller's 3m minimum; it scans every 3m",
      'plain-credentials.yaml:14:16: warning: ModuleSource/internal-modules: spec.registry.dockerCfg: stored in git in plain text; use ${secret:NAME} and a mounted Secret or env var',
    ]);
  });

  it('converts v1alpha1 policies to v1alpha2, keeping the AutoPatch meaning', () => {
    const legacy = state.objects.find((o) => o.id.name === 'legacy-default-mode');
    expect(legacy?.object).toEqual({
      apiVersion: 'deckhouse.io/v1alpha2',
      kind: 'ModuleUpdatePolicy',
      metadata: { name: 'legacy-default-mode' },
      spec: { update: { mode: 'AutoPatch', windows: [{ from: '1:00', to: '3:00' }] } },
    });
    expect(legacy?.source.apiVersion).toBe('deckhouse.io/v1alpha1');
    expect(legacy?.source.spec).toHaveProperty('moduleReleaseSelector');
  });

  it('drops namespace and status from what will be applied, not from the source', () => {
    const mc = state.objects.find((o) => o.id.name === 'hello-world');
    expect(mc?.object.metadata).toEqual({ name: 'hello-world' });
    expect(mc?.object).not.toHaveProperty('status');
    expect(mc?.source.metadata.namespace).toBe('default');
  });
});

describe('checkReferences', () => {
  let state: DesiredState;
  beforeAll(async () => {
    state = await loadDesiredState({ repoDir: `${REPOS}warnings`, root: '.', excludePaths: [], validator });
  });

  it('offline, a reference missing from git is a warning deferred to the cluster', () => {
    expect(formatIssues(checkReferences(state, null), 'text')).toBe(
      'copied-from-cluster.yaml:9:11: warning: ModuleConfig/hello-world: spec.source: ModuleSource "acme-modules" is not in git; it must exist in the cluster (checked at sync)',
    );
  });

  it('against the cluster, it is an error unless the cluster has the object', () => {
    const empty = { has: () => false };
    expect(formatIssues(checkReferences(state, empty), 'text')).toBe(
      'copied-from-cluster.yaml:9:11: error: ModuleConfig/hello-world: spec.source: ModuleSource "acme-modules" not found in git or in the cluster',
    );
    const cluster = { has: (kind: string, name: string) => kind === 'ModuleSource' && name === 'acme-modules' };
    expect(checkReferences(state, cluster)).toEqual([]);
  });

  it('resolves references to objects in git, whatever apiVersion they were written in', () => {
    // hello-world's updatePolicy names the v1alpha1 policy legacy-alpha, which is in git.
    const issues = checkReferences(state, { has: () => false });
    expect(issues.some((i) => i.message.includes('legacy-alpha'))).toBe(false);
  });
});
