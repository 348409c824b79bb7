/**
 * `modsync export` as a pure function: which live objects go to git, where (the repo layout of
 * examples/clusters/demo: sources/, policies/, modules/), and the text of each file. Credentials
 * never reach a file: a ModuleSource's `spec.registry.dockerCfg` becomes `${secret:<name>}`
 * and the command tells which secret files to create.
 */
import { Document } from 'yaml';
import { jsonEqual } from '../core/values.ts';
import type { ManagedKind } from '../core/kinds.ts';
import { isManagedKind } from '../core/kinds.ts';
import type { KubeObject } from '../core/object.ts';
import { subjectOf } from '../core/object.ts';
import { isHeritage, isProtected } from '../core/ownership.ts';
import { parseKubectlYaml } from '../manifests/yaml.ts';
import type { RawSchema } from './clean.ts';
import { cleanForExport } from './clean.ts';

/** Folder of each kind under the root path. */
export const EXPORT_FOLDERS: Record<ManagedKind, string> = {
  ModuleSource: 'sources',
  ModuleUpdatePolicy: 'policies',
  ModuleConfig: 'modules',
};

/** Options of planExport. */
export interface ExportOptions {
  /** `sync.protected`: left out unless `includeProtected`. */
  protectedList: readonly string[];
  includeProtected: boolean;
  /** CRD schema of a served version, for objects without managedFields (CRD defaults). */
  schemaFor?: (apiVersion: string, kind: string) => RawSchema | undefined;
}

/** One file to write. */
export interface ExportFile {
  /** Relative to the root path, posix separators: `sources/example.yaml`. */
  path: string;
  subject: string;
  content: string;
  /** The secret the file's `${secret:NAME}` placeholder needs. */
  secret?: string;
}

/** What export does with the live objects. */
export interface ExportPlan {
  files: ExportFile[];
  skipped: { subject: string; reason: string }[];
}

/**
 * YAML that modsync (kubectl's scalar rules) reads back as the very same object, else JSON.
 * Written with the full YAML 1.1 schema, so strings other readers could take for something
 * else (`8:00`, `on`, `y`) are quoted.
 */
export function renderYaml(obj: KubeObject): string {
  const text = new Document(obj, { version: '1.1', schema: 'yaml-1.1' }).toString({ lineWidth: 0 });
  return jsonEqual(parseKubectlYaml(text), obj) ? text : `${JSON.stringify(obj, null, 2)}\n`;
}

function header(subject: string, managers: string[], secret: string | undefined): string {
  const lines = [`# ${subject}, exported from the cluster by 'modsync export'.`];
  if (managers.length > 0) lines.push(`# Its fields were set by: ${managers.join(', ')}.`);
  if (secret) lines.push(`# The registry credentials are read at sync time from the secret "${secret}" (not in git).`);
  return lines.join('\n') + '\n';
}

function skipReason(obj: KubeObject, opts: ExportOptions): string | undefined {
  if (isHeritage(obj)) return "Deckhouse's own object (heritage: deckhouse)";
  if (obj.metadata.deletionTimestamp) return 'being deleted';
  const id = { kind: obj.kind as ManagedKind, name: obj.metadata.name };
  if (!opts.includeProtected && isProtected(id, opts.protectedList)) {
    return 'protected (sync.protected); --include-protected exports it';
  }
  return undefined;
}

/** Files for the live ModuleSources, ModuleUpdatePolicies and ModuleConfigs, in apply order. */
export function planExport(live: readonly KubeObject[], opts: ExportOptions): ExportPlan {
  const files: ExportFile[] = [];
  const skipped: ExportPlan['skipped'] = [];
  for (const obj of live) {
    if (!isManagedKind(obj.kind)) continue;
    const subject = subjectOf({ kind: obj.kind, name: obj.metadata.name });
    const reason = skipReason(obj, opts);
    if (reason) {
      skipped.push({ subject, reason });
      continue;
    }
    const { object, managers } = cleanForExport(obj, opts.schemaFor?.(obj.apiVersion, obj.kind));
    let secret: string | undefined;
    const spec = obj.kind === 'ModuleSource' ? object.spec : undefined;
    const registry = spec?.registry as Record<string, unknown> | undefined;
    if (registry && typeof registry.dockerCfg === 'string' && registry.dockerCfg !== '') {
      secret = obj.metadata.name;
      registry.dockerCfg = `\${secret:${secret}}`;
    }
    const file: ExportFile = {
      path: `${EXPORT_FOLDERS[obj.kind]}/${obj.metadata.name}.yaml`,
      subject,
      content: header(subject, managers, secret) + renderYaml(object),
    };
    if (secret) file.secret = secret;
    files.push(file);
  }
  return { files, skipped };
}
