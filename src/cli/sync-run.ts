/**
 * Shared by `plan`, `sync` and `run`: turn the configuration into pipeline options and ports,
 * run the pipeline (under the Lease for writing runs), print the result.
 */
import { join, resolve } from 'node:path';
import type { Config } from '../config/types.ts';
import { hasChanges } from '../core/change-set.ts';
import { renderChanges } from '../core/render-changes.ts';
import type { LeaseLock } from '../cluster/lease.ts';
import { formatIssues } from '../manifests/issues.ts';
import { runSync } from '../pipeline/run.ts';
import type { RunMode, SyncOptions, SyncPorts, SyncResult } from '../pipeline/types.ts';
import type { CommandContext } from './command.ts';
import { withLease, type Locked } from './locked-sync.ts';
import { createClusterWiring, createGitPort, createHostPort, createLease, isRemoteRepo, statusFolder } from './wire.ts';
import { escapeText } from '../core/escape-text.ts';

export function syncOptionsOf(config: Config, mode: RunMode, env: Record<string, string | undefined>): SyncOptions {
  return {
    mode,
    instance: config.instance,
    root: config.git.path,
    statusPath: statusFolder(config),
    prune: config.sync.prune,
    maxDestructive: config.sync.maxDestructive,
    protectedNames: config.sync.protected,
    takeOverManagers: config.sync.takeOverManagers,
    takeOverInstances: config.sync.takeOverInstances,
    secretsDir: config.sync.secretsDir,
    env,
    moduleWaitMs: config.cluster.moduleWaitSeconds * 1000,
    branch: config.git.branch,
    status: { enabled: config.status.enabled, branch: config.status.branch },
    readOnlyGit: Boolean(config.git.revision),
    desiredCacheDir: join(resolve(config.git.cacheDir), 'desired'),
  };
}

export type OutputFormat = 'text' | 'json' | 'markdown';

export interface Wired {
  ports: SyncPorts;
  lease: LeaseLock | undefined;
}

/** Ports for a mode: plan never writes to git (no host); writing runs take the Lease. */
export function wire(ctx: CommandContext, mode: RunMode, onRequest?: (verb: string, kind: string) => void): Wired {
  const git = createGitPort(ctx.config, ctx.env, ctx.redactor, ctx.logger);
  const { cluster, kubeconfig } = createClusterWiring(ctx.config, ctx.env, ctx.logger, onRequest);
  const host =
    mode === 'plan' || !isRemoteRepo(ctx.config.git.repo)
      ? undefined
      : createHostPort(ctx.config, ctx.env, ctx.redactor, ctx.logger);
  const lease = mode === 'sync' ? createLease(ctx.config, kubeconfig) : undefined;
  return { ports: { git, cluster, host, logger: ctx.logger, redactor: ctx.redactor }, lease };
}

/** Runs the pipeline once in the given mode, under the Lease when it writes. */
export async function runFromConfig(ctx: CommandContext, mode: RunMode): Promise<Locked<SyncResult>> {
  const { ports, lease } = wire(ctx, mode);
  return withLease(lease, ctx.config.daemon.leaseSeconds, ctx.logger, (lock) =>
    runSync(syncOptionsOf(ctx.config, mode, ctx.env), { ...ports, lock }),
  );
}

/** Prints a run's result in the chosen format (secrets are scrubbed by ctx.out). */
export function printResult(ctx: CommandContext, result: SyncResult, format: OutputFormat): void {
  if (format === 'json') {
    const { live: _live, ...rest } = result;
    ctx.out(JSON.stringify({ ...rest, changed: hasChanges(result.changes) }, null, 2) + '\n');
    return;
  }
  const issues = result.issues.length ? formatIssues(result.issues, 'text') : '';
  if (issues) ctx.out(issues.endsWith('\n') ? issues : issues + '\n');
  const failed = result.stages.find((s) => !s.ok);
  const applied = result.stages.some((s) => s.stage === 'apply');
  if (result.changes.length || !failed)
    ctx.out(renderChanges(result.changes, format, { color: ctx.tty && format === 'text', applied }));
  for (const r of result.requests)
    ctx.out(
      `approval request ${r.branch}: ${r.outcome}${r.url ? ` ${r.url}` : ''}${r.message ? ` (${r.message})` : ''}\n`,
    );
  if (failed) ctx.out(`${failed.stage} failed (${failed.reason}): ${escapeText(failed.message ?? '')}\n`);
}

/** The message for a run that found the Lease taken. */
export function lockedMessage(l: { holder: string; expiresAt: string }): string {
  return `another modsync sync is running (lease held by ${l.holder} until ${l.expiresAt}); nothing was done\n`;
}
