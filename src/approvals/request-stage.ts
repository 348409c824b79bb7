/**
 * Request stage (sync step 9): every release that waits for approval with no approval file in
 * git gets one pull request per module, on modsync's own branch `modsync/approve/<module>`,
 * adding the approval files. Idempotent: the branch is pushed and the PR written only when
 * their content changed. PRs (and branches) whose releases were deployed, superseded, skipped,
 * deleted or approved some other way are closed with a comment saying why (and marked in their
 * body as closed by modsync).
 *
 * A pull request a person closed without merging declines the releases it proposed: while only
 * those releases wait (all of them, or fewer once some were superseded or skipped), modsync
 * opens no new one and removes its branch. Once a release it did not propose waits (another
 * release arrived), a new pull request is opened that names the declined one. A merged pull request whose releases still wait (its approval file was removed
 * later) is no decline: a new one is opened.
 */
import type { KubeObject } from '../core/object.ts';
import { messageOf } from '../core/errors.ts';
import type { GitPort } from '../git/port.ts';
import type { GitHost, PullRequest } from '../host/port.ts';
import type { Logger } from '../log.ts';
import {
  APPROVAL_BRANCH_PREFIX,
  markClosedByModsync,
  moduleOfBranch,
  readMarker,
  renderApprovalRequest,
  withDropped,
  withEarlierDecline,
  type ApprovalMarker,
  type ApprovalRequest,
  type DroppedRelease,
  type EarlierDecline,
} from './pull-request.ts';
import {
  byVersion, coveringApproval, deployedRelease, droppedReason, queuedBehindAnother, releaseInfo, waitsForApproval,
  type Approval,
} from './releases.ts';

/**
 * `declined`: a person closed the pull request for exactly these releases; nothing is pushed or opened.
 * `skipped`: an approval file in git (`branch` holds its path) covers a release Deckhouse skipped.
 */
export type RequestOutcome =
  | 'created' | 'updated' | 'unchanged' | 'closed' | 'declined' | 'failed' | 'planned' | 'skipped';

/** What happened to one module's approval request; the status report lists these. */
export interface RequestResult {
  module: string;
  branch: string;
  releases: string[];
  outcome: RequestOutcome;
  url?: string;
  message?: string;
  /** Releases the open pull request proposed before and no longer does (a skipped patch, say), and why. */
  dropped?: DroppedRelease[];
}

export interface RequestInput {
  releases: readonly KubeObject[];
  approvals: readonly Approval[];
  root: string;
  baseBranch: string;
  dryRun: boolean;
}

/**
 * Pure: the approval requests the cluster calls for, one per module. A module's request holds
 * every release that waits for the approval annotation with no approval in git, plus the newer
 * Pending releases queued behind it (Deckhouse says "awaiting for vX release to be deployed"
 * until the one before is deployed; each will need its own approval), so one pull request
 * follows the whole queue instead of one PR per step.
 */
export function wantedRequests(input: Pick<RequestInput, 'releases' | 'approvals' | 'root'>): ApprovalRequest[] {
  const open = (r: KubeObject): boolean => !coveringApproval(input.approvals, releaseInfo(r));
  const waiting = input.releases.filter((r) => waitsForApproval(r) && open(r));
  const byModule = new Map<string, KubeObject[]>();
  for (const r of waiting) {
    const module = releaseInfo(r).module;
    byModule.set(module, [...(byModule.get(module) ?? []), r]);
  }
  for (const [module, rs] of byModule) {
    const first = rs.map(releaseInfo).sort(byVersion)[0]!;
    const queued = input.releases.filter((r) => {
      const i = releaseInfo(r);
      return i.module === module && i.phase === 'Pending' && !i.approved && queuedBehindAnother(i) && byVersion(i, first) > 0 && open(r) && !rs.includes(r);
    });
    byModule.set(module, [...rs, ...queued]);
  }
  return [...byModule].sort(([a], [b]) => a.localeCompare(b)).map(([module, rs]) =>
    renderApprovalRequest(module, rs, { root: input.root, deployed: deployedRelease(input.releases, module) }),
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

/**
 * Sync step 9: opens or updates one approval request per module (unless a person declined it),
 * then closes the ones no longer needed. One module's failure is its result, not the stage's end.
 */
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
      const history = await lookBack(req, input, ports.host);
      if (history.declinedBy) {
        results.push(await keepDeclined(req, history.declinedBy, ports));
        continue;
      }
      const declined = history.earlier ? withEarlierDecline(req, history.earlier) : req;
      const request = withDropped(declined, history.dropped ?? []);
      const branch = await ports.git.putBranch(request.branch, request.files, request.title);
      const { pr, outcome } = await ports.host.ensure({ head: request.branch, base: input.baseBranch, title: request.title, body: request.body });
      // With host `none` there is no PR: the branch itself is the request.
      const pushed = branch.created ? 'created' : branch.changed ? 'updated' : 'unchanged';
      const result: RequestResult = { ...base, outcome: outcome === 'unchanged' ? pushed : outcome, url: pr?.url };
      if (history.dropped?.length) result.dropped = history.dropped;
      ports.logger.info({ module: req.module, branch: req.branch, outcome: result.outcome, url: result.url }, 'approval request ensured');
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
async function keepDeclined(req: ApprovalRequest, pr: PullRequest, ports: { git: GitPort; logger: Logger }): Promise<RequestResult> {
  const branchLeft = (await ports.git.listBranches(req.branch)).includes(req.branch);
  if (branchLeft) await ports.git.deleteBranch(req.branch);
  const versions = req.releases.map((r) => `v${r.version}`).join(', ');
  const message = `#${pr.number} was closed without merging: ${versions} declined; a new request opens when another release of ${req.module} arrives`;
  ports.logger.info({ module: req.module, branch: req.branch, url: pr.url, branchDeleted: branchLeft }, 'approval request declined');
  return { module: req.module, branch: req.branch, releases: req.releases.map((r) => r.name), outcome: 'declined', url: pr.url, message };
}

/** Closes modsync's PRs and deletes its branches that no wanted request needs any more. */
async function closeStale(wanted: ApprovalRequest[], input: RequestInput, ports: { git: GitPort; host: GitHost; logger: Logger }): Promise<RequestResult[]> {
  const keep = new Set(wanted.map((w) => w.branch));
  const results: RequestResult[] = [];
  try {
    for (const pr of await ports.host.listOpen(APPROVAL_BRANCH_PREFIX, input.baseBranch)) {
      if (keep.has(pr.head)) continue;
      const reason = closeReason(pr, input.releases, input.approvals);
      // The mark tells a later run that modsync closed it: the same releases waiting again are no decline.
      await ports.host.close(pr, reason, markClosedByModsync(pr.body));
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

/**
 * The releases an open request proposed (as its marker says) that the wanted one no longer
 * does, with why: the ones it noted before, then the ones dropped since (Deckhouse skipped a
 * pending patch when a newer patch of its minor arrived, say).
 */
function droppedSince(
  marker: ApprovalMarker | undefined, req: ApprovalRequest, releases: readonly KubeObject[],
): DroppedRelease[] {
  if (!marker) return [];
  const wanted = new Set(req.releases.map((r) => r.name));
  const out = (marker.dropped ?? []).filter((d) => !wanted.has(d.release));
  for (const name of marker.releases) {
    if (wanted.has(name) || out.some((d) => d.release === name)) continue;
    const reason = droppedReason(name, releases);
    if (reason) out.push({ release: name, reason });
  }
  return out;
}

/** Approval files in git whose exact release Deckhouse skipped: shown as skipped, never as pending. */
export function skippedApprovals(input: Pick<RequestInput, 'releases' | 'approvals'>): RequestResult[] {
  const out: RequestResult[] = [];
  for (const approval of input.approvals) {
    if (approval.version === undefined) continue;
    const covered = (r: KubeObject): boolean => coveringApproval([approval], releaseInfo(r)) !== undefined;
    const obj = input.releases.find((r) => covered(r) && releaseInfo(r).phase === 'Skipped');
    if (!obj) continue;
    const message = droppedReason(obj.metadata.name, input.releases) ?? 'Deckhouse skipped it';
    const branch = approval.file ?? approval.name;
    out.push({ module: approval.module, branch, releases: [obj.metadata.name], outcome: 'skipped', message });
  }
  return out;
}
