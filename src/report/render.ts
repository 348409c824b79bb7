/**
 * Renders the status report: `README.md` for people (tables in the spirit of `kubectl get`)
 * and `status.yaml` for machines. Pure and deterministic: the same report renders the same
 * bytes, which is what keeps an unchanged cluster from producing commits.
 */
import { parse, stringify } from 'yaml';
import { escapeText } from '../core/escape-text.ts';
import type { Observed, StatusReport } from './model.ts';

function cell(v: unknown): string {
  const s = v === undefined || v === null || v === '' ? '' : String(v);
  return escapeText(s).replace(/\|/g, '\\|');
}

function table(headers: string[], rows: unknown[][]): string {
  if (!rows.length) return '_none_\n';
  const head = `| ${headers.join(' | ')} |\n|${headers.map(() => '---').join('|')}|\n`;
  return head + rows.map((r) => `| ${r.map(cell).join(' | ')} |`).join('\n') + '\n';
}

/** `2026-11-21 12:03 UTC (a1b2c3d)`: when an entry last changed, and at which commit. */
function since(o: Observed): string {
  const t = o.since.replace('T', ' ').slice(0, 16);
  return `${t} UTC (${o.observedAt.slice(0, 7)})`;
}

export function renderMarkdown(r: StatusReport): string {
  const s = r.lastSync;
  const out: string[] = [
    `# modsync status: ${escapeText(r.instance)}`,
    '',
    '_Written by modsync on every sync that changes it; do not edit. The same data for machines is in `status.yaml`._',
    '',
    '## Last sync',
    '',
    table(
      ['RESULT', 'COMMIT', 'SINCE', 'CHANGES', 'ERRORS'],
      [
        [
          s.result + (s.reason ? ` (${s.reason})` : ''),
          s.observedAt.slice(0, 12),
          s.since.replace('T', ' ').slice(0, 16) + ' UTC',
          s.changes.length,
          s.errors.length,
        ],
      ],
    ),
  ];
  if (s.changes.length)
    out.push(
      table(
        ['OBJECT', 'ACTION', 'OUTCOME', 'MESSAGE'],
        s.changes.map((c) => [c.subject, c.action, c.outcome, c.message ?? '']),
      ),
    );
  if (s.errors.length) out.push('Errors:', '', ...s.errors.map((e) => `- ${cell(e)}`), '');
  out.push(
    '## Pending approvals',
    '',
    table(
      ['RELEASE', 'MODULE', 'PULL REQUEST', 'STATE', 'SINCE'],
      r.approvals.map((a) => [
        a.release,
        a.module,
        a.url ? `[${a.branch}](${a.url})` : a.branch ? `branch \`${a.branch}\`` : '-',
        a.state,
        since(a),
      ]),
    ),
  );
  out.push(
    '## Sources',
    '',
    table(
      ['NAME', 'COUNT', 'PHASE', 'MSG', 'SINCE'],
      r.sources.map((x) => [x.name, x.count, x.phase, x.message, since(x)]),
    ),
  );
  const errors = r.sources.flatMap((x) => x.moduleErrors.map((e) => [x.name, e.module, e.error]));
  if (errors.length) out.push('Module errors reported by sources:', '', table(['SOURCE', 'MODULE', 'ERROR'], errors));
  out.push(
    '## Modules',
    '',
    table(
      ['NAME', 'SOURCE', 'VERSION', 'PHASE', 'ENABLED', 'READY', 'MESSAGE', 'SINCE'],
      r.modules.map((m) => [m.name, m.source, m.version, m.phase, m.enabled, m.ready, m.message, since(m)]),
    ),
  );
  out.push(
    '## Releases',
    '',
    table(
      ['NAME', 'PHASE', 'UPDATE POLICY', 'MESSAGE', 'SINCE'],
      r.releases.map((x) => [x.name, x.phase, x.updatePolicy, x.message, since(x)]),
    ),
  );
  out.push(
    '## Module configs',
    '',
    table(
      ['NAME', 'ENABLED', 'SOURCE', 'UPDATE POLICY', 'MESSAGE', 'SINCE'],
      r.configs.map((c) => [c.name, c.enabled, c.source, c.updatePolicy, c.message, since(c)]),
    ),
  );
  return out.join('\n');
}

export function renderYaml(r: StatusReport): string {
  return '# Written by modsync; do not edit. Human-readable: README.md.\n' + stringify(r, { lineWidth: 0 });
}

/** Reads a previous status.yaml back; undefined when absent or not a modsync report. */
export function parseReport(text: string | null | undefined): StatusReport | undefined {
  if (!text) return undefined;
  try {
    // From a commit anyone can push: the library's warnings must not reach stderr raw.
    const doc = parse(text, { logLevel: 'error' }) as StatusReport | null;
    return doc && doc.kind === 'StatusReport' ? doc : undefined;
  } catch {
    return undefined;
  }
}
