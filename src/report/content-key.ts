/**
 * The key of what a status report says. The report is its content (sources, modules, releases,
 * configs, approvals, the last sync) plus, per entry, the commit and time it last changed,
 * carried over from the previous report while the content stays the same. So when a run's
 * content equals that of the committed report (its first line carries the key), that report
 * is already right: the report stage neither parses it nor renders a new one — at 1,000
 * objects most of a no-op run's time. Building the content is cheap; parsing and rendering
 * YAML is not. The key covers no commit, time, server bookkeeping or credential.
 */
import { createHash } from 'node:crypto';
import { buildReport, type ReportInput } from './model.ts';

/** Bumped whenever the report's rendering changes, so an older report is rendered anew. */
const REPORT_FORMAT = 1;

/** `sha256:<hex>` of what the report says, without when each entry last changed. */
export function reportContentKey(input: Omit<ReportInput, 'previous'>): string {
  // With no previous report every entry's observedAt and since are the '' given here: the same
  // in every run, so the hash covers the content only.
  const report = buildReport({ ...input, commit: '', now: '' });
  const text = JSON.stringify({ format: REPORT_FORMAT, report });
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/** The first line of a status.yaml with this content key. */
export function contentLine(key: string): string {
  return `# content: ${key}\n`;
}
