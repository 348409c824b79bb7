/**
 * What an approval pull request looks like: branch, title, body with a hidden machine-readable
 * marker, and the approval files it adds. Pure functions of the cluster's releases, so the
 * request stage can compare what it would write with what is there and write only on change.
 */
import { posix } from 'node:path';
import { stringify } from 'yaml';
import { escapeText } from '../core/escape-text.ts';
import type { KubeObject } from '../core/object.ts';
import { byVersion, releaseInfo, type ReleaseInfo } from './releases.ts';

export const APPROVAL_BRANCH_PREFIX = 'modsync/approve/';
const MARKER_PREFIX = '<!-- modsync:approval ';

export interface ApprovalRequest {
  module: string;
  branch: string;
  title: string;
  body: string;
  /** Approval files to add, by path from the repository root. */
  files: Record<string, string>;
  releases: ReleaseInfo[];
}

/** What modsync wrote into its own PR body, read back. */
export interface ApprovalMarker {
  module: string;
  releases: string[];
  /** The request before this one, closed without merging (carried over while this one is open). */
  declined?: EarlierDecline;
  /** Set when modsync closed the pull request itself: such a close is not a person's decline. */
  closedBy?: 'modsync';
  /** Releases this pull request proposed before and no longer does, with why (kept while it is open). */
  dropped?: DroppedRelease[];
}

/** A release an open approval request stopped proposing (Deckhouse skipped it, say), and why. */
export interface DroppedRelease {
  release: string;
  reason: string;
}

/** A pull request a person closed without merging: the releases it proposed were declined. */
export interface EarlierDecline {
  number: number;
  url: string;
  releases: string[];
}

export function branchFor(module: string): string {
  return APPROVAL_BRANCH_PREFIX + module;
}

export function moduleOfBranch(branch: string): string | undefined {
  return branch.startsWith(APPROVAL_BRANCH_PREFIX) ? branch.slice(APPROVAL_BRANCH_PREFIX.length) : undefined;
}

export function approvalFilePath(root: string, releaseName: string): string {
  return posix.join(root, 'approvals', `${releaseName}.yaml`).replace(/^\.\//, '');
}

/** The approval file content for one release (what merging the PR puts into git). */
export function renderApprovalFile(r: ReleaseInfo): string {
  const doc = {
    apiVersion: 'modsync.io/v1alpha1',
    kind: 'ModuleReleaseApproval',
    metadata: { name: r.name },
    spec: { module: r.module, version: r.version },
  };
  return `# Approves ${r.module} v${r.version} (ModuleRelease ${r.name}).\n# Once this file is on the tracked branch, modsync approves the release on its next sync.\n${stringify(doc)}`;
}

function listVersions(versions: string[]): string {
  const v = versions.map((x) => `v${x}`);
  return v.length <= 1 ? v.join('') : `${v.slice(0, -1).join(', ')} and ${v[v.length - 1]}`;
}

function fence(value: unknown): string {
  const text = stringify(value).trimEnd();
  // A fence longer than any backtick run inside, so a value cannot close it and forge text.
  const longest = Math.max(0, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  const ticks = '`'.repeat(Math.max(3, longest + 1));
  return `${ticks}yaml\n${text}\n${ticks}`;
}

/** A value from the cluster inside a table cell or a list item: one line, no cell breaks. */
function inline(value: string): string {
  return escapeText(value).replace(/\|/g, '\\|');
}

function releaseSection(r: ReleaseInfo, obj: KubeObject): string {
  const spec = obj.spec ?? {};
  const lines = [`### v${r.version} (\`${r.name}\`)`, ''];
  lines.push(`- Controller: ${inline(r.message || '(no message)')}`);
  if (spec.requirements && Object.keys(spec.requirements).length)
    lines.push('- Requirements:', '', fence(spec.requirements), '');
  if (spec.changelog && Object.keys(spec.changelog).length) lines.push('- Changelog:', '', fence(spec.changelog), '');
  else lines.push('- Changelog: none published');
  return lines.join('\n');
}

export interface RequestContext {
  root: string;
  deployed?: ReleaseInfo;
}

/** The approval request for one module's releases that wait with no approval in git. */
export function renderApprovalRequest(
  module: string,
  waiting: readonly KubeObject[],
  ctx: RequestContext,
): ApprovalRequest {
  const pairs = waiting.map((o) => ({ obj: o, info: releaseInfo(o) })).sort((a, b) => byVersion(a.info, b.info));
  const releases = pairs.map((p) => p.info);
  const versions = releases.map((r) => r.version);
  const title = `Approve ${module} ${listVersions(versions)}`;
  const policy = releases[releases.length - 1]?.policy || '(Deckhouse default)';
  const marker: ApprovalMarker = { module, releases: releases.map((r) => r.name) };
  const body = [
    markerLine(marker),
    `Merging this pull request approves ${releases.length === 1 ? 'this release' : 'these releases'} of \`${module}\`: on its next sync modsync sets \`modules.deckhouse.io/approved: "true"\` on the ModuleRelease${releases.length === 1 ? '' : 's'}. Closing it without merging declines these versions: modsync won't open it again until another release of the module arrives.`,
    '',
    '| | |',
    '|---|---|',
    `| Module | \`${module}\` |`,
    `| Deployed | ${ctx.deployed ? `v${ctx.deployed.version}` : 'none yet'} |`,
    `| Proposed | ${listVersions(versions)} |`,
    `| Update policy | \`${inline(policy)}\` |`,
    `| Source | \`${inline(releases[0]?.source || 'unknown')}\` |`,
    '',
    releases.length > 1 ? 'Deckhouse deploys releases one step at a time, so each needs its approval.\n' : '',
    ...pairs.map((p) => releaseSection(p.info, p.obj)),
    '',
  ].join('\n');
  const files: Record<string, string> = {};
  for (const r of releases) files[approvalFilePath(ctx.root, r.name)] = renderApprovalFile(r);
  return { module, branch: branchFor(module), title, body, files, releases };
}

/**
 * The request with a note (and a marker entry, so later runs render the same body) about the
 * earlier pull request a person closed without merging; the request is opened anyway because
 * a release it did not propose waits now.
 */
export function withEarlierDecline(req: ApprovalRequest, earlier: EarlierDecline): ApprovalRequest {
  const marker = readMarker(req.body);
  if (!marker) return req;
  const [, intro = '', ...rest] = req.body.split('\n');
  const names = earlier.releases.map((n) => `\`${n}\``).join(', ') || 'its releases';
  const note = `> The previous request, [#${earlier.number}](${earlier.url}), was closed without merging, which declined ${names}. modsync opened this one because another release has arrived since.`;
  return { ...req, body: [markerLine({ ...marker, declined: earlier }), intro, '', note, ...rest].join('\n') };
}

/**
 * The request with a note (and marker entries, so later runs render the same body) about the
 * releases the open pull request proposed before and dropped since, such as a pending patch
 * Deckhouse skipped when a newer patch of its minor arrived.
 */
export function withDropped(req: ApprovalRequest, dropped: readonly DroppedRelease[]): ApprovalRequest {
  const marker = readMarker(req.body);
  if (!marker || dropped.length === 0) return req;
  const [, intro = '', ...rest] = req.body.split('\n');
  const notes = dropped.map((d) => `> \`${d.release}\` is no longer proposed: ${d.reason}.`);
  return { ...req, body: [markerLine({ ...marker, dropped: [...dropped] }), intro, '', ...notes, ...rest].join('\n') };
}

/** The body with its marker saying modsync closed the pull request (not a decline); other text kept. */
export function markClosedByModsync(body: string): string {
  const marker = readMarker(body);
  if (!marker) return body;
  const start = body.indexOf(MARKER_PREFIX);
  const end = body.indexOf(' -->', start) + ' -->'.length;
  return body.slice(0, start) + markerLine({ ...marker, closedBy: 'modsync' }) + body.slice(end);
}

function markerLine(marker: ApprovalMarker): string {
  return `${MARKER_PREFIX}${JSON.stringify(marker)} -->`;
}

/** Reads the marker back from a PR body; undefined when it is not one of modsync's. */
export function readMarker(body: string): ApprovalMarker | undefined {
  const start = body.indexOf(MARKER_PREFIX);
  if (start < 0) return undefined;
  const end = body.indexOf(' -->', start);
  try {
    return JSON.parse(body.slice(start + MARKER_PREFIX.length, end)) as ApprovalMarker;
  } catch {
    return undefined;
  }
}
