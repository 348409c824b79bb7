/**
 * Renders a ChangeSet for people and machines: a field-level text diff for terminals and
 * logs, markdown for pull-request comments, and a stable JSON shape for tools. Values in the
 * entries are already masked by the planner; nothing here unmasks or adds values.
 */
import type { ChangeEntry, ChangeSet, FieldChange } from './change-set.ts';
import { countByAction } from './change-set.ts';
import { escapeText } from './escape-text.ts';

export type ChangeFormat = 'text' | 'json' | 'markdown';

export interface RenderOptions {
  /** ANSI colors (text only); callers enable it on a TTY. */
  color: boolean;
  /** The changes were carried out (a sync), not planned: the summary says what was done. */
  applied?: boolean;
}

/** Counts behind the summary line; held, deferred and failed entries count only there. */
export interface ChangeSummary {
  create: number;
  update: number;
  adopt: number;
  delete: number;
  unchanged: number;
  approve: number;
  unapprove: number;
  held: number;
  deferred: number;
  failed: number;
}

/** Tallies entries the way the summary line reports them. */
export function summarize(changes: ChangeSet): ChangeSummary {
  const s: ChangeSummary = { ...countByAction([]), held: 0, deferred: 0, failed: 0 };
  for (const c of changes) {
    if (c.outcome === 'held' || c.outcome === 'deferred' || c.outcome === 'failed') s[c.outcome] += 1;
    else s[c.action] += 1;
  }
  return s;
}

/** `Plan: 1 to create, 2 to update, 0 to delete, 5 unchanged, 1 held` (+ adopt/deferred/failed/approvals when any). */
export function summaryLine(changes: ChangeSet, applied = false): string {
  const s = summarize(changes);
  const verb = (planned: string, done: string): string => (applied ? done : planned);
  const parts = [`${s.create} ${verb('to create', 'created')}`, `${s.update} ${verb('to update', 'updated')}`];
  if (s.adopt) parts.push(`${s.adopt} ${verb('to adopt', 'adopted')}`);
  parts.push(`${s.delete} ${verb('to delete', 'deleted')}`, `${s.unchanged} unchanged`, `${s.held} held`);
  if (s.approve) parts.push(`${s.approve} ${verb('to approve', 'approved')}`);
  if (s.unapprove) parts.push(`${s.unapprove} ${verb('to unapprove', 'unapproved')}`);
  if (s.deferred) parts.push(`${s.deferred} deferred`);
  if (s.failed) parts.push(`${s.failed} failed`);
  return `${applied ? 'Sync' : 'Plan'}: ${parts.join(', ')}`;
}

const ANSI = {
  red: '\u001b[31m',
  green: '\u001b[32m',
  yellow: '\u001b[33m',
  magenta: '\u001b[35m',
  dim: '\u001b[2m',
  reset: '\u001b[0m',
};

const SIGN: Record<ChangeEntry['action'], string> = {
  create: '+',
  update: '~',
  adopt: '^',
  delete: '-',
  unchanged: '=',
  approve: '✓',
  unapprove: '✗',
};

/** A value as written in a diff line: plain when unambiguous, JSON otherwise. */
export function formatValue(v: unknown): string {
  if (v === undefined) return '(none)';
  if (typeof v === 'string') {
    // Quote strings that would read as something else (`"true"`, `"1"`, `""`, padded or odd text).
    const plain = /^[\w./:@+-][\w ./:@+-]*$/.test(v) && v.trim() === v && !/^(true|false|null|-?\d[\d.e+-]*)$/.test(v);
    return plain ? v : JSON.stringify(v);
  }
  return JSON.stringify(v);
}

function fieldLine(f: FieldChange): string {
  if (!('before' in f) || f.before === undefined) return `${f.path}: ${formatValue(f.after)}`;
  if (!('after' in f) || f.after === undefined) return `${f.path}: ${formatValue(f.before)} → (removed)`;
  return `${f.path}: ${formatValue(f.before)} → ${formatValue(f.after)}`;
}

function headline(c: ChangeEntry): string {
  const notes: string[] = [c.action];
  if (c.outcome !== 'planned') notes.push(c.outcome);
  if (c.destructive) notes.push(`destructive: ${c.destructive}`);
  return `${SIGN[c.action]} ${c.subject} (${notes.join(', ')})`;
}

function colorOf(c: ChangeEntry): string {
  if (c.outcome === 'held' || c.outcome === 'deferred') return ANSI.magenta;
  if (c.outcome === 'failed' || c.action === 'delete') return ANSI.red;
  if (c.action === 'create' || c.action === 'approve') return ANSI.green;
  return ANSI.yellow;
}

function renderText(changes: ChangeSet, color: boolean, applied = false): string {
  const paint = (code: string, s: string) => (color ? `${code}${s}${ANSI.reset}` : s);
  const lines: string[] = [];
  for (const c of changes) {
    if (c.action === 'unchanged' && c.outcome === 'planned') continue;
    lines.push(paint(colorOf(c), headline(c)));
    if (c.message) lines.push(`    ${paint(ANSI.dim, escapeText(c.message))}`);
    for (const f of c.diff ?? []) lines.push(`    ${fieldLine(f)}`);
  }
  lines.push(summaryLine(changes, applied));
  return `${lines.join('\n')}\n`;
}

function cell(s: string): string {
  return escapeText(s).replace(/\|/g, '\\|');
}

function renderMarkdown(changes: ChangeSet): string {
  const visible = changes.filter((c) => !(c.action === 'unchanged' && c.outcome === 'planned'));
  const out: string[] = [`**${summaryLine(changes)}**`, ''];
  if (visible.length === 0) return `${out.join('\n')}No changes.\n`;
  out.push('| | Object | Action | Outcome | Note |', '|---|---|---|---|---|');
  for (const c of visible) {
    const note = [c.destructive ? `destructive: ${c.destructive}` : '', c.message ?? ''].filter(Boolean).join('; ');
    out.push(`| ${SIGN[c.action]} | \`${cell(c.subject)}\` | ${c.action} | ${c.outcome} | ${cell(note)} |`);
  }
  for (const c of visible) {
    if (!c.diff?.length) continue;
    out.push('', `<details><summary>${c.subject} (${c.action})</summary>`, '', '```diff');
    for (const f of c.diff) {
      if (f.before !== undefined) out.push(`- ${f.path}: ${formatValue(f.before)}`);
      if (f.after !== undefined) out.push(`+ ${f.path}: ${formatValue(f.after)}`);
    }
    out.push('```', '', '</details>');
  }
  return `${out.join('\n')}\n`;
}

/** The JSON form: `{summary, changes}` with a fixed key order, for tools and tests. */
function renderJson(changes: ChangeSet): string {
  const entries = changes.map((c) => {
    const e: Record<string, unknown> = {
      subject: c.subject,
      kind: c.id.kind,
      name: c.id.name,
      action: c.action,
      outcome: c.outcome,
    };
    if (c.destructive) e.destructive = c.destructive;
    if (c.message) e.message = c.message;
    if (c.origin) e.origin = c.origin;
    // `before`/`after` are left out when the field is absent on that side (null is a value).
    if (c.diff)
      e.diff = c.diff.map((f) => ({
        path: f.path,
        ...(f.before !== undefined && { before: f.before }),
        ...(f.after !== undefined && { after: f.after }),
      }));
    return e;
  });
  return `${JSON.stringify({ summary: summarize(changes), changes: entries }, null, 2)}\n`;
}

/** Renders `changes` as a text diff, markdown (PR comments) or JSON. */
export function renderChanges(changes: ChangeSet, format: ChangeFormat, opts: RenderOptions): string {
  if (format === 'json') return renderJson(changes);
  if (format === 'markdown') return renderMarkdown(changes);
  return renderText(changes, opts.color, opts.applied);
}
