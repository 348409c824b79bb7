/**
 * `modsync sync`: one full cycle (a CronJob runs exactly this). Exit 0 on success, changed or
 * not; 1 when any stage failed, including single objects that could not be applied.
 */
import type { Command } from './command.ts';
import { EXIT } from './exit-codes.ts';
import { hasChanges } from '../core/change-set.ts';
import { markBusy } from './run-weight.ts';
import { lockedMessage, printResult, runFromConfig } from './sync-run.ts';

export const syncCommand: Command = {
  name: 'sync',
  summary: 'run one sync: apply git to the cluster, prune, approve, report',
  usage: 'modsync sync --repo <https-url|dir> [--dry-run] [--prune|--no-prune] [--max-destructive N]',
  help: `Fetches the repository, validates it, reads the cluster, plans, applies the drifted objects
with server-side apply (field manager "modsync"), prunes what this instance owns and git no longer
has, within the destructive-change budget. --dry-run stops after the plan (nothing is written).
Exit codes: 0 success, 1 failure, 3 another sync holds the lease.`,
  flags: [
    { name: 'dry-run', type: 'boolean', description: 'plan only: no writes' },
    {
      name: 'output',
      short: 'o',
      type: 'string',
      choices: ['text', 'json'],
      default: 'text',
      description: 'output format',
    },
  ],
  settings: ['instance', 'git', 'cluster', 'sync', 'status', 'host', 'log'],
  async run(ctx) {
    const run = await runFromConfig(ctx, ctx.flags['dry-run'] ? 'dry-run' : 'sync');
    if (run.locked) {
      ctx.out(lockedMessage(run));
      return EXIT.locked;
    }
    const result = run.value;
    if (hasChanges(result.changes) || result.reportCommit) markBusy();
    printResult(ctx, result, ctx.flags.output as 'text' | 'json');
    return result.ok ? EXIT.ok : EXIT.failed;
  },
};
