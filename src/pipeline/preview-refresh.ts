/**
 * The daemon's plan previews: after a sync, every open pull request into the tracked branch
 * that changes something under the root gets its sticky plan comment refreshed, so reviewers
 * see what merging would do without anyone running `modsync plan --pull-request N`.
 *
 * Cost is kept down by remembering, in memory, what each pull request's head was when it was
 * last planned: a head that did not move is planned again only when the cluster changed (the
 * sync wrote something) or the last plan is older than `maxAgeMs`. At most `maxPerTick` plans
 * run per call, the longest-waiting first, so a repository with many open pull requests is
 * covered over a few ticks instead of stretching one. The comment itself is written only when
 * its text changed (`upsertComment`).
 */
import { APPROVAL_BRANCH_PREFIX } from '../approvals/pull-request.ts';
import { messageOf } from '../core/errors.ts';
import type { PullRequest } from '../host/port.ts';
import { previewPullRequest, type PreviewPorts } from './preview.ts';
import type { SyncOptions } from './types.ts';

/** What was remembered about one pull request. */
interface Remembered {
  headSha: string;
  /** Whether that head changes files under the root. */
  touches: boolean;
  /** When that head was last planned (ms), 0 when never. */
  plannedAt: number;
}

/** In-memory state kept by the daemon between refreshes; one per process. */
export interface PreviewMemory {
  pulls: Map<number, Remembered>;
}

/** A fresh, empty memory. */
export function createPreviewMemory(): PreviewMemory {
  return { pulls: new Map() };
}

/** Options of one refresh. */
export interface RefreshOptions {
  /** The daemon's pipeline options: tracked branch, root, status folder, instance. */
  sync: SyncOptions;
  memory: PreviewMemory;
  /** The sync just before wrote to the cluster (or did not finish): plans may differ now. */
  clusterChanged: boolean;
  /** Plans per refresh at most; default 10. */
  maxPerTick?: number;
  /** An unchanged head is planned again after this long anyway; default 30 minutes. */
  maxAgeMs?: number;
  now?: () => number;
  /** Asked before each plan; true (the daemon is stopping) defers the rest. */
  stopping?: () => boolean;
}

/**
 * What happened to one pull request: the comment outcome of a plan (`created`, `updated`,
 * `unchanged`), `skipped` (no longer open), `not-touching` (changes nothing under the root),
 * `fork` (the head is in another repository: not fetched, not planned),
 * `fresh` (same head, cluster unchanged: not planned again), `deferred` (over this tick's
 * cap, or the daemon is stopping), `failed` (logged; the others go on).
 */
export type RefreshOutcome =
  | 'created'
  | 'updated'
  | 'unchanged'
  | 'skipped'
  | 'not-touching'
  | 'fork'
  | 'fresh'
  | 'deferred'
  | 'failed';

/** One pull request's outcome. */
export interface RefreshResult {
  number: number;
  outcome: RefreshOutcome;
}

const DEFAULT_MAX_PER_TICK = 10;
const DEFAULT_MAX_AGE_MS = 30 * 60_000;

/**
 * True when a change to `paths` can change the plan of `root`: a path under the root folder
 * that is not in the status folder; a root of `.` (the whole repository) counts YAML files only.
 */
export function touchesRoot(paths: string[], root: string, statusPath: string): boolean {
  const base = trimSlashes(root);
  const status = trimSlashes(statusPath);
  return paths.some((raw) => {
    const path = trimSlashes(raw);
    if (status && (path === status || path.startsWith(`${status}/`))) return false;
    if (base === '' || base === '.') return /\.ya?ml$/i.test(path);
    return path.startsWith(`${base}/`);
  });
}

function trimSlashes(path: string): string {
  return path.replace(/^\.\/+/, '').replace(/^\/+|\/+$/g, '');
}

/**
 * Refreshes the plan previews of the open pull requests into `opts.sync.branch`, except
 * modsync's own approval branches. Listing the pull requests may throw (the caller logs it);
 * a failure on one pull request is logged and reported as `failed`, the others go on.
 */
export async function refreshPreviews(opts: RefreshOptions, ports: PreviewPorts): Promise<RefreshResult[]> {
  const now = opts.now ?? Date.now;
  const maxPerTick = opts.maxPerTick ?? DEFAULT_MAX_PER_TICK;
  const maxAgeMs = opts.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  const { memory } = opts;
  const open = (await ports.host.listOpenPullRequests(opts.sync.branch)).filter(
    (pr) => !pr.head.startsWith(APPROVAL_BRANCH_PREFIX),
  );

  // Closed and merged pull requests are forgotten.
  const openNumbers = new Set(open.map((pr) => pr.number));
  for (const number of memory.pulls.keys()) if (!openNumbers.has(number)) memory.pulls.delete(number);

  const results: RefreshResult[] = [];
  const due: PullRequest[] = [];
  for (const pr of open) {
    // A fork's branch is not in this repository, and its content is nobody's to plan here.
    if (pr.fromFork) {
      results.push({ number: pr.number, outcome: 'fork' });
      continue;
    }
    const before = memory.pulls.get(pr.number);
    const sameHead = before !== undefined && pr.headSha !== undefined && before.headSha === pr.headSha;
    let touches: boolean;
    try {
      touches = sameHead
        ? before.touches
        : touchesRoot(await ports.host.changedFiles(pr.number), opts.sync.root, opts.sync.statusPath);
    } catch (err) {
      ports.logger.warn({ pr: pr.number, err: messageOf(err) }, 'plan preview: cannot list the changed files');
      results.push({ number: pr.number, outcome: 'failed' });
      continue;
    }
    if (!sameHead) memory.pulls.set(pr.number, { headSha: pr.headSha ?? '', touches, plannedAt: 0 });
    if (!touches) {
      results.push({ number: pr.number, outcome: 'not-touching' });
      continue;
    }
    const plannedAt = memory.pulls.get(pr.number)?.plannedAt ?? 0;
    if (sameHead && plannedAt > 0 && !opts.clusterChanged && now() - plannedAt < maxAgeMs) {
      results.push({ number: pr.number, outcome: 'fresh' });
      continue;
    }
    due.push(pr);
  }

  // The longest-waiting first (never planned counts as waiting longest), so a cap rotates.
  due.sort((a, b) => (memory.pulls.get(a.number)?.plannedAt ?? 0) - (memory.pulls.get(b.number)?.plannedAt ?? 0));
  for (const [index, pr] of due.entries()) {
    if (index >= maxPerTick || opts.stopping?.()) {
      results.push({ number: pr.number, outcome: 'deferred' });
      continue;
    }
    results.push({ number: pr.number, outcome: await previewOne(pr, opts, ports, now) });
  }
  ports.logger.info({ pulls: open.length, outcomes: tally(results) }, 'plan previews refreshed');
  return results.sort((a, b) => a.number - b.number);
}

async function previewOne(
  pr: PullRequest,
  opts: RefreshOptions,
  ports: PreviewPorts,
  now: () => number,
): Promise<RefreshOutcome> {
  try {
    const outcome = await previewPullRequest(pr.number, opts.sync, ports);
    // Remember the head that was actually planned (it may have moved since the list was read).
    const touches = opts.memory.pulls.get(pr.number)?.touches ?? true;
    const headSha = outcome.pr.headSha === pr.headSha ? (pr.headSha ?? '') : '';
    opts.memory.pulls.set(pr.number, { headSha, touches, plannedAt: now() });
    return outcome.comment;
  } catch (err) {
    ports.logger.warn({ pr: pr.number, err: messageOf(err) }, 'plan preview failed');
    return 'failed';
  }
}

function tally(results: RefreshResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
  return counts;
}
