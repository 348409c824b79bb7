/**
 * Stage "load": the desired state from a checkout — every manifest under the root, validated
 * (YAML, kind allow-list, CRD schema, metadata, kind rules, duplicates) with `file:line:col`
 * for every problem. Any error means the sync applies nothing. `modsync validate` is this
 * stage plus `checkReferences(state, null)`; `sync` checks references against the cluster.
 */
import { messageOf, ModsyncError } from '../core/errors.ts';
import { readDesiredCache, writeDesiredCache } from '../manifests/desired-cache.ts';
import { mapLimit } from '../core/map-limit.ts';
import type { ManagedKind } from '../core/kinds.ts';
import type { ApprovalManifest, DesiredObject, DesiredState } from '../manifests/desired.ts';
import { subjectOf } from '../core/object.ts';
import { handlerFor } from '../kinds/registry.ts';
import type { CrdValidator } from '../manifests/crd-schema.ts';
import { listManifestFiles, normalizeRelPath, readManifestFile } from '../manifests/files.ts';
import type { Issue } from '../manifests/issues.ts';
import { issueError, issueWarning, sortIssues } from '../manifests/issues.ts';
import { positionOf } from '../manifests/origin.ts';
import { createManifestValidator, validateDocument } from '../manifests/validate-doc.ts';
import type { YamlLimits } from '../manifests/yaml.ts';
import { DEFAULT_YAML_LIMITS, parseManifestFile } from '../manifests/yaml.ts';

export { positionOf };

/** Options of loadDesiredState; `validator`, `maxFileBytes` and `limits` have safe defaults. */
export interface LoadOptions {
  repoDir: string;
  /** Folder inside the repository; '.' for the whole repository. */
  root: string;
  /** Paths relative to repoDir never read as desired state (e.g. the status folder). */
  excludePaths: string[];
  /** Reuse a validator across runs (compiling the CRD schemas takes ~0.1 s); built when absent. */
  validator?: CrdValidator;
  maxFileBytes?: number;
  limits?: YamlLimits;
  /** The folder and commit to cache the result under (a checkout that is exactly the commit). */
  cache?: { dir: string; commit: string };
}

/**
 * Loads and validates the desired state under `root`. Bad content never throws, it becomes
 * issues; I/O failures (no checkout, unreadable files) throw a ModsyncError `ValidationFailed`.
 */
export async function loadDesiredState(opts: LoadOptions): Promise<DesiredState> {
  const cache = opts.cache && { ...opts.cache, root: opts.root, excludePaths: opts.excludePaths };
  if (cache) {
    const hit = await readDesiredCache(cache);
    if (hit) return { ...hit, cached: true };
  }
  try {
    const state = await load(opts);
    if (cache) await writeDesiredCache(cache, state);
    return state;
  } catch (err) {
    if (err instanceof ModsyncError) throw err;
    const missing =
      err &&
      typeof err === 'object' &&
      'code' in err &&
      err.code === 'ENOENT' &&
      'path' in err &&
      err.path === opts.repoDir;
    const message = missing
      ? 'the repository directory does not exist'
      : `cannot read the desired state: ${messageOf(err)}`;
    throw new ModsyncError('ValidationFailed', message, { subject: opts.repoDir, cause: err });
  }
}

/** Manifest files read at once: enough to hide the I/O waits, few enough for open-file limits. */
const READ_CONCURRENCY = 16;

async function load(opts: LoadOptions): Promise<DesiredState> {
  const validator = opts.validator ?? (await createManifestValidator());
  const walked = await listManifestFiles({ repoDir: opts.repoDir, root: opts.root, excludePaths: opts.excludePaths });
  const issues: Issue[] = [...walked.issues];
  const objects: DesiredObject[] = [];
  const approvals: ApprovalManifest[] = [];

  // Files are read concurrently (the I/O waits dominate), then parsed in order.
  const reads = await mapLimit(walked.files, READ_CONCURRENCY, (file) => readManifestFile(file, opts.maxFileBytes));
  for (const [i, file] of walked.files.entries()) {
    const read = reads[i]!;
    if ('issue' in read) {
      issues.push(read.issue);
      continue;
    }
    const parsed = parseManifestFile(read.text, file.path, opts.limits ?? DEFAULT_YAML_LIMITS);
    issues.push(...parsed.issues);
    for (const doc of parsed.docs) {
      const result = validateDocument(doc, validator);
      issues.push(...result.issues);
      if (result.object) objects.push(result.object);
      if (result.approval) approvals.push(result.approval);
    }
  }
  if (walked.files.length === 0 && walked.issues.length === 0) {
    issues.push(
      issueWarning(
        normalizeRelPath(opts.root) || '.',
        1,
        1,
        'no *.yaml or *.yml files under the root: the desired state is empty',
      ),
    );
  }

  const unique = dropDuplicateObjects(objects, issues);
  const uniqueApprovals = dropDuplicateApprovals(approvals, issues);
  return { objects: unique, approvals: uniqueApprovals, issues: sortIssues(issues), files: walked.files.length };
}

/** Same kind and name twice: an error at the second, naming the first; the first one is kept. */
function dropDuplicateObjects(objects: DesiredObject[], issues: Issue[]): DesiredObject[] {
  const seen = new Map<string, DesiredObject>();
  const kept: DesiredObject[] = [];
  for (const obj of objects) {
    const key = subjectOf(obj.id);
    const first = seen.get(key);
    if (!first) {
      seen.set(key, obj);
      kept.push(obj);
      continue;
    }
    const at = positionOf(obj, ['metadata', 'name']);
    issues.push(
      issueError(obj.file, at.line, at.col, `defined twice; first at ${first.file}:${first.line}:${first.col}`, key),
    );
  }
  return kept;
}

function dropDuplicateApprovals(approvals: ApprovalManifest[], issues: Issue[]): ApprovalManifest[] {
  const seen = new Map<string, ApprovalManifest>();
  const kept: ApprovalManifest[] = [];
  for (const a of approvals) {
    const first = seen.get(a.name);
    if (!first) {
      seen.set(a.name, a);
      kept.push(a);
      continue;
    }
    const at = positionOf(a, ['metadata', 'name']);
    issues.push(
      issueError(
        a.file,
        at.line,
        at.col,
        `defined twice; first at ${first.file}:${first.line}`,
        `ModuleReleaseApproval/${a.name}`,
      ),
    );
  }
  return kept;
}

/** What checkReferences needs to know about the cluster. */
export interface ClusterNames {
  has(kind: ManagedKind, name: string): boolean;
}

/**
 * References between objects (a ModuleConfig's `source` and `updatePolicy`) must resolve in
 * git or in the cluster. Offline (`cluster` null) a reference missing from git is a warning
 * (it may exist in the cluster, checked at sync); with a cluster view it is an error, since
 * Deckhouse would reject the ModuleConfig.
 */
export function checkReferences(state: DesiredState, cluster: ClusterNames | null): Issue[] {
  const inGit = new Set(state.objects.map((o) => subjectOf(o.id)));
  const issues: Issue[] = [];
  for (const obj of state.objects) {
    for (const ref of handlerFor(obj.id.kind).references(obj.object)) {
      if (inGit.has(`${ref.kind}/${ref.name}`)) continue;
      const at = positionOf(obj, ref.path);
      const field = ref.path.join('.');
      const subject = subjectOf(obj.id);
      if (cluster === null) {
        issues.push(
          issueWarning(
            obj.file,
            at.line,
            at.col,
            `${field}: ${ref.kind} "${ref.name}" is not in git; it must exist in the cluster (checked at sync)`,
            subject,
          ),
        );
      } else if (!cluster.has(ref.kind, ref.name)) {
        issues.push(
          issueError(
            obj.file,
            at.line,
            at.col,
            `${field}: ${ref.kind} "${ref.name}" not found in git or in the cluster`,
            subject,
          ),
        );
      }
    }
  }
  return sortIssues(issues);
}
