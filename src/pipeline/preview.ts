/**
 * Plan previews on pull requests: the plan of a pull request's head against the live
 * cluster, posted as one sticky comment on the pull request, so reviewers see what merging
 * would do before they merge. The pipeline runs in `plan` mode (read-only: LISTs and
 * the cluster's schema) on a checkout of the PR's head; the comment is rewritten only when
 * its text changes, and every byte of it passes the Redactor.
 */
import { HostError } from '../core/errors.ts';
import type { Redactor } from '../core/redact.ts';
import { renderChanges } from '../core/render-changes.ts';
import type { ClusterPort } from '../cluster/port.ts';
import type { GitPort } from '../git/port.ts';
import type { EnsureOutcome, GitHost, PullRequest } from '../host/port.ts';
import type { Logger } from '../log.ts';
import { formatIssues } from '../manifests/issues.ts';
import { runSync } from './run.ts';
import type { SyncOptions, SyncResult } from './types.ts';

/**
 * The hidden marker that finds this instance's comment again. It names the instance and the
 * root, so two clusters previewing the same pull request keep one comment each.
 */
export function previewMarker(instance: string, root: string): string {
  return `<!-- modsync:plan-preview instance=${instance} root=${root} -->`;
}

/** What a preview comment is made of. */
export interface PreviewContent {
  pr: PullRequest;
  result: SyncResult;
  instance: string;
  root: string;
}

const FENCE = '```';

/**
 * The comment body: heading with the commit and root, the first failure if any, validation
 * problems, then the change table and field diffs. Deterministic (no times, no durations),
 * so an unchanged plan gives the same text and the forge is not written.
 */
export function renderPreview(content: PreviewContent, redactor: Redactor): string {
  const { pr, result, instance, root } = content;
  const commit = result.commit ?? pr.headSha ?? 'unknown';
  const lines: string[] = [
    previewMarker(instance, root),
    `### modsync plan for \`${root}\``,
    '',
    `What merging \`${pr.head}\` (commit \`${commit.slice(0, 12)}\`) would change in the cluster of instance \`${instance}\`, computed against the live cluster (its objects and the schema it serves).`,
    '',
  ];
  const failed = result.stages.find((s) => !s.ok);
  if (failed)
    lines.push(`> **${failed.stage} failed** (${failed.reason ?? 'error'}): ${oneLine(failed.message ?? '')}`, '');
  const errors = result.issues.filter((i) => i.severity === 'error');
  const warnings = result.issues.filter((i) => i.severity !== 'error');
  if (errors.length)
    lines.push(`**Validation errors (${errors.length})**`, '', FENCE + 'text', formatIssues(errors, 'text'), FENCE, '');
  if (warnings.length)
    lines.push(`**Warnings (${warnings.length})**`, '', FENCE + 'text', formatIssues(warnings, 'text'), FENCE, '');
  // A failed fetch or read leaves no plan to show; an object the cluster refuses still has its table.
  if (result.changes.length || !failed)
    lines.push(renderChanges(result.changes, 'markdown', { color: false }).trimEnd(), '');
  lines.push(`<sub>Updated by modsync on every push to this pull request. Secrets are masked.</sub>`);
  return redactor.scrub(lines.join('\n') + '\n');
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

/** The ports of a preview: the forge, the cluster, and a git port for a pull request's head. */
export interface PreviewPorts {
  host: GitHost;
  cluster: ClusterPort;
  /** A separate checkout of the pull request's head (its own cache, never the tracked branch's). */
  gitFor(pr: PullRequest): GitPort;
  logger: Logger;
  redactor: Redactor;
}

/** What a preview did: the plan and whether the comment was written. */
export interface PreviewOutcome {
  pr: PullRequest;
  result: SyncResult;
  /** `skipped` when the pull request is not open (nothing to preview). */
  comment: EnsureOutcome | 'skipped';
  body?: string;
}

/**
 * Plans pull request `number`'s head against the live cluster and upserts the sticky comment.
 * A failing plan (invalid manifests, objects the cluster's schema refuses) is still commented: that is what the
 * reviewer needs to see. A closed or merged pull request is left alone.
 */
export async function previewPullRequest(
  number: number,
  opts: SyncOptions,
  ports: PreviewPorts,
): Promise<PreviewOutcome> {
  const pr = await ports.host.get(number);
  if (!pr) throw new HostError(`does not exist on ${ports.host.kind}`, { subject: `pull request #${number}` });
  const empty: SyncResult = { commit: pr.headSha ?? null, changes: [], issues: [], stages: [], ok: true, requests: [] };
  if (pr.state !== 'open') {
    ports.logger.info({ pr: number, state: pr.state }, 'pull request is not open: no plan preview');
    return { pr, result: empty, comment: 'skipped' };
  }
  const logger = ports.logger.child({ pr: number, head: pr.head });
  // Plan mode, read-only git: no approval requests, no status report, no writes anywhere. The
  // desired-state cache keeps the tracked branch's one commit: a preview must not replace it.
  const planOpts: SyncOptions = {
    ...opts,
    mode: 'plan',
    branch: pr.head,
    readOnlyGit: true,
    status: { ...opts.status, enabled: false },
    desiredCacheDir: undefined,
  };
  const result = await runSync(planOpts, {
    git: ports.gitFor(pr),
    cluster: ports.cluster,
    logger,
    redactor: ports.redactor,
  });
  const body = renderPreview({ pr, result, instance: opts.instance, root: opts.root }, ports.redactor);
  const comment = await ports.host.upsertComment(number, previewMarker(opts.instance, opts.root), body);
  logger.info({ comment, commit: result.commit }, 'plan preview comment');
  return { pr, result, comment, body };
}
