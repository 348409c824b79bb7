/**
 * `modsync status`: the live state of sources, modules, releases and configs with their
 * errors, in one command (the DKP docs' kubectl jsonpath recipes together). Reads one LIST per
 * kind and shows the same tables as the status report in git.
 */
import { escapeText } from '../core/escape-text.ts';
import { buildReport, type StatusReport } from '../report/model.ts';
import { readCluster } from '../pipeline/read.ts';
import type { Command } from './command.ts';
import { EXIT } from './exit-codes.ts';
import { createClusterPort } from './wire.ts';

/** Columns aligned like `kubectl get`. */
export function textTable(headers: string[], rows: unknown[][]): string {
  const text = (c: unknown): string =>
    c === undefined || c === null ? '' : escapeText(String(c).replace(/\s*\n\s*/g, ' '));
  const cells = [headers, ...rows.map((r) => r.map(text))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return (
    cells
      .map((r) =>
        r
          .map((c, i) => (i === r.length - 1 ? c : (c ?? '').padEnd(widths[i]!)))
          .join('   ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

export function renderStatusText(r: StatusReport): string {
  const out: string[] = [];
  out.push(
    'SOURCES',
    textTable(
      ['NAME', 'COUNT', 'PHASE', 'MSG'],
      r.sources.map((s) => [s.name, s.count, s.phase, s.message]),
    ),
  );
  const errors = r.sources.flatMap((s) => s.moduleErrors.map((e) => [s.name, e.module, e.error]));
  if (errors.length) out.push('MODULE ERRORS', textTable(['SOURCE', 'MODULE', 'ERROR'], errors));
  out.push(
    'MODULES',
    textTable(
      ['NAME', 'SOURCE', 'VERSION', 'PHASE', 'ENABLED', 'READY', 'MESSAGE'],
      r.modules.map((m) => [m.name, m.source, m.version, m.phase, m.enabled, m.ready, m.message]),
    ),
  );
  out.push(
    'RELEASES',
    textTable(
      ['NAME', 'PHASE', 'UPDATE POLICY', 'MESSAGE'],
      r.releases.map((x) => [x.name, x.phase, x.updatePolicy, x.message]),
    ),
  );
  out.push(
    'CONFIGS',
    textTable(
      ['NAME', 'ENABLED', 'SOURCE', 'UPDATE POLICY', 'MESSAGE'],
      r.configs.map((c) => [c.name, c.enabled, c.source, c.updatePolicy, c.message]),
    ),
  );
  return out.join('\n');
}

export const statusCommand: Command = {
  name: 'status',
  summary: 'show sources, modules, releases and configs live, with their errors',
  usage: 'modsync status [--kubeconfig F] [--output text|json]',
  help: `Reads the cluster (one LIST per kind) and prints module sources with per-module errors,
modules with their phase, releases with their phase and controller message, and module configs.`,
  flags: [
    {
      name: 'output',
      short: 'o',
      type: 'string',
      choices: ['text', 'json'],
      default: 'text',
      description: 'output format',
    },
  ],
  settings: ['cluster', 'log'],
  async run(ctx) {
    const live = await readCluster(createClusterPort(ctx.config, ctx.env, ctx.logger), ctx.redactor);
    const report = buildReport({
      instance: ctx.config.instance,
      commit: '',
      now: '',
      live,
      changes: [],
      ok: true,
      errors: [],
      requests: [],
    });
    if (ctx.flags.output === 'json') {
      const strip = <T extends object>(xs: T[]): Omit<T, 'observedAt' | 'since'>[] =>
        xs.map(({ observedAt: _o, since: _s, ...rest }: T & { observedAt?: string; since?: string }) => rest);
      ctx.out(
        JSON.stringify(
          {
            sources: strip(report.sources),
            modules: strip(report.modules),
            releases: strip(report.releases),
            configs: strip(report.configs),
          },
          null,
          2,
        ) + '\n',
      );
    } else {
      ctx.out(renderStatusText(report));
    }
    return EXIT.ok;
  },
};
