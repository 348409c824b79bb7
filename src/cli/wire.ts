/**
 * Builds the ports a command needs from the configuration: the git repository (HTTPS clone
 * or a local directory used in place), the cluster (kubeconfig file or in-cluster service
 * account, chosen explicitly) and the git host. Secrets read here are registered with the
 * redactor before anything can print them.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import type { Config } from '../config/types.ts';
import { ModsyncError } from '../core/errors.ts';
import type { Redactor } from '../core/redact.ts';
import { createKubeAdapter } from '../cluster/kube-adapter.ts';
import { loadKubeConfig, type LoadedKubeConfig } from '../cluster/kubeconfig.ts';
import { createLeaseLock, type LeaseLock } from '../cluster/lease.ts';
import { hostname } from 'node:os';
import type { ClusterPort } from '../cluster/port.ts';
import { loadGitAuth } from '../git/auth.ts';
import { createIsoGit } from '../git/iso-git.ts';
import { createLocalDir } from '../git/local-dir.ts';
import type { GitPort } from '../git/port.ts';
import { createGitHost } from '../host/create.ts';
import type { GitHost } from '../host/port.ts';
import type { Logger } from '../log.ts';
import { isRemoteRepo } from './repo-paths.ts';

export { isRemoteRepo, statusFolder } from './repo-paths.ts';

/** The git port for `git.repo`: an HTTPS remote, or a local directory used in place. */
export function createGitPort(
  config: Config,
  env: Record<string, string | undefined>,
  redactor: Redactor,
  logger: Logger,
): GitPort {
  const repo = config.git.repo;
  if (!repo)
    throw new ModsyncError(
      'ConfigInvalid',
      'no repository given: set --repo (or MODSYNC_REPO, or git.repo in the config file)',
    );
  if (!isRemoteRepo(repo)) return createLocalDir({ dir: resolve(repo), branch: config.git.branch });
  const auth = loadGitAuth({
    tokenFile: config.git.tokenFile || undefined,
    tokenEnv: config.git.tokenEnv || undefined,
    username: config.git.username,
    env,
    redactor,
  });
  return createIsoGit({
    url: repo,
    branch: config.git.branch,
    revision: config.git.revision || undefined,
    cacheDir: isAbsolute(config.git.cacheDir) ? config.git.cacheDir : resolve(config.git.cacheDir),
    auth,
    author: { name: config.git.authorName, email: config.git.authorEmail },
    timeoutMs: config.git.timeoutSeconds * 1000,
    pushRetries: config.git.pushRetries,
    logger,
    redactor,
  });
}

export interface ClusterWiring {
  cluster: ClusterPort;
  kubeconfig: LoadedKubeConfig;
}

/** The cluster port, and the kubeconfig it came from (the Lease lock needs it too). */
export function createClusterWiring(
  config: Config,
  env: Record<string, string | undefined>,
  logger: Logger,
  onRequest?: (verb: string, kind: string) => void,
): ClusterWiring {
  const kubeconfig = loadKubeConfig({
    kubeconfig: config.cluster.kubeconfig || undefined,
    context: config.cluster.context || undefined,
    env,
  });
  logger.debug({ source: kubeconfig.source, path: kubeconfig.path }, 'kubeconfig loaded');
  const cluster = createKubeAdapter({
    kc: kubeconfig.kc,
    timeoutMs: config.cluster.timeoutSeconds * 1000,
    retries: config.cluster.retries,
    // The cluster's OpenAPI documents by hash, next to the git cache (kept across runs with it).
    openApiCacheDir: join(resolve(config.git.cacheDir), 'openapi'),
    logger,
    onRequest,
  });
  return { cluster, kubeconfig };
}

export function createClusterPort(
  config: Config,
  env: Record<string, string | undefined>,
  logger: Logger,
): ClusterPort {
  return createClusterWiring(config, env, logger).cluster;
}

/** The Lease lock of this instance, or undefined when disabled. */
export function createLease(config: Config, kubeconfig: LoadedKubeConfig): LeaseLock | undefined {
  if (!config.daemon.lease) return undefined;
  return createLeaseLock({
    kc: kubeconfig.kc,
    namespace: config.daemon.leaseNamespace || kubeconfig.namespace || 'default',
    name: config.instance,
    holder: `${hostname()}-${process.pid}`,
    durationSeconds: config.daemon.leaseSeconds,
    timeoutMs: config.cluster.timeoutSeconds * 1000,
  });
}

/** Reads a token from a file (preferred) or an env var; registers it with the redactor. */
export function readToken(
  file: string,
  envName: string,
  env: Record<string, string | undefined>,
  redactor: Redactor,
): string | undefined {
  let token: string | undefined;
  if (file) {
    try {
      token = readFileSync(file, 'utf8').trim();
    } catch (err) {
      throw new ModsyncError(
        'ConfigInvalid',
        `token file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  } else if (envName) {
    token = env[envName]?.trim() || undefined;
  }
  redactor.add(token);
  return token;
}

export function createHostPort(
  config: Config,
  env: Record<string, string | undefined>,
  redactor: Redactor,
  logger: Logger,
): GitHost {
  const token =
    config.host.kind === 'none' ? undefined : readToken(config.host.tokenFile, config.host.tokenEnv, env, redactor);
  return createGitHost({
    kind: config.host.kind,
    apiUrl: config.host.url || undefined,
    repoUrl: config.git.repo,
    token,
    redactor,
    logger,
  });
}
