/**
 * Report stage (sync step 10): renders the status report and commits it only when its bytes
 * changed. The previous report is read from the branch it lives on, so unchanged entries keep
 * their "observed at" commit and time. Committing goes through GitPort.commit, which replays
 * on a lost push race and never force-pushes.
 */
import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { GitPort } from '../git/port.ts';
import type { Logger } from '../log.ts';
import type { Redactor } from '../core/redact.ts';
import { buildReport, type ReportInput } from './model.ts';
import { parseReport, renderMarkdown, renderYaml } from './render.ts';

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
  const previousText = opts.checkoutDir
    ? await readFile(join(opts.checkoutDir, yamlPath), 'utf8').catch(() => null)
    : (await ports.git.readFiles(opts.branch, [yamlPath]))[yamlPath];
  const report = buildReport({ ...input, previous: parseReport(previousText) });
  // Messages from the cluster can quote values; the report goes to git, so scrub it.
  const files = { [yamlPath]: ports.redactor.scrub(renderYaml(report)), [mdPath]: ports.redactor.scrub(renderMarkdown(report)) };
  if (opts.dryRun) return { commit: null, files };
  const commit = await ports.git.commit({ files, message: `modsync: status report (${report.lastSync.result})`, branch: opts.branch });
  ports.logger.info({ statusCommit: commit, changed: commit !== null }, commit ? 'status report committed' : 'status report unchanged');
  return { commit, files };
}
