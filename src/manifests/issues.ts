/**
 * Problems found in the desired state, located in git (`file:line:col`), and the three ways
 * `modsync validate` prints them: plain text for people, JSON for tools, GitHub workflow
 * commands for PR annotations.
 */
import { escapeText } from '../core/escape-text.ts';

/** One problem in a manifest; `error` stops a sync, `warning` does not. */
export interface Issue {
  severity: 'error' | 'warning';
  /** Relative to the repository root, posix separators. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
  /** One line, never a secret value. */
  message: string;
  /** `Kind/name` of the object the issue is about, when known. */
  subject?: string;
}

/** Output formats of `modsync validate --output`. */
export type IssueFormat = 'text' | 'json' | 'github';

/** Builds an error issue; the shorthand keeps call sites to one line. */
export function issueError(file: string, line: number, col: number, message: string, subject?: string): Issue {
  return withSubject({ severity: 'error', file, line, col, message }, subject);
}

/** Builds a warning issue. */
export function issueWarning(file: string, line: number, col: number, message: string, subject?: string): Issue {
  return withSubject({ severity: 'warning', file, line, col, message }, subject);
}

function withSubject(issue: Issue, subject: string | undefined): Issue {
  return subject ? { ...issue, subject } : issue;
}

/** True when any issue is an error (the sync must not apply anything). */
export function hasErrors(issues: readonly Issue[]): boolean {
  return issues.some((i) => i.severity === 'error');
}

/** Stable order for output: by file, then position, errors before warnings at one spot. */
export function sortIssues(issues: readonly Issue[]): Issue[] {
  return [...issues].sort(
    (a, b) =>
      compareText(a.file, b.file) ||
      a.line - b.line ||
      a.col - b.col ||
      (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1) ||
      compareText(a.message, b.message),
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The message as printed: prefixed with `Kind/name: ` when the issue concerns an object. */
export function describeIssue(issue: Issue): string {
  return issue.subject ? `${issue.subject}: ${issue.message}` : issue.message;
}

/**
 * Renders issues, sorted. `text`: `file:line:col: error: Kind/name: message`, one per line;
 * `json`: a JSON array of the Issue objects; `github`: `::error file=…,line=…,col=…::message`
 * workflow commands (GitHub turns them into annotations on the PR diff).
 */
export function formatIssues(issues: readonly Issue[], format: IssueFormat): string {
  const sorted = sortIssues(issues);
  if (format === 'json') return JSON.stringify(sorted, null, 2);
  if (format === 'github') return sorted.map(githubLine).join('\n');
  // A value quoted in a message (or a file name) may hold a newline: one issue stays one line.
  return sorted
    .map((i) => `${escapeText(i.file)}:${i.line}:${i.col}: ${i.severity}: ${escapeText(describeIssue(i))}`)
    .join('\n');
}

function githubLine(issue: Issue): string {
  const props = `file=${escapeProperty(escapeText(issue.file))},line=${issue.line},col=${issue.col}`;
  // Newlines are GitHub's to render (%0A inside the annotation); other controls are escaped.
  return `::${issue.severity} ${props}::${escapeData(escapeText(describeIssue(issue), { keepNewlines: true }))}`;
}

// GitHub workflow command escaping: data escapes %, CR, LF; properties also `:` and `,`.
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
