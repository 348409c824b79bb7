/**
 * `modsync approve <module> <version>`: writes an approval file into a local checkout, for
 * people who prefer to commit approvals themselves (or pre-approve a range with --range).
 * Merged into the tracked branch, it approves the matching Pending release on the next sync.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import semver from 'semver';
import { stringify } from 'yaml';
import { approvalFilePath, renderApprovalFile } from '../approvals/pull-request.ts';
import type { Command } from './command.ts';
import { EXIT } from './exit-codes.ts';

const MODULE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const approveCommand: Command = {
  name: 'approve',
  summary: 'write an approval file for a module release into a local checkout',
  usage:
    'modsync approve <module> <version> [--dir CHECKOUT] [--path ROOT]   |   modsync approve <module> --range "<semver range>"',
  help: `Writes <ROOT>/approvals/<module>-v<version>.yaml (a modsync.io/v1alpha1 ModuleReleaseApproval)
into the checkout; commit and merge it to approve the release. --range pre-approves every release
of the module whose version matches the semver range.`,
  flags: [
    { name: 'dir', type: 'string', default: '.', description: 'the local checkout (default: current directory)' },
    { name: 'range', type: 'string', description: 'pre-approve a semver range instead of one version' },
  ],
  settings: ['git.path'],
  async run(ctx) {
    const [module, rawVersion] = ctx.args;
    const range = ctx.flags.range as string | undefined;
    const fail = (msg: string): typeof EXIT.usage => {
      ctx.err(`modsync approve: ${msg}\n`);
      return EXIT.usage;
    };
    if (!module || !MODULE_NAME.test(module))
      return fail('give a module name (lowercase, kebab-case), e.g. "modsync approve module-two 1.2.6"');
    let path: string;
    let content: string;
    if (range !== undefined) {
      if (rawVersion) return fail('give either a version or --range, not both');
      if (!semver.validRange(range)) return fail(`"${range}" is not a semver range (e.g. ">=1.2.5 <1.3.0")`);
      const name = `${module}-range-${range
        .replace(/[^0-9a-z.]+/gi, '-')
        .replace(/^-|-$/g, '')
        .toLowerCase()}`;
      path = join(ctx.config.git.path, 'approvals', `${name}.yaml`);
      content = `# Pre-approves every ${module} release matching "${range}".\n${stringify({ apiVersion: 'modsync.io/v1alpha1', kind: 'ModuleReleaseApproval', metadata: { name }, spec: { module, versions: range } })}`;
    } else {
      const version = semver.valid(rawVersion ?? '');
      if (!version) return fail(`"${rawVersion ?? ''}" is not a version: give the exact release version, e.g. 1.2.6`);
      const name = `${module}-v${version}`;
      path = approvalFilePath(ctx.config.git.path, name);
      content = renderApprovalFile({
        name,
        module,
        version,
        phase: '',
        message: '',
        policy: '',
        source: '',
        approved: false,
      });
    }
    const target = join(String(ctx.flags.dir ?? '.'), path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
    ctx.out(`wrote ${path}: commit it and merge it into the tracked branch to approve\n`);
    return EXIT.ok;
  },
};
