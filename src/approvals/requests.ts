/**
 * Which approval requests the cluster calls for, and what became of them: pure decisions for
 * the request stage (src/pipeline/request.ts), which pushes branches and writes pull requests.
 *
 * A pull request a person closed without merging declines the releases it proposed: while only
 * those releases wait (all of them, or fewer once some were superseded or skipped), modsync
 * opens no new one and removes its branch. Once a release it did not propose waits (another
 * release arrived), a new pull request is opened that names the declined one. A merged pull
 * request whose releases still wait (its approval file was removed later) is no decline.
 */
import type { KubeObject } from '../core/object.ts';
import { byCodeUnit } from '../core/values.ts';
import type { PullRequest } from '../host/port.ts';
import {
  readMarker,
  renderApprovalRequest,
  type ApprovalMarker,
  type ApprovalRequest,
  type DroppedRelease,
} from './pull-request.ts';
import {
  byVersion,
  coveringApproval,
  deployedRelease,
  droppedReason,
  queuedBehindAnother,
  releaseInfo,
  waitsForApproval,
  type Approval,
} from './releases.ts';

/**
 * `declined`: a person closed the pull request for exactly these releases; nothing is pushed or opened.
 * `skipped`: an approval file in git (`branch` holds its path) covers a release Deckhouse skipped.
 */
export type RequestOutcome =
  | 'created'
  | 'updated'
  | 'unchanged'
  | 'closed'
  | 'declined'
  | 'failed'
  | 'planned'
  | 'skipped';

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
      return (
        i.module === module &&
        i.phase === 'Pending' &&
        !i.approved &&
        queuedBehindAnother(i) &&
        byVersion(i, first) > 0 &&
        open(r) &&
        !rs.includes(r)
      );
    });
    byModule.set(module, [...rs, ...queued]);
  }
  return [...byModule]
    .sort(([a], [b]) => byCodeUnit(a, b))
    .map(([module, rs]) =>
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
    if (coveringApproval(approvals, info))
      return `${name} is approved by ${coveringApproval(approvals, info)!.file ?? 'an approval in git'}`;
    if (info.approved) return `${name} was approved in the cluster`;
    return `${name} no longer waits for approval (${info.phase}${info.message ? `: ${info.message}` : ''})`;
  });
  return `Closed by modsync: this approval is no longer needed. ${parts.join('; ') || 'Its releases are gone.'}.`;
}

/**
 * The releases an open request proposed (as its marker says) that the wanted one no longer
 * does, with why: the ones it noted before, then the ones dropped since (Deckhouse skipped a
 * pending patch when a newer patch of its minor arrived, say).
 */
export function droppedSince(
  marker: ApprovalMarker | undefined,
  req: ApprovalRequest,
  releases: readonly KubeObject[],
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
