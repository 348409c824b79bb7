/**
 * Request stage (sync step 9): every release that waits for approval with no approval file in
 * git gets one pull request per module, on modsync's own branch `modsync/approve/<module>`,
 * adding the approval files. Idempotent: the branch is pushed and the PR written only when
 * their content changed. PRs (and branches) whose releases were deployed, superseded, skipped,
 * deleted or approved some other way are closed with a comment saying why.
 */
import type { KubeObject } from '../core/object.ts';
import { messageOf } from '../core/errors.ts';
import type { GitPort } from '../git/port.ts';
import type { GitHost, PullRequest } from '../host/port.ts';
import type { Logger } from '../log.ts';
import { APPROVAL_BRANCH_PREFIX, moduleOfBranch, readMarker, renderApprovalRequest, type ApprovalRequest } from './pull-request.ts';
import { coveringApproval, deployedRelease, releaseInfo, waitsForApproval, type Approval } from './releases.ts';

export type RequestOutcome = 'created' | 'updated' | 'unchanged' | 'closed' | 'failed' | 'planned';

/** What happened to one module's approval request; the status report lists these. */
export interface RequestResult {
  module: string;
  branch: string;
  releases: string[];
  outcome: RequestOutcome;
  url?: string;
  message?: string;
}

export interface RequestInput {
  releases: readonly KubeObject[];
  approvals: readonly Approval[];
  root: string;
  baseBranch: string;
  dryRun: boolean;
}

/** Pure: the approval requests the cluster calls for, one per module. */
export function wantedRequests(input: Pick<RequestInput, 'releases' | 'approvals' | 'root'>): ApprovalRequest[] {
  const byModule = new Map<string, KubeObject[]>();
  for (const r of input.releases) {
    if (!waitsForApproval(r) || coveringApproval(input.approvals, releaseInfo(r))) continue;
    const module = releaseInfo(r).module;
    byModule.set(module, [...(byModule.get(module) ?? []), r]);
  }
  return [...byModule].sort(([a], [b]) => a.localeCompare(b)).map(([module, waiting]) =>
    renderApprovalRequest(module, waiting, { root: input.root, deployed: deployedRelease(input.releases, module) }),
  );
}

/** Why an approval PR is no longer needed, from what became of its releases. */
export function closeReason(pr: PullRequest, releases: readonly KubeObject[], approvals: readonly Approval[]): string {
  const names = readMarker(pr.body)?.releases ?? [];
  const parts = names.map((name) => {
    const obj = releases.find((r) => r.metadata.name === name);
    if (!obj) return `${name} no longer exists`;
    const info = releaseInfo(obj);
    if (info.phase === 'Deployed') return `${name} is deployed`;
    if (info.phase === 'Superseded') return `${name} was superseded by a newer release`;
    if (info.phase === 'Skipped') return `${name} was skipped`;
    if (info.phase === 'Suspended') return `${name} was suspended by its publisher`;
    if (coveringApproval(approvals, info)) return `${name} is approved by ${coveringApproval(approvals, info)!.file ?? 'an approval in git'}`;
    if (info.approved) return `${name} was approved in the cluster`;
    return `${name} no longer waits for approval (${info.phase}${info.message ? `: ${info.message}` : ''})`;
  });
  return `Closed by modsync: this approval is no longer needed. ${parts.join('; ') || 'Its releases are gone.'}.`;
}

export async function requestStage(input: RequestInput, ports: { git: GitPort; host: GitHost; logger: Logger }): Promise<RequestResult[]> {
  const wanted = wantedRequests(input);
  const results: RequestResult[] = [];
  for (const req of wanted) {
    const base = { module: req.module, branch: req.branch, releases: req.releases.map((r) => r.name) };
    if (input.dryRun) {
      results.push({ ...base, outcome: 'planned' });
      continue;
    }
    try {
      const branch = await ports.git.putBranch(req.branch, req.files, req.title);
      const { pr, outcome } = await ports.host.ensure({ head: req.branch, base: input.baseBranch, title: req.title, body: req.body });
      // With host `none` there is no PR: the branch itself is the request.
      const pushed = branch.created ? 'created' : branch.changed ? 'updated' : 'unchanged';
      const result: RequestResult = { ...base, outcome: outcome === 'unchanged' ? pushed : outcome, url: pr?.url };
      ports.logger.info({ module: req.module, branch: req.branch, outcome: result.outcome, url: result.url }, 'approval request ensured');
      results.push(result);
    } catch (err) {
      ports.logger.error({ module: req.module, err: messageOf(err) }, 'approval request failed');
      results.push({ ...base, outcome: 'failed', message: messageOf(err) });
    }
  }
  if (!input.dryRun) results.push(...(await closeStale(wanted, input, ports)));
  return results;
}

/** Closes modsync's PRs and deletes its branches that no wanted request needs any more. */
async function closeStale(wanted: ApprovalRequest[], input: RequestInput, ports: { git: GitPort; host: GitHost; logger: Logger }): Promise<RequestResult[]> {
  const keep = new Set(wanted.map((w) => w.branch));
  const results: RequestResult[] = [];
  try {
    for (const pr of await ports.host.listOpen(APPROVAL_BRANCH_PREFIX, input.baseBranch)) {
      if (keep.has(pr.head)) continue;
      const reason = closeReason(pr, input.releases, input.approvals);
      await ports.host.close(pr, reason);
      ports.logger.info({ branch: pr.head, url: pr.url, reason }, 'approval request closed');
      results.push({ module: moduleOfBranch(pr.head) ?? pr.head, branch: pr.head, releases: readMarker(pr.body)?.releases ?? [], outcome: 'closed', url: pr.url, message: reason });
    }
    for (const branch of await ports.git.listBranches(APPROVAL_BRANCH_PREFIX)) {
      if (keep.has(branch)) continue;
      await ports.git.deleteBranch(branch);
      ports.logger.info({ branch }, 'approval branch deleted');
      if (!results.some((r) => r.branch === branch)) results.push({ module: moduleOfBranch(branch) ?? branch, branch, releases: [], outcome: 'closed', message: 'branch no longer needed' });
    }
  } catch (err) {
    ports.logger.error({ err: messageOf(err) }, 'closing stale approval requests failed');
    results.push({ module: '*', branch: APPROVAL_BRANCH_PREFIX + '*', releases: [], outcome: 'failed', message: messageOf(err) });
  }
  return results;
}
