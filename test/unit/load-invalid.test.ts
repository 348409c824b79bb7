// Bad inputs a platform engineer can push: every one must be reported as an error at the
// exact file:line:col of the offending node, with a message that says what to fix, and
// must leave nothing to apply from the broken document.
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CrdValidator } from '../../src/manifests/crd-schema.ts';
import { formatIssues, hasErrors } from '../../src/manifests/issues.ts';
import { createManifestValidator } from '../../src/manifests/validate-doc.ts';
import { loadDesiredState } from '../../src/pipeline/load.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/repos/invalid/', import.meta.url));

/** case folder → the exact error lines `file:line:col: error: message` it must produce. */
const CASES: Record<string, string[]> = {
  'yaml-syntax': [
    'broken.yaml:7:1: error: YAML: Flow map in block collection must be sufficiently indented and end with a }',
  ],
  'yaml-tabs': ['tabs.yaml:4:1: error: YAML: Tabs are not allowed as indentation'],
  'yaml-duplicate-key': ['dup.yaml:7:3: error: YAML: Map keys must be unique'],
  'not-a-mapping': [
    'list.yaml:1:1: error: document is a list, not a Kubernetes object (a mapping with apiVersion, kind, metadata)',
  ],
  'not-json-value': [
    'mc.yaml:6:12: error: spec.version: Infinity cannot be represented in JSON; quote it if you mean a string',
  ],
  'alias-bomb': [
    'bomb.yaml:8:12: error: too many YAML alias expansions (more than 100); this looks like an alias bomb',
  ],
  'wrong-kind': [
    'deployment.yaml:2:7: error: Deployment/web: kind Deployment (apps/v1) is not accepted; modsync accepts only deckhouse.io/v1alpha1 ModuleSource, deckhouse.io/v1alpha2 ModuleUpdatePolicy (v1alpha1 deprecated), deckhouse.io/v1alpha1 ModuleConfig, modsync.io/v1alpha1 ModuleReleaseApproval',
  ],
  'wrong-apiversion': [
    'source.yaml:1:13: error: ModuleSource/acme-modules: apiVersion: ModuleSource must be deckhouse.io/v1alpha1, not deckhouse.io/v1beta1',
  ],
  'missing-kind': [
    'nokind.yaml:1:1: error: kind: is required; modsync accepts deckhouse.io/v1alpha1 ModuleSource, deckhouse.io/v1alpha2 ModuleUpdatePolicy (v1alpha1 deprecated), deckhouse.io/v1alpha1 ModuleConfig, modsync.io/v1alpha1 ModuleReleaseApproval',
  ],
  'missing-name': ['noname.yaml:3:1: error: metadata.name: is required'],
  'bad-name': [
    "source.yaml:4:9: error: ModuleSource/Acme_Modules: metadata.name: \"Acme_Modules\" is not a valid name: must consist of lowercase letters, digits, '-' and '.', starting and ending with a letter or digit",
  ],
  'mc-not-module-name': [
    'mc.yaml:4:9: error: ModuleConfig/hello.world: metadata.name: "hello.world" is not a module name; a ModuleConfig is named after its module (lowercase letters, digits and \'-\', e.g. hello-world)',
  ],
  'schema-pattern': [
    'source.yaml:6:17: error: ModuleSource/acme-modules: spec.scanInterval: must be a duration such as 5m, 1h or 6h30m (got "5 minutes")',
  ],
  'schema-type': [
    'mc.yaml:6:12: error: ModuleConfig/hello-world: spec.enabled: must be a boolean (true or false), not a string',
  ],
  'schema-required': ['source.yaml:6:3: error: ModuleSource/acme-modules: spec.registry.repo: is required'],
  'schema-missing-spec': ['mup.yaml:1:1: error: ModuleUpdatePolicy/stable-night: spec: is required'],
  'schema-unknown-field': [
    'source.yaml:5:1: error: ModuleSource/acme-modules: spec.registry: is required',
    'source.yaml:6:3: error: ModuleSource/acme-modules: spec.registy: unknown field (did you mean "registry"?)',
  ],
  'schema-unknown-top-level': [
    'mc.yaml:7:1: error: ModuleConfig/hello-world: data: unknown field; allowed: apiVersion, kind, metadata, spec, status',
  ],
  'mup-window-pattern': [
    'mup.yaml:9:15: error: ModuleUpdatePolicy/night: spec.update.windows[0].from: must be a UTC time H:MM or HH:MM, 00:00 to 23:59 (got "25:00")',
  ],
  'mup-window-order': [
    'mup.yaml:11:15: error: ModuleUpdatePolicy/night: spec.update.windows[1]: from (22:00) must be earlier than to (6:00); windows cannot cross midnight, split it in two',
  ],
  'mup-v1alpha1-ignore': [
    'mup.yaml:11:11: error: ModuleUpdatePolicy/frozen: spec.update.mode: Ignore does not exist in deckhouse.io/v1alpha2; use Manual and do not approve releases',
  ],
  duplicates: ['nested/b.yaml:5:9: error: ModuleConfig/hello-world: defined twice; first at a.yaml:1:1'],
  'duplicate-across-versions': [
    'policies.yaml:13:9: error: ModuleUpdatePolicy/night: defined twice; first at policies.yaml:1:1',
  ],
  'approval-duplicate': [
    'approvals/b.yaml:5:9: error: ModuleReleaseApproval/hello-world-v1.2.5: defined twice; first at approvals/a.yaml:1',
  ],
  'placeholder-invalid': [
    'source.yaml:8:16: error: ModuleSource/internal-modules: spec.registry.dockerCfg: invalid placeholder; the syntax is ${secret:NAME} (NAME: letters, digits, "_", "." and "-", starting with a letter or digit)',
  ],
  'placeholder-misplaced': [
    'source.yaml:7:11: error: ModuleSource/internal-modules: spec.registry.repo: ${secret:...} placeholders are only supported in spec.registry.dockerCfg',
  ],
  'dockercfg-plain-invalid': [
    'source.yaml:8:16: error: ModuleSource/internal-modules: spec.registry.dockerCfg: is not base64',
  ],
  'repo-with-scheme': [
    'source.yaml:7:11: error: ModuleSource/acme-modules: spec.registry.repo: must be a registry path without a URL scheme (set spec.registry.scheme for HTTP)',
  ],
  'mc-source-embedded': [
    'mc.yaml:7:11: error: ModuleConfig/hello-world: spec.source: Embedded is rejected by Deckhouse; name a ModuleSource or leave source unset for built-in modules',
  ],
  'heritage-label': [
    'mc.yaml:6:5: error: ModuleConfig/hello-world: label "heritage" is reserved for Deckhouse\'s own objects; Deckhouse admission rejects it',
  ],
  'instance-label': [
    'mc.yaml:6:5: error: ModuleConfig/hello-world: label "modsync.io/instance" is set by modsync itself (it marks the objects it owns); remove it',
  ],
  'annotation-not-string': [
    'mc.yaml:6:43: error: ModuleConfig/acme-backup: annotation "modules.deckhouse.io/allow-disabling": values must be strings; quote it: "true"',
  ],
  'server-fields': [
    'mc.yaml:5:3: error: ModuleConfig/hello-world: metadata.resourceVersion: is set by the API server; remove it (copied from kubectl get output?)',
  ],
  'approval-name-mismatch': [
    'approvals/a.yaml:4:9: error: ModuleReleaseApproval/hello-world-v1.2.6: metadata.name: must be hello-world-v1.2.5 (the ModuleRelease name for module hello-world version 1.2.5)',
  ],
  'approval-both-versions': [
    'approvals/a.yaml:8:13: error: ModuleReleaseApproval/hello-world-v1.2.5: spec: set exactly one of version or versions, not both',
  ],
  'approval-bad-semver': [
    'approvals/a.yaml:7:12: error: ModuleReleaseApproval/hello-world-v1.2: spec.version: "1.2" is not a semantic version such as 1.2.5',
  ],
  'approval-version-number': [
    'approvals/a.yaml:7:12: error: ModuleReleaseApproval/hello-world-v1.2: spec.version: must be a string, not a number; quote the value to make it a string',
  ],
  'approval-bad-range': [
    'approvals/a.yaml:7:13: error: ModuleReleaseApproval/hello-world-next: spec.versions: "from 1.2 to 1.3" is not a semver range such as ">=1.2.5 <1.3.0"',
  ],
};

describe('loadDesiredState on invalid repositories', () => {
  let validator: CrdValidator;
  beforeAll(async () => {
    validator = await createManifestValidator();
  });

  it('covers at least 30 distinct bad inputs from fixture trees', () => {
    expect(Object.keys(CASES).length).toBeGreaterThanOrEqual(30);
  });

  for (const [name, expected] of Object.entries(CASES)) {
    it(`${name}: reports exactly the expected errors at file:line:col`, async () => {
      const state = await loadDesiredState({ repoDir: `${FIXTURES}${name}`, root: '.', excludePaths: [], validator });
      expect(hasErrors(state.issues)).toBe(true);
      const errors = state.issues.filter((i) => i.severity === 'error');
      expect(formatIssues(errors, 'text').split('\n')).toEqual(expected);
    });
  }

  // A newer Deckhouse may accept values the bundled CRDs do not: offline it is a warning, the
  // cluster's own schema decides at sync.
  const ENUM_CASES: Record<string, string> = {
    'schema-enum':
      'source.yaml:8:13: warning: ModuleSource/acme-modules: spec.registry.scheme: not accepted by the Deckhouse version modsync carries (1.75), which allows HTTP, HTTPS (got "http"); the cluster decides at sync',
    'mc-maintenance-enum':
      'mc.yaml:6:16: warning: ModuleConfig/hello-world: spec.maintenance: not accepted by the Deckhouse version modsync carries (1.75), which allows NoResourceReconciliation (got "on"); the cluster decides at sync',
    'mup-window-days':
      'mup.yaml:8:21: warning: ModuleUpdatePolicy/night: spec.update.windows[0].days[1]: not accepted by the Deckhouse version modsync carries (1.75), which allows Mon, Tue, Wed, Thu, Fri, Sat, Sun (got "tuesday"); the cluster decides at sync',
  };
  for (const [name, expected] of Object.entries(ENUM_CASES)) {
    it(`${name}: an enum value the bundled CRDs reject is a warning; the object still loads`, async () => {
      const state = await loadDesiredState({ repoDir: `${FIXTURES}${name}`, root: '.', excludePaths: [], validator });
      expect(formatIssues(state.issues, 'text').split('\n')).toEqual([expected]);
      expect(state.objects).toHaveLength(1);
    });
  }

  it('keeps valid objects out of the result only where the document is broken', async () => {
    const state = await loadDesiredState({ repoDir: `${FIXTURES}duplicates`, root: '.', excludePaths: [], validator });
    // The first definition stays; the second is reported, never silently merged.
    expect(state.objects.map((o) => `${o.file} ${o.object.spec?.enabled}`)).toEqual(['a.yaml true']);
  });

  it('never echoes a plain-text credential in its messages', async () => {
    const state = await loadDesiredState({
      repoDir: `${FIXTURES}dockercfg-plain-invalid`,
      root: '.',
      excludePaths: [],
      validator,
    });
    expect(JSON.stringify(state.issues)).not.toContain('user:password');
    expect(state.objects).toEqual([]);
  });
});
