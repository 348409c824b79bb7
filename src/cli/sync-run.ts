/**
 * Shared by `plan` and `sync`: turn the configuration into pipeline options and ports, run
 * the pipeline, print the result. Kept apart so both commands stay a screen long.
 */
import type { Config } from '../config/types.ts';
import { hasChanges } from '../core/change-set.ts';
import { renderChanges } from '../core/render-changes.ts';
import { formatIssues } from '../manifests/issues.ts';
import { runSync } from '../pipeline/run.ts';
import type { RunMode, SyncOptions, SyncResult } from '../pipeline/types.ts';
import type { CommandContext } from './command.ts';
import { createClusterPort, createGitPort, createHostPort, isRemoteRepo, statusFolder } from './wire.ts';

export function syncOptionsOf(config: Config, mode: RunMode, env: Record<string, string | undefined>): SyncOptions {
  return {
    mode,
    instance: config.instance,
    root: config.git.path,
    statusPath: statusFolder(config),
    prune: config.sync.prune,
    maxDestructive: config.sync.maxDestructive,
    protectedNames: config.sync.protected,
    secretsDir: config.sync.secretsDir,
    env,
    moduleWaitMs: config.cluster.moduleWaitSeconds * 1000,
    branch: config.git.branch,
    status: { enabled: config.status.enabled, branch: config.status.branch },
    readOnlyGit: Boolean(config.git.revision),
  };
}

export type OutputFormat = 'text' | 'json' | 'markdown';

/** Runs the pipeline in the given mode with ports built from the configuration. */
export async function runFromConfig(ctx: CommandContext, mode: RunMode): Promise<SyncResult> {
  const git = createGitPort(ctx.config, ctx.env, ctx.redactor, ctx.logger);
  const cluster = createClusterPort(ctx.config, ctx.env, ctx.logger);
  // plan never writes to git; sync and --dry-run go through the request stage (which only plans in dry-run).
  const host = mode === 'plan' || !isRemoteRepo(ctx.config.git.repo) ? undefined : createHostPort(ctx.config, ctx.env, ctx.redactor, ctx.logger);
  return runSync(syncOptionsOf(ctx.config, mode, ctx.env), { git, cluster, host, logger: ctx.logger, redactor: ctx.redactor });
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
  if (result.changes.length || !failed) ctx.out(renderChanges(result.changes, format, { color: ctx.tty && format === 'text' }));
  if (failed) ctx.out(`${failed.stage} failed (${failed.reason}): ${failed.message ?? ''}\n`);
}
