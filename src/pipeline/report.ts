/**
 * Report stage: renders the status report and commits it only when its bytes changed. The
 * previous report is read from the branch it lives on, so unchanged entries keep their
 * "observed at" commit and time; when it already says what this run would say (its first line
 * carries the key of its content), it is right as it is and nothing is parsed or rendered. Committing
 * goes through GitPort.commit, which replays on a lost push race and never force-pushes.
 */
import { posix } from 'node:path';
import { readCheckoutFile } from '../core/checkout-read.ts';
import type { GitPort } from '../git/port.ts';
import type { Logger } from '../log.ts';
import type { Redactor } from '../core/redact.ts';
import { buildReport, type ReportInput } from '../report/model.ts';
import { contentLine, reportContentKey } from '../report/content-key.ts';
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

/** Renders the report from the run's inputs and commits it when it changed. */
export async function reportStage(
  input: Omit<ReportInput, 'previous'>,
  opts: ReportOptions,
  ports: { git: GitPort; logger: Logger; redactor: Redactor },
): Promise<ReportResult> {
  const yamlPath = posix.join(opts.statusPath, 'status.yaml');
  const mdPath = posix.join(opts.statusPath, 'README.md');
  const key = reportContentKey(input);
  const previous = await readPrevious(yamlPath, mdPath, opts, ports);
  if (previous.yaml?.startsWith(contentLine(key)) && previous.readme) {
    ports.logger.info({ statusCommit: null, changed: false }, 'status report unchanged (same content)');
    return { commit: null, files: {} };
  }
  const report = buildReport({ ...input, previous: parseReport(previous.yaml) });
  // Messages from the cluster can quote values; the report goes to git, so scrub it.
  const files = {
    [yamlPath]: ports.redactor.scrub(contentLine(key) + renderYaml(report)),
    [mdPath]: ports.redactor.scrub(renderMarkdown(report)),
  };
  if (opts.dryRun) return { commit: null, files };
  const commit = await ports.git.commit({
    files,
    message: `modsync: status report (${report.lastSync.result})`,
    branch: opts.branch,
  });
  ports.logger.info(
    { statusCommit: commit, changed: commit !== null },
    commit ? 'status report committed' : 'status report unchanged',
  );
  return { commit, files };
}

/**
 * The previous status.yaml (null when absent or unusable) and whether its README.md is there.
 * From the checkout both go through the guarded reader: a link (inside or out), a FIFO, a
 * device or an oversized file counts as absent, so the commit of the new report replaces it
 * with a regular file.
 */
async function readPrevious(
  yamlPath: string,
  mdPath: string,
  opts: ReportOptions,
  ports: { git: GitPort; logger: Logger },
): Promise<{ yaml: string | null; readme: boolean }> {
  if (!opts.checkoutDir) {
    const read = await ports.git.readFiles(opts.branch, [yamlPath, mdPath]);
    const text = read[yamlPath] ?? null;
    return {
      yaml: text !== null && text.length <= MAX_REPORT_BYTES ? text : null,
      readme: typeof read[mdPath] === 'string',
    };
  }
  const readme = await readCheckoutFile(opts.checkoutDir, mdPath, MAX_REPORT_BYTES).catch(() => null);
  return { yaml: await readYaml(yamlPath, opts.checkoutDir, ports), readme: Boolean(readme && !('refused' in readme)) };
}

async function readYaml(yamlPath: string, checkoutDir: string, ports: { logger: Logger }): Promise<string | null> {
  const read = await readCheckoutFile(checkoutDir, yamlPath, MAX_REPORT_BYTES).catch(() => null);
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
