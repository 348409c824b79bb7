/**
 * Report stage: renders the status report and commits it only when its bytes
 * changed. The previous report is read from the branch it lives on, so unchanged entries keep
 * their "observed at" commit and time. Committing goes through GitPort.commit, which replays
 * on a lost push race and never force-pushes.
 */
import { posix } from 'node:path';
import { readCheckoutFile } from '../core/checkout-read.ts';
import type { GitPort } from '../git/port.ts';
import type { Logger } from '../log.ts';
import type { Redactor } from '../core/redact.ts';
import { buildReport, type ReportInput } from '../report/model.ts';
import { parseReport, renderMarkdown, renderYaml } from '../report/render.ts';

/**
 * Largest previous report read back (8 MiB): thousands of entries fit; a bigger file (or a
 * link to /dev/zero) is treated as absent and replaced, never read whole.
 */
export const MAX_REPORT_BYTES = 8 * 1024 * 1024;

export interface ReportOptions {
  /** Status folder relative to the repository root. */
  statusPath: string;
  /** Branch the report is committed to. */
  branch: string;
  dryRun: boolean;
  /**
   * The run's checkout, when the report lives on the tracked branch: it already holds the
   * previous report, so it is read there instead of asking the remote again.
   */
  checkoutDir?: string;
}

export interface ReportResult {
  /** The new commit, or null when the report did not change (or dry run). */
  commit: string | null;
  files: Record<string, string>;
}

export async function reportStage(input: Omit<ReportInput, 'previous'>, opts: ReportOptions, ports: { git: GitPort; logger: Logger; redactor: Redactor }): Promise<ReportResult> {
  const yamlPath = posix.join(opts.statusPath, 'status.yaml');
  const mdPath = posix.join(opts.statusPath, 'README.md');
  const previousText = await readPrevious(yamlPath, opts, ports);
  const report = buildReport({ ...input, previous: parseReport(previousText) });
  // Messages from the cluster can quote values; the report goes to git, so scrub it.
  const files = { [yamlPath]: ports.redactor.scrub(renderYaml(report)), [mdPath]: ports.redactor.scrub(renderMarkdown(report)) };
  if (opts.dryRun) return { commit: null, files };
  const commit = await ports.git.commit({ files, message: `modsync: status report (${report.lastSync.result})`, branch: opts.branch });
  ports.logger.info({ statusCommit: commit, changed: commit !== null }, commit ? 'status report committed' : 'status report unchanged');
  return { commit, files };
}

/**
 * The previous status.yaml, or null when absent or unusable. From the checkout it goes through
 * the guarded reader: a link (inside or out), a FIFO, a device or an oversized file counts as
 * absent, so the commit of the new report replaces it with a regular file.
 */
async function readPrevious(
  yamlPath: string,
  opts: ReportOptions,
  ports: { git: GitPort; logger: Logger },
): Promise<string | null> {
  if (!opts.checkoutDir) {
    const text = (await ports.git.readFiles(opts.branch, [yamlPath]))[yamlPath] ?? null;
    return text !== null && text.length <= MAX_REPORT_BYTES ? text : null;
  }
  const read = await readCheckoutFile(opts.checkoutDir, yamlPath, MAX_REPORT_BYTES).catch(() => null);
  if (!read) return null;
  if ('refused' in read) {
    if (read.refused.reason !== 'missing') {
      const problem = read.refused.message;
      ports.logger.warn({ file: yamlPath, problem }, 'previous status report ignored; it will be replaced');
    }
    return null;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(read.bytes);
  } catch {
    ports.logger.warn({ file: yamlPath, problem: 'not UTF-8' }, 'previous status report ignored; it will be replaced');
    return null;
  }
}
