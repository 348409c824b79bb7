/**
 * The Helm chart, checked without a helm binary: Chart.yaml and values.yaml parse, values.yaml
 * passes values.schema.json and bad values are refused, and the templates are rendered (by the
 * small Go-template renderer in test/support/helm-template.ts) in both modes and checked
 * as the cluster and modsync would see them: the config file loads in modsync's own config
 * loader, secrets arrive as files where the config says, RBAC is exactly what modsync uses.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parse, parseAllDocuments } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { renderChartTemplates } from '../support/helm-template.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHART = join(ROOT, 'charts/modsync');
const chartYaml = parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as Record<string, string>;
const defaults = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Values;
const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as Record<string, unknown>;

type Values = Record<string, unknown>;
type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [k: string]: any;
};

/** Values overlaid like `helm -f`/`--set`: objects merge key by key, anything else replaces. */
function merge(base: Values, over: Values): Values {
  const out: Values = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = base[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
        ? merge(b as Values, v as Values)
        : v;
  }
  return out;
}

const RELEASE = { Name: 'gitops', Namespace: 'd8-modsync', Service: 'Helm' };

/** `helm template gitops charts/modsync -n d8-modsync --set ...`: the manifests, and NOTES.txt. */
function render(over: Values = {}): { manifests: Manifest[]; notes: string } {
  const values = merge(defaults, over);
  const root = {
    Values: values,
    Release: RELEASE,
    Chart: { Name: chartYaml.name, Version: chartYaml.version, AppVersion: chartYaml.appVersion },
  };
  const manifests: Manifest[] = [];
  let notes = '';
  for (const [file, text] of renderChartTemplates(join(CHART, 'templates'), root)) {
    if (file === 'NOTES.txt') notes = text;
    else
      for (const doc of parseAllDocuments(text)) {
        if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0]!.message}\n${text}`);
        const js = doc.toJS() as Manifest | null;
        if (js) manifests.push(js);
      }
  }
  return { manifests, notes };
}

const REPO = { git: { repo: 'https://git.example.com/platform/clusters.git', path: 'clusters/prod' } };
const one = (ms: Manifest[], kind: string): Manifest => {
  const found = ms.filter((m) => m.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0]!;
};
const podSpecOf = (ms: Manifest[]): any => {
  const cron = ms.find((m) => m.kind === 'CronJob');
  return cron ? cron.spec.jobTemplate.spec.template.spec : one(ms, 'Deployment').spec.template.spec;
};

// ---------------------------------------------------------------------------------------------

describe('Chart.yaml and values', () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(schema);

  it('describes a v2 application chart whose appVersion is the package version', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(chartYaml).toMatchObject({
      apiVersion: 'v2',
      name: 'modsync',
      type: 'application',
      appVersion: pkg.version,
    });
    expect(chartYaml.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('values.yaml passes values.schema.json', () => {
    expect(validate(defaults), ajv.errorsText(validate.errors)).toBe(true);
  });

  it.each([
    ['an unknown mode', { mode: 'daemon' }],
    ['a schedule that is not cron', { schedule: 'every 3 minutes' }],
    ['an ssh repository URL', { git: { repo: 'git@github.com:acme/clusters.git' } }],
    ['an unknown forge', { host: { kind: 'bitbucket' } }],
    ['a token in plain text', { git: { tokenSecret: { name: 'git', key: 'token', value: 'ghp_secret' } } }],
    ['a misspelt key', { gti: { repo: 'https://x' } }],
    ['a negative budget', { sync: { maxDestructive: -1 } }],
    ['a protected entry without a kind', { sync: { protected: ['deckhouse'] } }],
    ['an instance name that is not a DNS label', { instance: 'Mod_Sync' }],
    ['a cache volume size that is not a quantity', { cachePersistence: { enabled: true, size: 'big' } }],
    ['an unknown access mode', { cachePersistence: { accessModes: ['ReadWriteSometimes'] } }],
  ])('refuses %s', (_what, bad) => {
    expect(validate(merge(defaults, bad as Values))).toBe(false);
  });
});

describe('rendering', () => {
  it('refuses to render without a repository, saying which value is missing', () => {
    expect(() => render()).toThrow(/git\.repo is required/);
  });

  it('cronjob mode: a CronJob running `modsync sync` that never overlaps itself, and no daemon objects', () => {
    const { manifests } = render(REPO);
    expect(manifests.map((m) => m.kind).sort()).toEqual([
      'ClusterRole',
      'ClusterRoleBinding',
      'ConfigMap',
      'CronJob',
      'Role',
      'RoleBinding',
      'ServiceAccount',
    ]);
    const cron = one(manifests, 'CronJob');
    expect(cron.spec).toMatchObject({ schedule: '*/3 * * * *', timeZone: 'Etc/UTC', concurrencyPolicy: 'Forbid' });
    const pod = podSpecOf(manifests);
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.containers[0].args).toEqual(['sync', '--config', '/etc/modsync/config/modsync.yaml']);
    expect(pod.containers[0].image).toBe(`modsync:${chartYaml.appVersion}`);
    expect(pod.containers[0].livenessProbe).toBeUndefined();
  });

  it('deployment mode: the daemon with health probes, a Service for webhooks and metrics, an optional ServiceMonitor', () => {
    const { manifests } = render(merge(REPO, { mode: 'deployment' }));
    expect(manifests.map((m) => m.kind).sort()).toEqual([
      'ClusterRole',
      'ClusterRoleBinding',
      'ConfigMap',
      'Deployment',
      'Role',
      'RoleBinding',
      'Service',
      'ServiceAccount',
    ]);
    const deploy = one(manifests, 'Deployment');
    expect(deploy.spec).toMatchObject({ replicas: 1, strategy: { type: 'Recreate' } });
    const c = podSpecOf(manifests).containers[0];
    expect(c.args[0]).toBe('run');
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    const svc = one(manifests, 'Service');
    expect(svc.spec.ports[0].targetPort).toBe('http');
    expect(deploy.spec.template.metadata.labels).toMatchObject(svc.spec.selector);
    expect(deploy.spec.selector.matchLabels).toEqual(svc.spec.selector);

    const monitored = render(
      merge(REPO, { mode: 'deployment', serviceMonitor: { enabled: true, labels: { release: 'prom' } } }),
    ).manifests;
    const sm = one(monitored, 'ServiceMonitor');
    expect(sm.spec.endpoints).toEqual([{ port: 'http', path: '/metrics', interval: '30s', scrapeTimeout: '10s' }]);
    expect(sm.metadata.labels).toMatchObject({ release: 'prom' });
    expect(sm.spec.selector.matchLabels).toEqual(svc.spec.selector);
    expect(
      render(merge(REPO, { serviceMonitor: { enabled: true } })).manifests.some((m) => m.kind === 'ServiceMonitor'),
    ).toBe(false);
  });

  it('a changed setting changes the pod template (the daemon restarts with the new config)', () => {
    const a = one(render(merge(REPO, { mode: 'deployment' })).manifests, 'Deployment').spec.template.metadata
      .annotations['checksum/config'];
    const b = one(render(merge(REPO, { mode: 'deployment', sync: { maxDestructive: 5 } })).manifests, 'Deployment').spec
      .template.metadata.annotations['checksum/config'];
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(b).not.toBe(a);
  });

  it.each(['cronjob', 'deployment'])(
    '%s mode: non-root, read-only root filesystem, no privilege escalation, no capabilities',
    (mode) => {
      const pod = podSpecOf(render(merge(REPO, { mode })).manifests);
      const uid = /^USER\s+(\d+)/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))![1];
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: Number(uid),
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(pod.containers[0].securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(pod.containers[0].resources.requests).toBeDefined();
      // With a read-only root, the git cache and /tmp are emptyDirs.
      const mounts = Object.fromEntries(pod.containers[0].volumeMounts.map((m: any) => [m.mountPath, m.name]));
      const volumes = Object.fromEntries(pod.volumes.map((v: any) => [v.name, v]));
      expect(volumes[mounts['/var/cache/modsync']].emptyDir).toBeDefined();
      expect(volumes[mounts['/tmp']].emptyDir).toBeDefined();
    },
  );

  it('keeps the clone cache on a PersistentVolumeClaim when asked, created or existing', () => {
    const cacheVolume = (ms: Manifest[]): any => {
      const pod = podSpecOf(ms);
      const mount = pod.containers[0].volumeMounts.find((m: any) => m.mountPath === '/var/cache/modsync');
      return pod.volumes.find((v: any) => v.name === mount.name);
    };
    const off = render(REPO).manifests;
    expect(cacheVolume(off)).toEqual({ name: 'cache', emptyDir: { sizeLimit: '1Gi' } });
    expect(off.filter((m) => m.kind === 'PersistentVolumeClaim')).toEqual([]);

    const persistence = { enabled: true, size: '2Gi', storageClassName: 'fast' };
    for (const mode of ['cronjob', 'deployment']) {
      const ms = render(merge(REPO, { mode, cachePersistence: persistence })).manifests;
      const pvc = one(ms, 'PersistentVolumeClaim');
      expect(pvc.metadata).toMatchObject({ name: 'gitops-modsync-cache', namespace: RELEASE.Namespace });
      const storage = { requests: { storage: '2Gi' } };
      expect(pvc.spec).toEqual({ accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: storage });
      expect(cacheVolume(ms)).toEqual({ name: 'cache', persistentVolumeClaim: { claimName: pvc.metadata.name } });
    }
    // The cluster's default StorageClass when none is named.
    const enabled = render(merge(REPO, { cachePersistence: { enabled: true } })).manifests;
    const byDefault = one(enabled, 'PersistentVolumeClaim');
    expect(byDefault.spec.storageClassName).toBeUndefined();

    const claim = { enabled: true, existingClaim: 'shared-cache' };
    const existing = render(merge(REPO, { cachePersistence: claim })).manifests;
    expect(existing.filter((m) => m.kind === 'PersistentVolumeClaim')).toEqual([]);
    expect(cacheVolume(existing)).toEqual({ name: 'cache', persistentVolumeClaim: { claimName: 'shared-cache' } });
  });
});

describe('the config file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'modsync-chart-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function configOf(ms: Manifest[]): { file: string; mountDir: string } {
    const cm = one(ms, 'ConfigMap');
    const file = join(dir, `modsync-${Math.random().toString(16).slice(2)}.yaml`);
    writeFileSync(file, cm.data['modsync.yaml']);
    const pod = podSpecOf(ms);
    const vol = pod.volumes.find((v: any) => v.configMap?.name === cm.metadata.name);
    const mount = pod.containers[0].volumeMounts.find((m: any) => m.name === vol.name);
    return { file, mountDir: mount.mountPath };
  }

  it('is accepted by modsync and carries the values, the mounted cache and the release namespace for the Lease', () => {
    const ms = render(
      merge(REPO, {
        instance: 'prod',
        sync: { maxDestructive: 7, protected: ['ModuleConfig/global'] },
        status: { enabled: false },
      }),
    ).manifests;
    const { file, mountDir } = configOf(ms);
    const args = podSpecOf(ms).containers[0].args;
    expect(args.slice(1)).toEqual(['--config', join(mountDir, 'modsync.yaml')]);
    const loaded = loadConfig({ flags: {}, env: {}, file });
    expect(loaded.problems).toEqual([]);
    expect(loaded.config).toMatchObject({
      instance: 'prod',
      git: {
        repo: REPO.git.repo,
        path: 'clusters/prod',
        branch: 'main',
        cacheDir: '/var/cache/modsync',
        tokenFile: '',
        tokenEnv: '',
      },
      sync: { prune: true, maxDestructive: 7, protected: ['ModuleConfig/global'] },
      status: { enabled: false },
      daemon: { lease: true, leaseNamespace: RELEASE.Namespace, listen: '0.0.0.0:8080' },
    });
  });

  it('points at Secrets mounted as files, never at environment variables or plain values', () => {
    const ms = render(
      merge(REPO, {
        mode: 'deployment',
        git: { tokenSecret: { name: 'git-creds', key: 'password' } },
        host: { kind: 'gitlab', tokenSecret: { name: 'gitlab-api', key: 'token' } },
        daemon: { webhookSecret: { name: 'hooks', key: 'gitlab' } },
        sync: { placeholderSecrets: ['registry-creds', 'mirror-creds'] },
      }),
    ).manifests;
    const { config, problems } = loadConfig({ flags: {}, env: {}, file: configOf(ms).file });
    expect(problems).toEqual([]);
    const pod = podSpecOf(ms);
    const c = pod.containers[0];
    expect(c.env ?? []).toEqual([]);
    const secretAt = (file: string): { secret: string; key: string } => {
      const mount = c.volumeMounts.find((m: any) => m.mountPath === dirname(file));
      expect(mount, `a mount at ${dirname(file)}`).toBeDefined();
      expect(mount.readOnly).toBe(true);
      const vol = pod.volumes.find((v: any) => v.name === mount.name).secret;
      const item = vol.items.find((i: any) => i.path === basename(file));
      return { secret: vol.secretName, key: item.key };
    };
    expect(secretAt(config.git.tokenFile)).toEqual({ secret: 'git-creds', key: 'password' });
    expect(secretAt(config.host.tokenFile)).toEqual({ secret: 'gitlab-api', key: 'token' });
    expect(secretAt(config.daemon.webhookSecretFile)).toEqual({ secret: 'hooks', key: 'gitlab' });
    expect([config.git.tokenEnv, config.host.tokenEnv]).toEqual(['', '']);
    // ${secret:NAME} placeholders: every key of the listed Secrets is a file in sync.secretsDir.
    const mount = c.volumeMounts.find((m: any) => m.mountPath === config.sync.secretsDir);
    const projected = pod.volumes.find((v: any) => v.name === mount.name).projected;
    expect(projected.sources.map((s: any) => s.secret.name)).toEqual(['registry-creds', 'mirror-creds']);
  });

  it('mounts no secret volume that is not asked for', () => {
    const pod = podSpecOf(render(REPO).manifests);
    expect(pod.volumes.map((v: any) => v.name).sort()).toEqual(['cache', 'config', 'tmp']);
    const { config } = loadConfig({ flags: {}, env: {}, file: configOf(render(REPO).manifests).file });
    expect([config.git.tokenFile, config.host.tokenFile, config.daemon.webhookSecretFile]).toEqual(['', '', '']);
  });
});

describe('RBAC', () => {
  /** `group/resource verb` for every grant, with the resourceNames a grant is limited to. */
  function grants(m: Manifest): string[] {
    return m.rules
      .flatMap((r: any) =>
        r.apiGroups.flatMap((g: string) =>
          r.resources.flatMap((res: string) =>
            r.verbs.map((v: string) => `${g}/${res} ${v}${r.resourceNames ? ` [${r.resourceNames.join(',')}]` : ''}`),
          ),
        ),
      )
      .sort();
  }

  it('grants cluster-wide exactly the deckhouse.io requests modsync makes', () => {
    const ms = render(REPO).manifests;
    // The same set test/e2e/rbac.test.ts observes: one object is read only after a refused write
    // (prune, adoption); Modules are only listed; nothing reads a single release; nothing watches.
    const lifecycle = (r: string, verbs: string[]): string[] => verbs.map((v) => `deckhouse.io/${r} ${v}`);
    expect(grants(one(ms, 'ClusterRole'))).toEqual(
      [
        ...lifecycle('moduleconfigs', ['get', 'list', 'create', 'patch', 'delete']),
        ...lifecycle('moduleupdatepolicies', ['get', 'list', 'create', 'patch', 'delete']),
        ...lifecycle('modulesources', ['get', 'list', 'create', 'patch', 'delete']),
        ...lifecycle('modulereleases', ['list', 'patch']),
        ...lifecycle('modules', ['list']),
        ...lifecycle('deckhousereleases', ['list']),
      ].sort(),
    );
  });

  it('grants the Lease only in the release namespace, reads and renewals only of its own Lease', () => {
    const ms = render(merge(REPO, { instance: 'prod' })).manifests;
    const role = one(ms, 'Role');
    expect(role.metadata.namespace).toBe(RELEASE.Namespace);
    expect(grants(role)).toEqual([
      'coordination.k8s.io/leases create',
      'coordination.k8s.io/leases get [prod]',
      'coordination.k8s.io/leases update [prod]',
    ]);
  });

  it('binds both roles to the pod service account', () => {
    const ms = render(REPO).manifests;
    const sa = one(ms, 'ServiceAccount');
    expect(podSpecOf(ms).serviceAccountName).toBe(sa.metadata.name);
    for (const [binding, role] of [
      ['ClusterRoleBinding', 'ClusterRole'],
      ['RoleBinding', 'Role'],
    ] as const) {
      const b = one(ms, binding);
      expect(b.roleRef).toEqual({
        apiGroup: 'rbac.authorization.k8s.io',
        kind: role,
        name: one(ms, role).metadata.name,
      });
      expect(b.subjects).toEqual([{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: RELEASE.Namespace }]);
    }
  });

  it('leaves RBAC out when asked, and the Lease role out when the Lease is off', () => {
    const none = render(
      merge(REPO, { rbac: { create: false }, serviceAccount: { create: false, name: 'existing' } }),
    ).manifests;
    expect(none.map((m) => m.kind).sort()).toEqual(['ConfigMap', 'CronJob']);
    expect(podSpecOf(none).serviceAccountName).toBe('existing');
    const noLease = render(merge(REPO, { lease: { enabled: false } })).manifests;
    expect(noLease.some((m) => m.kind === 'Role' || m.kind === 'RoleBinding')).toBe(false);
  });
});

describe('NOTES.txt', () => {
  it('tells how to follow each mode, and warns about a daemon without a webhook secret', () => {
    const cron = render(REPO).notes;
    expect(cron).toContain('create job --from=cronjob/gitops-modsync');
    const daemon = render(merge(REPO, { mode: 'deployment' })).notes;
    expect(daemon).toContain('logs deploy/gitops-modsync');
    expect(daemon).toMatch(/no daemon\.webhookSecret is set/);
    expect(
      render(merge(REPO, { mode: 'deployment', daemon: { webhookSecret: { name: 'hooks', key: 'k' } } })).notes,
    ).not.toMatch(/webhookSecret is set/);
  });
});
