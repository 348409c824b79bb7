/**
 * Request stage: every release that waits for approval with no approval file in git gets one
 * pull request per module on modsync's own branch `modsync/approve/<module>` (the requests are
 * decided in approvals/requests.ts). Idempotent: the branch is pushed and the PR written only
 * when their content changed; a declined request is left alone; requests no longer needed are
 * closed with a comment saying why, and their branches deleted.
 */
import { messageOf } from '../core/errors.ts';
import type { GitPort } from '../git/port.ts';
import type { GitHost, PullRequest } from '../host/port.ts';
import type { Logger } from '../log.ts';
import {
  APPROVAL_BRANCH_PREFIX,
  markClosedByModsync,
  moduleOfBranch,
  readMarker,
  withDropped,
  withEarlierDecline,
  type ApprovalRequest,
  type DroppedRelease,
  type EarlierDecline,
} from '../approvals/pull-request.ts';
import {
  closeReason,
  droppedSince,
  skippedApprovals,
  wantedRequests,
  type RequestInput,
  type RequestResult,
} from '../approvals/requests.ts';

/**
 * Sync step 9: opens or updates one approval request per module (unless a person declined it),
 * then closes the ones no longer needed. One module's failure is its result, not the stage's end.
 */
export async function requestStage(
  input: RequestInput,
  ports: { git: GitPort; host: GitHost; logger: Logger },
): Promise<RequestResult[]> {
  const wanted = wantedRequests(input);
  const results: RequestResult[] = [];
  for (const req of wanted) {
    const base = { module: req.module, branch: req.branch, releases: req.releases.map((r) => r.name) };
    if (input.dryRun) {
      results.push({ ...base, outcome: 'planned' });
      continue;
    }
    try {
      const history = await lookBack(req, input, ports.host);
      if (history.declinedBy) {
        results.push(await keepDeclined(req, history.declinedBy, ports));
        continue;
      }
      const declined = history.earlier ? withEarlierDecline(req, history.earlier) : req;
      const request = withDropped(declined, history.dropped ?? []);
      const branch = await ports.git.putBranch(request.branch, request.files, request.title);
      const { pr, outcome } = await ports.host.ensure({
        head: request.branch,
        base: input.baseBranch,
        title: request.title,
        body: request.body,
      });
      // With host `none` there is no PR: the branch itself is the request.
      const pushed = branch.created ? 'created' : branch.changed ? 'updated' : 'unchanged';
      const result: RequestResult = { ...base, outcome: outcome === 'unchanged' ? pushed : outcome, url: pr?.url };
      if (history.dropped?.length) result.dropped = history.dropped;
      ports.logger.info(
        { module: req.module, branch: req.branch, outcome: result.outcome, url: result.url },
        'approval request ensured',
      );
      results.push(result);
    } catch (err) {
      ports.logger.error({ module: req.module, err: messageOf(err) }, 'approval request failed');
      results.push({ ...base, outcome: 'failed', message: messageOf(err) });
    }
  }
  if (!input.dryRun) results.push(...(await closeStale(wanted, input, ports)));
  return [...results, ...skippedApprovals(input)];
}

/** What the module's earlier pull requests mean for the wanted request. */
interface History {
  /** A person closed, without merging, a pull request that proposed every wanted release. */
  declinedBy?: PullRequest;
  /** A declined pull request the new (or open) request should name. */
  earlier?: EarlierDecline;
  /** Releases the open pull request proposed and the wanted request no longer does. */
  dropped?: DroppedRelease[];
}

/** Reads the newest pull request from the module's branch (any state) against the wanted request. */
async function lookBack(req: ApprovalRequest, input: RequestInput, host: GitHost): Promise<History> {
  const latest = await host.findLatest(req.branch, input.baseBranch);
  if (!latest) return {};
  const marker = readMarker(latest.body);
  // While a request is open, the notes about the decline before it and the releases it dropped
  // are kept, so its body stays the same.
  if (latest.state === 'open') {
    const dropped = droppedSince(marker, req, input.releases);
    return { ...(marker?.declined ? { earlier: marker.declined } : {}), ...(dropped.length ? { dropped } : {}) };
  }
  // Merged (its approval file may have been removed since), not modsync's, or closed by modsync: no decline.
  if (latest.state === 'merged' || !marker || marker.closedBy === 'modsync') return {};
  const declined: EarlierDecline = { number: latest.number, url: latest.url, releases: marker.releases };
  // The promise in the body: not again until another release arrives. Fewer releases is no new one.
  if (!req.releases.every((r) => marker.releases.includes(r.name))) return { earlier: declined };
  // An older pull request reopened by a person after this one was closed is the live request.
  const open = await host.findOpen(req.branch, input.baseBranch);
  if (open) {
    const earlier = readMarker(open.body)?.declined;
    return earlier ? { earlier } : {};
  }
  return { declinedBy: latest };
}

/** Leaves a declined request alone: no push, no pull request; modsync's branch, if still there, goes. */
async function keepDeclined(
  req: ApprovalRequest,
  pr: PullRequest,
  ports: { git: GitPort; logger: Logger },
): Promise<RequestResult> {
  const branchLeft = (await ports.git.listBranches(req.branch)).includes(req.branch);
  if (branchLeft) await ports.git.deleteBranch(req.branch);
  const versions = req.releases.map((r) => `v${r.version}`).join(', ');
  const message = `#${pr.number} was closed without merging: ${versions} declined; a new request opens when another release of ${req.module} arrives`;
  ports.logger.info(
    { module: req.module, branch: req.branch, url: pr.url, branchDeleted: branchLeft },
    'approval request declined',
  );
  return {
    module: req.module,
    branch: req.branch,
    releases: req.releases.map((r) => r.name),
    outcome: 'declined',
    url: pr.url,
    message,
  };
}

/** Closes modsync's PRs and deletes its branches that no wanted request needs any more. */
async function closeStale(
  wanted: ApprovalRequest[],
  input: RequestInput,
  ports: { git: GitPort; host: GitHost; logger: Logger },
): Promise<RequestResult[]> {
  const keep = new Set(wanted.map((w) => w.branch));
  const results: RequestResult[] = [];
  try {
    for (const pr of await ports.host.listOpen(APPROVAL_BRANCH_PREFIX, input.baseBranch)) {
      if (keep.has(pr.head)) continue;
      const reason = closeReason(pr, input.releases, input.approvals);
      // The mark tells a later run that modsync closed it: the same releases waiting again are no decline.
      await ports.host.close(pr, reason, markClosedByModsync(pr.body));
      ports.logger.info({ branch: pr.head, url: pr.url, reason }, 'approval request closed');
      results.push({
        module: moduleOfBranch(pr.head) ?? pr.head,
        branch: pr.head,
        releases: readMarker(pr.body)?.releases ?? [],
        outcome: 'closed',
        url: pr.url,
        message: reason,
      });
    }
    for (const branch of await ports.git.listBranches(APPROVAL_BRANCH_PREFIX)) {
      if (keep.has(branch)) continue;
      await ports.git.deleteBranch(branch);
      ports.logger.info({ branch }, 'approval branch deleted');
      if (!results.some((r) => r.branch === branch))
        results.push({
          module: moduleOfBranch(branch) ?? branch,
          branch,
          releases: [],
          outcome: 'closed',
          message: 'branch no longer needed',
        });
    }
  } catch (err) {
    ports.logger.error({ err: messageOf(err) }, 'closing stale approval requests failed');
    results.push({
      module: '*',
      branch: APPROVAL_BRANCH_PREFIX + '*',
      releases: [],
      outcome: 'failed',
      message: messageOf(err),
    });
  }
  return results;
}
