/**
 * `modsync validate [DIR]`: offline check of a checkout, for pull-request CI. Everything the
 * sync's load stage checks, minus what needs the cluster (references to objects not in git
 * are warnings here) and secret values (placeholders are checked for syntax only).
 */
import { resolve } from 'node:path';
import { checkReferences, loadDesiredState } from '../pipeline/load.ts';
import { formatIssues, hasErrors } from '../manifests/issues.ts';
import type { Command } from './command.ts';
import { EXIT } from './exit-codes.ts';
import { statusFolder } from './repo-paths.ts';

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check manifests offline (for pull-request CI)',
  usage: 'modsync validate [DIR] [--output text|json|github]',
  help: `Loads every *.yaml/*.yml under DIR/<path> (DIR defaults to the current directory,
<path> to git.path) and reports every problem as file:line:col. Exit 0 when valid, 1 otherwise.
--output github prints workflow commands that GitHub Actions turns into annotations.`,
  flags: [
    {
      name: 'output',
      short: 'o',
      type: 'string',
      choices: ['text', 'json', 'github'],
      default: 'text',
      description: 'output format',
    },
  ],
  settings: ['git.path', 'status.path', 'log'],
  async run(ctx) {
    const dir = resolve(ctx.args[0] ?? '.');
    const state = await loadDesiredState({
      repoDir: dir,
      root: ctx.config.git.path,
      excludePaths: [statusFolder(ctx.config)],
    });
    const issues = [...state.issues, ...checkReferences(state, null)];
    const format = ctx.flags.output as 'text' | 'json' | 'github';
    const text = formatIssues(issues, format);
    if (text) ctx.out(text.endsWith('\n') ? text : text + '\n');
    const errors = issues.filter((i) => i.severity === 'error').length;
    if (format === 'text')
      ctx.out(
        `${state.objects.length} objects and ${state.approvals.length} approvals in ${state.files} files: ${errors} errors, ${issues.length - errors} warnings\n`,
      );
    return hasErrors(issues) ? EXIT.failed : EXIT.ok;
  },
};
