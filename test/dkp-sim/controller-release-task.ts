/**
 * What Deckhouse's task calculator decides for one Pending ModuleRelease, from the module's
 * releases alone: Skip it, let it Await another, or Process it (then the deploy-time checks
 * decide). Taken from deckhouse/deckhouse `deckhouse-controller/pkg/releaseupdater/
 * task_calculator.go` (CalculatePendingReleaseTask, findConstraintEndpointIndex,
 * getFirstCompliantRelease; the version whose module calculator takes the policy's channel).
 * Pure: no writes.
 */
import { compareVersions, parseVersion, type Version } from './catalog.ts';
import { annotationsOf, dig, str } from './controller-objects.ts';
import type { JsonMap, Obj } from './types.ts';

/** The calculator's verdict (`Skip` / `Await` / `Process`). */
export type TaskType = 'Skip' | 'Await' | 'Process';

/** One verdict with the facts the deploy step needs. */
export interface ReleaseTask {
  type: TaskType;
  /** Status message for Skip/Await ('' when the real code leaves it empty). */
  message: string;
  /** A patch of the deployed (and previous) release: deploy-time rules for patches apply. */
  isPatch: boolean;
  /** The module's only release. */
  isSingle: boolean;
  /** Processed as the endpoint of a `spec.update.versions` from-to jump. */
  isFromTo: boolean;
  /** The deployed release (superseded when this one deploys). */
  deployed?: Obj;
}

/** The release's version string (`spec.version`, no `v`). */
export function versionOf(release: Obj): string {
  return str(release, ['spec', 'version']) ?? '';
}

/** A release's phase; a release the controller has not looked at yet counts as Pending. */
export function phaseOf(release: Obj): string {
  return str(release, ['status', 'phase']) || 'Pending';
}

/** `GetForce()`: either force annotation set to exactly "true" (v1alpha1/module_release.go). */
export function forced(release: Obj): boolean {
  const a = annotationsOf(release);
  return a['modules.deckhouse.io/force'] === 'true' || a['release.deckhouse.io/force'] === 'true';
}

const parsed = (release: Obj): Version => parseVersion(versionOf(release)) ?? { major: 0, minor: 0, patch: 0 };

/** `isPatchRelease(a, b)`: b is newer than a only in its patch number. */
function isPatchRelease(a: Version, b: Version): boolean {
  return a.major === b.major && a.minor === b.minor && b.patch > a.patch;
}

/**
 * The calculator for `release` among `releases` (the module's, sorted ascending by version).
 * `undefined` means the release is the deployed version already (ErrReleaseIsAlreadyDeployed).
 */
export function calculateTask(releases: readonly Obj[], release: Obj, channel: string): ReleaseTask | undefined {
  const task = (type: TaskType, message = '', extra: Partial<ReleaseTask> = {}): ReleaseTask => ({
    type,
    message,
    isPatch: false,
    isSingle: false,
    isFromTo: false,
    ...extra,
  });
  if (releases.length === 1) return task('Process', '', { isSingle: true });
  const version = versionOf(release);
  const latestForced = [...releases].reverse().find(forced);
  if (latestForced && compareVersions(versionOf(latestForced), version) > 0) return task('Skip');
  const deployedIdx = releases.findIndex((r) => phaseOf(r) === 'Deployed');
  const deployed = deployedIdx >= 0 ? releases[deployedIdx] : undefined;
  if (deployed) {
    const cmp = compareVersions(versionOf(deployed), version);
    if (cmp > 0) return task('Skip');
    if (cmp === 0) return undefined;
  }
  const idx = releases.findIndex((r) => r.metadata.name === release.metadata.name);
  const current = parsed(release);
  if (deployed && idx === constraintEndpoint(releases, deployedIdx)) {
    return task('Process', '', { isFromTo: true, deployed });
  }
  let isPatch = true;
  if (idx > 0) {
    const prev = releases[idx - 1]!;
    const before = parsed(prev);
    if (!isPatchRelease(before, current) || (deployed && !isPatchRelease(parsed(deployed), current))) {
      isPatch = false;
      if (phaseOf(prev) === 'Pending') {
        // A queued release repeats the wait of the one before it when that one is awaiting too.
        const message = str(prev, ['status', 'message']) ?? '';
        const own = `awaiting for v${versionOf(prev)} release to be deployed`;
        return task('Await', message.includes('awaiting') ? message : own, { deployed });
      }
      const lts = channel.toLowerCase() === 'lts';
      if (current.major === before.major && !lts && current.minor - 1 > before.minor) {
        return task('Await', `minor version is greater than deployed ${versionOf(prev)} by one`, { deployed });
      }
      if (current.major > before.major && (before.major !== 0 || current.major !== 1)) {
        return task('Await', `major version is greater than deployed ${versionOf(prev)}`, { deployed });
      }
    }
  }
  if (idx < releases.length - 1) {
    const next = parsed(releases[idx + 1]!);
    // A newer patch of the same minor supersedes this one: Skipped, with no message.
    if (current.major < next.major || current.minor < next.minor) return task('Process', '', { isPatch, deployed });
    return task('Skip', '', { isPatch });
  }
  return task('Process', '', { isPatch, deployed });
}

/** One `spec.update.versions[]` rule: from `from` the release may jump straight to `to`. */
interface FromTo {
  from: string;
  to: string;
}

function rulesOf(release: Obj): FromTo[] {
  const versions = dig(release, ['spec', 'update', 'versions']);
  if (!Array.isArray(versions)) return [];
  return versions.map((v) => v as JsonMap).map((v) => ({ from: String(v.from ?? ''), to: String(v.to ?? '') }));
}

/** `X.Y` or `X.Y.Z` as Masterminds/semver reads it (missing parts are 0). */
function loose(text: string): Version | undefined {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(text.trim());
  return m ? { major: Number(m[1]), minor: Number(m[2] ?? 0), patch: Number(m[3] ?? 0) } : undefined;
}

const cmp = (a: Version, b: Version): number => a.major - b.major || a.minor - b.minor || a.patch - b.patch;

/**
 * The index of the release a from-to rule lets the deployed one jump to (-1 when none): rules
 * of Pending releases newer than the deployed one, whose own minor is the rule's `to`, with the
 * deployed version in [from, to); the newest patch of `to`'s minor wins.
 */
export function constraintEndpoint(releases: readonly Obj[], deployedIdx: number): number {
  const deployed = parsed(releases[deployedIdx]!);
  let best = -1;
  for (let i = releases.length - 1; i > deployedIdx; i--) {
    const r = releases[i]!;
    if (phaseOf(r) !== 'Pending') continue;
    const own = parsed(r);
    for (const rule of rulesOf(r)) {
      const to = loose(rule.to);
      const from = loose(rule.from);
      if (!to || !from || own.major !== to.major || own.minor !== to.minor) continue;
      if (cmp(deployed, from) < 0 || cmp(deployed, to) >= 0) continue;
      for (let j = Math.max(deployedIdx, best); j < releases.length; j++) {
        const v = parsed(releases[j]!);
        if (v.major === to.major && v.minor === to.minor && j > best) best = j;
      }
    }
  }
  return best;
}
