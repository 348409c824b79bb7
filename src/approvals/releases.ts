/**
 * Facts about ModuleReleases that the approval stages need, as pure functions of the objects
 * read from the cluster and the approval files read from git.
 */
import type { Approval } from '../kinds/approval.ts';
// semver's functions one by one: its index loads every range helper too (~1 ms of a CronJob run).
import compareVersions from 'semver/functions/compare.js';
import greaterThan from 'semver/functions/gt.js';
import majorOf from 'semver/functions/major.js';
import minorOf from 'semver/functions/minor.js';
import satisfies from 'semver/functions/satisfies.js';
import validVersion from 'semver/functions/valid.js';
import type { KubeObject } from '../core/object.ts';
import { byCodeUnit } from '../core/values.ts';

/** The annotation Deckhouse's module release controller reads (API.md §1). */
export const APPROVED_ANNOTATION = 'modules.deckhouse.io/approved';

export type { Approval };

export interface ReleaseInfo {
  name: string;
  module: string;
  version: string;
  phase: string;
  message: string;
  policy: string;
  source: string;
  approved: boolean;
}

export function releaseInfo(r: KubeObject): ReleaseInfo {
  const spec = r.spec ?? {};
  const status = r.status ?? {};
  const labels = r.metadata.labels ?? {};
  return {
    name: r.metadata.name,
    module: String(spec.moduleName ?? labels.module ?? ''),
    version: String(spec.version ?? '').replace(/^v/, ''),
    phase: String(status.phase ?? ''),
    message: String(status.message ?? ''),
    policy: labels['modules.deckhouse.io/update-policy'] ?? '',
    source: labels.source ?? '',
    approved: isApprovedValue(r.metadata.annotations?.[APPROVED_ANNOTATION]),
  };
}

/** Go's strconv.ParseBool truthy values, which is how the controller reads the annotation. */
function isApprovedValue(v: string | undefined): boolean {
  return v !== undefined && ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v);
}

/**
 * A Pending release the controller holds for the approval annotation (Manual mode, or a minor
 * bump under AutoPatch). Its message names the annotation, possibly next to a window wait.
 */
export function waitsForApproval(r: KubeObject): boolean {
  const info = releaseInfo(r);
  return info.phase === 'Pending' && !info.approved && /approved/.test(info.message) && /annotation/.test(info.message);
}

/** A Pending release held only because an earlier release of its module must deploy first. */
export function queuedBehindAnother(info: ReleaseInfo): boolean {
  return info.phase === 'Pending' && /awaiting for v?\S+ release to be deployed/.test(info.message);
}

/** Whether an approval file covers the release (exact version or a matching range). */
export function covers(approval: Approval, release: ReleaseInfo): boolean {
  if (approval.module !== release.module) return false;
  if (approval.version !== undefined) return approval.version.replace(/^v/, '') === release.version;
  if (approval.versions !== undefined)
    return satisfies(release.version, approval.versions, { includePrerelease: true });
  return false;
}

export function coveringApproval(approvals: readonly Approval[], release: ReleaseInfo): Approval | undefined {
  return approvals.find((a) => covers(a, release));
}

/**
 * Whether the approval annotation was set by modsync (its merge patch shows up as an Update
 * entry of field manager `modsync` owning the annotation). A human's `kubectl annotate` is
 * never undone by modsync.
 */
export function approvedByModsync(r: KubeObject, manager = 'modsync'): boolean {
  return (r.metadata.managedFields ?? []).some((m) => {
    if (m.manager !== manager) return false;
    const annotations = (m.fieldsV1?.['f:metadata'] as Record<string, Record<string, unknown>> | undefined)?.[
      'f:annotations'
    ];
    return Boolean(annotations && `f:${APPROVED_ANNOTATION}` in annotations);
  });
}

/** The deployed release of a module, if any. */
export function deployedRelease(releases: readonly KubeObject[], module: string): ReleaseInfo | undefined {
  return releases.map(releaseInfo).find((r) => r.module === module && r.phase === 'Deployed');
}

/** Sorts release infos by semantic version, oldest first. */
export function byVersion(a: ReleaseInfo, b: ReleaseInfo): number {
  const va = validVersion(a.version);
  const vb = validVersion(b.version);
  if (va && vb) return compareVersions(va, vb);
  return byCodeUnit(a.version, b.version);
}

/** The Deckhouse phases after which a release never deploys. */
const GONE_PHASES = new Set(['Skipped', 'Superseded', 'Suspended']);

/**
 * Why a release an approval request proposed no longer needs approval, in words for the pull
 * request body; undefined while it is still Pending. Deckhouse writes no message when it skips
 * a release superseded by a newer patch of its minor, a deployed or a forced newer release
 * (releaseupdater/task_calculator.go), so the reason is read from the module's other releases.
 */
export function droppedReason(name: string, releases: readonly KubeObject[]): string | undefined {
  const obj = releases.find((r) => r.metadata.name === name);
  if (!obj) return 'it no longer exists in the cluster';
  const info = releaseInfo(obj);
  if (info.phase === 'Deployed') return 'it is deployed';
  if (!GONE_PHASES.has(info.phase)) return undefined;
  const own = validVersion(info.version);
  const siblings = releases.map(releaseInfo).filter((r) => r.module === info.module && r.name !== name);
  const deployed = siblings.find((r) => r.phase === 'Deployed');
  if (info.phase === 'Superseded') return `it was superseded${deployed ? ` by v${deployed.version}` : ''}`;
  if (info.phase === 'Suspended') return 'its publisher suspended it';
  const newer = (r: ReleaseInfo): boolean => Boolean(own && validVersion(r.version) && greaterThan(r.version, own));
  const samePatchLine = siblings
    .filter((r) => newer(r) && own && majorOf(r.version) === majorOf(own) && minorOf(r.version) === minorOf(own))
    .sort(byVersion);
  const patch = samePatchLine.at(-1);
  if (patch) return `Deckhouse skipped it: v${patch.version} is a newer patch of the same minor`;
  if (deployed && newer(deployed)) return `Deckhouse skipped it: v${deployed.version} is deployed`;
  return info.message ? `Deckhouse skipped it (${info.message})` : 'Deckhouse skipped it';
}

/** One release to annotate (an approval file covers it) or un-annotate (its file was removed). */
export interface ApprovalDecision {
  release: KubeObject;
  action: 'approve' | 'unapprove';
  /** The approval file that covers it (approve only). */
  approval?: Approval;
}

/** Pure: which releases to annotate or un-annotate. */
export function decideApprovals(releases: readonly KubeObject[], approvals: readonly Approval[]): ApprovalDecision[] {
  const out: ApprovalDecision[] = [];
  for (const r of releases) {
    const info = releaseInfo(r);
    if (info.phase !== 'Pending') continue;
    const approval = coveringApproval(approvals, info);
    if (approval && waitsForApproval(r)) out.push({ release: r, action: 'approve', approval });
    else if (!approval && info.approved && approvedByModsync(r)) out.push({ release: r, action: 'unapprove' });
  }
  return out;
}
