/**
 * Chooses where the cluster connection comes from, explicitly and visibly.
 *
 * client-node's `loadFromDefault()` quietly ends at `http://localhost:8080` when it finds
 * nothing, so a misconfigured CronJob would talk to whatever listens there. This loader
 * follows kubectl's order (flag, KUBECONFIG, ~/.kube/config) and then the in-cluster service
 * account, reports which one it used, and fails with a clear message when there is none.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeAccess, type Cluster } from './kube-access.ts';
import { ModsyncError, messageOf } from '../core/errors.ts';

export interface LoadKubeConfigOptions {
  /** `--kubeconfig`: this file and nothing else. */
  kubeconfig?: string;
  /** `--context`: a context of the kubeconfig file (not valid in-cluster). */
  context?: string;
  /** The environment to read KUBECONFIG, HOME and KUBERNETES_SERVICE_* from. */
  env: Record<string, string | undefined>;
  /** Where the service account is mounted; tests point it at a fixture. Default `/var/run/secrets/kubernetes.io/serviceaccount`. */
  serviceAccountDir?: string;
}

export interface LoadedKubeConfig {
  kc: KubeAccess;
  source: 'file' | 'in-cluster';
  /** The file(s) read, for `source: 'file'` (KUBECONFIG may list several, joined by the path delimiter). */
  path?: string;
  /** In-cluster: the pod's namespace from the service account (a default for the Lease). */
  namespace?: string;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Loads the cluster connection; throws ModsyncError (`ConfigInvalid`) saying what to fix. */
export function loadKubeConfig(opts: LoadKubeConfigOptions): LoadedKubeConfig {
  if (opts.kubeconfig !== undefined) {
    if (!existsSync(opts.kubeconfig)) fail(`kubeconfig file ${opts.kubeconfig} does not exist`);
    return fromFiles([opts.kubeconfig], opts.context);
  }
  const listed = (opts.env.KUBECONFIG ?? '').split(delimiterOf()).filter((p) => p !== '');
  if (listed.length > 0) {
    const present = listed.filter((p) => existsSync(p));
    if (present.length === 0) fail(`KUBECONFIG names ${listed.join(', ')}, and none of these files exists`);
    return fromFiles(present, opts.context);
  }
  const home = opts.env.HOME ?? opts.env.USERPROFILE;
  const homeConfig = home ? join(home, '.kube', 'config') : undefined;
  if (homeConfig && existsSync(homeConfig)) return fromFiles([homeConfig], opts.context);

  const inCluster = fromServiceAccount(opts.env, opts.serviceAccountDir ?? SERVICE_ACCOUNT_DIR);
  if (inCluster) {
    if (opts.context !== undefined)
      fail(`--context ${opts.context} needs a kubeconfig file, but modsync runs in-cluster with its service account`);
    return inCluster;
  }
  fail(
    'no cluster to talk to: pass --kubeconfig FILE, set KUBECONFIG, create ~/.kube/config, ' +
      'or run in a pod (KUBERNETES_SERVICE_HOST/PORT and a mounted service account token)',
  );
}

function fromFiles(paths: string[], context: string | undefined): LoadedKubeConfig {
  const kc = new KubeAccess();
  for (const [i, path] of paths.entries()) {
    const one = new KubeAccess();
    try {
      one.loadFromFile(path);
    } catch (err) {
      fail(`kubeconfig file ${path} cannot be read: ${messageOf(err)}`, err);
    }
    // Like kubectl, the first file that names something wins; later files only add.
    if (i === 0)
      kc.loadFromOptions({
        clusters: one.clusters,
        users: one.users,
        contexts: one.contexts,
        currentContext: one.currentContext,
      });
    else mergeMissing(kc, one);
  }
  const path = paths.join(delimiterOf());
  if (context !== undefined) {
    if (!kc.contexts.some((c) => c.name === context)) {
      const known = kc.contexts.map((c) => c.name).join(', ') || 'none';
      fail(`context ${context} is not in ${path} (contexts: ${known})`);
    }
    kc.setCurrentContext(context);
  }
  if (!kc.currentContext) fail(`${path} has no current-context; pass --context`);
  const ctx = kc.getContextObject(kc.currentContext);
  if (!ctx) fail(`${path}: current-context ${kc.currentContext} is not defined`);
  const cluster = kc.getCluster(ctx.cluster);
  if (!cluster?.server) fail(`${path}: context ${ctx.name} names cluster ${ctx.cluster}, which has no server`);
  allowPlainHttp(kc);
  return { kc, source: 'file', path };
}

function mergeMissing(into: KubeAccess, from: KubeAccess): void {
  const names = (list: { name: string }[]) => new Set(list.map((x) => x.name));
  const clusters = names(into.clusters);
  const users = names(into.users);
  const contexts = names(into.contexts);
  into.loadFromOptions({
    clusters: [...into.clusters, ...from.clusters.filter((c) => !clusters.has(c.name))],
    users: [...into.users, ...from.users.filter((u) => !users.has(u.name))],
    contexts: [...into.contexts, ...from.contexts.filter((c) => !contexts.has(c.name))],
    currentContext: into.currentContext || from.currentContext,
  });
}

function fromServiceAccount(env: Record<string, string | undefined>, dir: string): LoadedKubeConfig | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  const tokenFile = join(dir, 'token');
  if (!host || !port || !existsSync(tokenFile)) return undefined;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const caFile = join(dir, 'ca.crt');
  const cluster: Cluster = {
    name: 'in-cluster',
    server: `https://${hostPart}:${port}`,
    skipTLSVerify: false,
    ...(existsSync(caFile) ? { caFile } : {}),
  };
  const kc = new KubeAccess();
  kc.loadFromOptions({
    clusters: [cluster],
    // The tokenFile provider re-reads the file, so rotated service account tokens are picked up.
    users: [{ name: 'in-cluster', authProvider: { name: 'tokenFile', config: { tokenFile } } }],
    contexts: [{ name: 'in-cluster', cluster: 'in-cluster', user: 'in-cluster' }],
    currentContext: 'in-cluster',
  });
  const nsFile = join(dir, 'namespace');
  const namespace = existsSync(nsFile) ? readFileSync(nsFile, 'utf8').trim() || undefined : undefined;
  return { kc, source: 'in-cluster', ...(namespace ? { namespace } : {}) };
}

/**
 * client-node refuses `http://` servers unless the cluster entry says skipTLSVerify (there
 * is no TLS to verify). kubectl has no such rule; mark plain-http clusters so both agree.
 */
function allowPlainHttp(kc: KubeAccess): void {
  if (!kc.clusters.some((c) => c.server.startsWith('http://') && !c.skipTLSVerify)) return;
  kc.loadFromOptions({
    clusters: kc.clusters.map((c) => (c.server.startsWith('http://') ? { ...c, skipTLSVerify: true } : c)),
    users: kc.users,
    contexts: kc.contexts,
    currentContext: kc.currentContext,
  });
}

function delimiterOf(): string {
  return process.platform === 'win32' ? ';' : ':';
}

function fail(message: string, cause?: unknown): never {
  throw new ModsyncError('ConfigInvalid', message, { cause });
}
