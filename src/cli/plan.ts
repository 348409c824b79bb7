/**
 * `modsync plan`: what a sync would change, read-only against the cluster (its LISTs, and its
 * served schema when something would be written). Exit 0 no changes, 2 changes, 1 error.
 */
import { hasChanges } from '../core/change-set.ts';
import type { Command } from './command.ts';
import { EXIT } from './exit-codes.ts';
import { printResult, runFromConfig, type OutputFormat } from './sync-run.ts';

export const planCommand: Command = {
  name: 'plan',
  summary: 'show what a sync would change (read-only; exit 2 when there are changes)',
  usage:
    'modsync plan --repo <https-url|dir> [--branch B] [--path ROOT] [--kubeconfig F] [--output text|json|markdown] [--pull-request N --git-host github|gitlab|gitea]',
  help: `Fetches the repository, validates it, reads the cluster (one LIST per kind) and prints a
field-level diff of what "modsync sync" would do: the same plan sync carries out, decided
from the listed objects and their field ownership, with objects that would be written checked
against the schema the cluster serves. Nothing is written.
With --pull-request N, plans the head of pull request N instead of the tracked branch and
creates or updates one comment on it with the change table and field diffs (needs --git-host
and its token; secrets are masked).
Exit codes: 0 no changes, 2 changes, 1 error.`,
  flags: [
    {
      name: 'output',
      short: 'o',
      type: 'string',
      choices: ['text', 'json', 'markdown'],
      default: 'text',
      description: 'output format',
    },
    {
      name: 'pull-request',
      type: 'string',
      description: "plan pull request N's head and post the plan as one sticky comment on it",
    },
  ],
  settings: ['instance', 'git', 'cluster', 'sync', 'status.path', 'host', 'log'],
  async run(ctx) {
    if (ctx.flags['pull-request'] !== undefined) {
      const { runPlanPreview } = await import('./plan-preview.ts');
      return runPlanPreview(ctx, ctx.flags['pull-request']);
    }
    const run = await runFromConfig(ctx, 'plan');
    if (run.locked) return EXIT.locked;
    const result = run.value;
    printResult(ctx, result, ctx.flags.output as OutputFormat);
    if (!result.ok) return EXIT.failed;
    return hasChanges(result.changes) ? EXIT.changes : EXIT.ok;
  },
};
