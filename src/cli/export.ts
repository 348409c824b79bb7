/**
 * `modsync export`: puts a cluster set up with kubectl under git in one command. Reads the live
 * ModuleSources, ModuleUpdatePolicies and ModuleConfigs (one LIST each) and writes one clean
 * manifest per object in the repository layout (sources/, policies/, modules/ under the root
 * path); credentials become `${secret:NAME}` placeholders and the secret files to create are
 * listed. Existing files are never overwritten without --force.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { APPLY_ORDER } from '../core/kinds.ts';
import type { KubeObject } from '../core/object.ts';
import type { RawSchema } from '../export/clean.ts';
import { planExport } from '../export/files.ts';
import { loadCrdSchemas } from '../manifests/crd-schema.ts';
import type { Command } from './command.ts';
import { EXIT } from './exit-codes.ts';
import { createClusterPort } from './wire.ts';

/** Registers every dockerCfg read with the redactor before anything can print it. */
function registerSecrets(objects: KubeObject[], add: (s: string | undefined) => void): void {
  for (const o of objects) {
    const cfg = (o.spec?.registry as Record<string, unknown> | undefined)?.dockerCfg;
    if (typeof cfg === 'string') add(cfg);
  }
}

export const exportCommand: Command = {
  name: 'export',
  summary: 'write the live sources, policies and module configs as manifests (adopt a cluster)',
  usage: 'modsync export [--path ROOT] [--kubeconfig F] [--output-dir DIR] [--include-protected] [--force]',
  help: `Reads the ModuleSources, ModuleUpdatePolicies and ModuleConfigs of the cluster and writes
one manifest per object under DIR/<path> (sources/, policies/, modules/), keeping only what people
and tools set: no status, server metadata, managedFields, defaults, controller-written fields,
last-applied annotation or modsync label. Deckhouse's own objects (heritage: deckhouse) are left
out, and so are the protected ones (sync.protected) unless --include-protected. A registry
credential is written as \${secret:NAME}; the command lists the secret files to create.
Then: modsync validate DIR, commit, push, and let modsync sync it.`,
  flags: [
    {
      name: 'output-dir',
      type: 'string',
      default: '.',
      description: 'checkout to write into (files go to DIR/<path>)',
    },
    {
      name: 'include-protected',
      type: 'boolean',
      default: false,
      description: 'also export the protected objects (sync.protected)',
    },
    { name: 'force', type: 'boolean', default: false, description: 'overwrite files that exist' },
  ],
  settings: ['git.path', 'cluster', 'sync.protected', 'sync.secretsDir', 'log'],
  async run(ctx) {
    const cluster = createClusterPort(ctx.config, ctx.env, ctx.logger);
    const live: KubeObject[] = [];
    for (const kind of APPLY_ORDER) live.push(...(await cluster.list(kind)));
    registerSecrets(live, (s) => ctx.redactor.add(s));
    const schemas = new Map<string, RawSchema>();
    for (const s of await loadCrdSchemas()) schemas.set(`${s.apiVersion} ${s.kind}`, s.schema as RawSchema);
    const plan = planExport(live, {
      protectedList: ctx.config.sync.protected,
      includeProtected: ctx.flags['include-protected'] === true,
      schemaFor: (apiVersion, kind) => schemas.get(`${apiVersion} ${kind}`),
    });
    const root = resolve(String(ctx.flags['output-dir'] ?? '.'), ctx.config.git.path);
    const existing = plan.files.filter((f) => existsSync(join(root, f.path)));
    if (existing.length > 0 && ctx.flags.force !== true) {
      ctx.out(`export: ${existing.length} file(s) exist already, nothing written (--force overwrites):\n`);
      for (const f of existing) ctx.out(`  ${join(root, f.path)}\n`);
      return EXIT.failed;
    }
    for (const f of plan.files) {
      const file = join(root, f.path);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, ctx.redactor.scrub(f.content), 'utf8');
      ctx.out(`wrote ${file} (${f.subject})\n`);
    }
    for (const s of plan.skipped) ctx.out(`skipped ${s.subject}: ${s.reason}\n`);
    const secrets = plan.files.filter((f) => f.secret);
    if (secrets.length > 0) {
      const dir = ctx.config.sync.secretsDir;
      ctx.out(`\nCreate these secret files where modsync runs (sync.secretsDir, ${dir}), never in git:\n`);
      for (const f of secrets) {
        const file = join(dir, f.secret!);
        const get = `kubectl get modulesource ${f.secret} -o jsonpath='{.spec.registry.dockerCfg}'`;
        ctx.out(`  ${file}: ${get} > ${file}\n`);
      }
    }
    const next = `modsync validate ${String(ctx.flags['output-dir'] ?? '.')}`;
    ctx.out(`\n${plan.files.length} object(s) exported under ${root}; next: ${next}\n`);
    return EXIT.ok;
  },
};
