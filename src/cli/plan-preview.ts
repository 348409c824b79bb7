/**
 * `modsync plan --pull-request N`: wires the plan preview from the configuration. The pull
 * request comes from the configured forge (--git-host), its head is checked out with a
 * separate git port and cache folder, and the cluster is only read. Exit codes as `plan`.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { hasChanges } from '../core/change-set.ts';
import type { PullRequest } from '../host/port.ts';
import { previewPullRequest } from '../pipeline/preview.ts';
import type { CommandContext } from './command.ts';
import { EXIT, type ExitCode } from './exit-codes.ts';
import { printResult, syncOptionsOf, type OutputFormat } from './sync-run.ts';
import { createClusterWiring, createGitPort, createHostPort, isRemoteRepo } from './wire.ts';

/** Where pull-request heads are cached, apart from the tracked branch's clone. */
export const PREVIEW_CACHE_FOLDER = 'pr-previews';

/** One cache folder per pull request, so the daemon can drop those of closed ones. */
export function previewCacheDir(cacheDir: string, pr: number): string {
  return join(cacheDir, PREVIEW_CACHE_FOLDER, String(pr));
}

/** Removes the cached checkouts of pull requests that are not in `keep` (closed or merged). */
export function prunePreviewCaches(cacheDir: string, keep: ReadonlySet<number>): string[] {
  const root = join(cacheDir, PREVIEW_CACHE_FOLDER);
  if (!existsSync(root)) return [];
  const removed: string[] = [];
  for (const name of readdirSync(root)) {
    if (/^\d+$/.test(name) && keep.has(Number(name))) continue;
    rmSync(join(root, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** Reads `--pull-request`: a positive whole number, else undefined. */
export function parsePullNumber(value: string | boolean | undefined): number | undefined {
  if (typeof value !== 'string' || !/^[1-9]\d*$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

function usageError(ctx: CommandContext, message: string): ExitCode {
  ctx.err(ctx.redactor.scrub(`modsync plan: ${message}\n`));
  return EXIT.usage;
}

/** Runs the preview of pull request `raw` and prints the plan; 0 no changes, 2 changes, 1 error. */
export async function runPlanPreview(ctx: CommandContext, raw: string | boolean | undefined): Promise<ExitCode> {
  const number = parsePullNumber(raw);
  if (number === undefined)
    return usageError(ctx, `--pull-request: expected a pull request number, got "${String(raw)}"`);
  const { config } = ctx;
  if (config.host.kind === 'none')
    return usageError(ctx, '--pull-request needs a git host: set --git-host github|gitlab|gitea (and its token)');
  if (!isRemoteRepo(config.git.repo))
    return usageError(ctx, '--pull-request needs an https repository (--repo), not a local directory');

  const host = createHostPort(config, ctx.env, ctx.redactor, ctx.logger);
  const { cluster } = createClusterWiring(config, ctx.env, ctx.logger);
  const gitFor = (pr: PullRequest) =>
    createGitPort(
      {
        ...config,
        git: {
          ...config.git,
          branch: pr.head,
          revision: pr.headSha ?? '',
          cacheDir: previewCacheDir(config.git.cacheDir, pr.number),
        },
      },
      ctx.env,
      ctx.redactor,
      ctx.logger,
    );
  const outcome = await previewPullRequest(number, syncOptionsOf(config, 'plan', ctx.env), {
    host,
    cluster,
    gitFor,
    logger: ctx.logger,
    redactor: ctx.redactor,
  });
  if (outcome.comment === 'skipped') {
    ctx.out(`pull request #${number} is ${outcome.pr.state}: no plan preview\n`);
    return EXIT.ok;
  }
  printResult(ctx, outcome.result, ctx.flags.output as OutputFormat);
  ctx.out(`plan preview comment on #${number} (${outcome.pr.url}): ${outcome.comment}\n`);
  if (!outcome.result.ok) return EXIT.failed;
  return hasChanges(outcome.result.changes) ? EXIT.changes : EXIT.ok;
}
