/**
 * In-memory ports for fast runSync tests: a cluster that stores what is applied (server-side
 * apply approximated as "replace what modsync sends, keep the rest", with a modsync Apply
 * managedFields entry of exactly the applied fields) and a git port over a temp folder whose
 * commits are recorded. Not a Kubernetes server: the e2e tests run dkp-sim for that. These
 * pin the pipeline's own behaviour — stages, reasons, which calls it makes — in milliseconds.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ClusterPort, JsonPatchOp } from '../../src/cluster/port.ts';
import { encodeFieldsV1 } from '../../src/core/field-set.ts';
import { fieldSetOf } from '../../src/core/field-set-walk.ts';
import type { ClusterKind } from '../../src/core/kinds.ts';
import type { KubeObject, ObjectId } from '../../src/core/object.ts';
import { Redactor } from '../../src/core/redact.ts';
import { loadSchemaInfo } from '../../src/core/schema-info.ts';
import type { CommitRequest, GitPort } from '../../src/git/port.ts';
import type { Logger } from '../../src/log.ts';
import type { SyncOptions, SyncPorts } from '../../src/pipeline/types.ts';

const schemas = loadSchemaInfo();

/** Every call the memory cluster got, as `verb Kind/name` (or `verb Kind` for lists). */
export type CallLog = string[];

/** A cluster of plain objects; `fail` makes a verb throw for a subject. */
export class MemoryCluster implements ClusterPort {
  readonly objects = new Map<string, KubeObject>();
  readonly calls: CallLog = [];
  fail: (verb: string, subject: string) => Error | undefined = () => undefined;
  private rv = 1;

  constructor(objects: KubeObject[] = []) {
    for (const o of objects) this.put(o);
  }

  put(o: KubeObject): void {
    const obj = structuredClone(o);
    obj.metadata.resourceVersion = String(this.rv++);
    obj.metadata.uid ??= `uid-${obj.kind}-${obj.metadata.name}`;
    this.objects.set(`${obj.kind}/${obj.metadata.name}`, obj);
  }

  private check(verb: string, subject: string): void {
    this.calls.push(`${verb} ${subject}`);
    const err = this.fail(verb, subject);
    if (err) throw err;
  }

  async list(kind: ClusterKind): Promise<KubeObject[]> {
    this.check('list', kind);
    return [...this.objects.values()].filter((o) => o.kind === kind).map((o) => structuredClone(o));
  }

  async get(id: ObjectId): Promise<KubeObject | null> {
    this.check('get', `${id.kind}/${id.name}`);
    const o = this.objects.get(`${id.kind}/${id.name}`);
    return o ? structuredClone(o) : null;
  }

  async apply(obj: KubeObject, opts: { dryRun: boolean }): Promise<KubeObject> {
    this.check(opts.dryRun ? 'dry-apply' : 'apply', `${obj.kind}/${obj.metadata.name}`);
    const schema = schemas.schemaFor(obj.kind, obj.apiVersion)!;
    const fieldsV1 = encodeFieldsV1(fieldSetOf(obj, schema));
    const stored: KubeObject = structuredClone(obj);
    stored.metadata.managedFields = [
      { manager: 'modsync', operation: 'Apply', apiVersion: obj.apiVersion, fieldsType: 'FieldsV1', fieldsV1 },
    ];
    if (!opts.dryRun) this.put(stored);
    return structuredClone(this.objects.get(`${obj.kind}/${obj.metadata.name}`) ?? stored);
  }

  async mergePatch(id: ObjectId): Promise<KubeObject> {
    this.check('merge-patch', `${id.kind}/${id.name}`);
    return structuredClone(this.objects.get(`${id.kind}/${id.name}`)!);
  }

  async jsonPatch(id: ObjectId, _ops: JsonPatchOp[]): Promise<KubeObject> {
    this.check('json-patch', `${id.kind}/${id.name}`);
    return structuredClone(this.objects.get(`${id.kind}/${id.name}`)!);
  }

  async delete(id: ObjectId): Promise<void> {
    this.check('delete', `${id.kind}/${id.name}`);
    this.objects.delete(`${id.kind}/${id.name}`);
  }

  async deckhouseVersion(): Promise<string | undefined> {
    this.calls.push('deckhouse-version');
    return undefined;
  }

  async openApiSchemas(): Promise<Map<string, never>> {
    this.calls.push('openapi');
    throw new Error('no OpenAPI in the memory cluster');
  }
}

/** A checkout in a temp folder; commits are recorded, `failCommit` makes them throw. */
export class MemoryGit implements GitPort {
  readonly dir = mkdtempSync(join(tmpdir(), 'modsync-memgit-'));
  readonly commits: CommitRequest[] = [];
  failCommit: Error | undefined;
  failCheckout: Error | undefined;
  failReadFiles: Error | undefined;
  /** The commit checkouts name; `exact` says the folder is exactly that commit (cacheable). */
  head = 'c0ffee0000000000000000000000000000000000';
  exact = false;

  constructor(files: Record<string, string>) {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(this.dir, path)), { recursive: true });
      writeFileSync(join(this.dir, path), text);
    }
  }

  async checkout() {
    if (this.failCheckout) throw this.failCheckout;
    return { dir: this.dir, commit: this.head, ref: 'main', exact: this.exact };
  }

  /** Records the commit and writes its files into the checkout, as the next fetch would bring them. */
  async commit(req: CommitRequest): Promise<string | null> {
    if (this.failCommit) throw this.failCommit;
    const changed = Object.entries(req.files).some(([path, text]) => {
      try {
        return readFileSync(join(this.dir, path), 'utf8') !== text;
      } catch {
        return text !== null;
      }
    });
    if (!changed) return null;
    this.commits.push(req);
    for (const [path, text] of Object.entries(req.files)) {
      if (text === null) rmSync(join(this.dir, path), { force: true });
      else {
        mkdirSync(dirname(join(this.dir, path)), { recursive: true });
        writeFileSync(join(this.dir, path), text);
      }
    }
    return `commit-${this.commits.length}`;
  }

  async putBranch() {
    return { commit: 'branch', changed: false };
  }

  async readFiles() {
    if (this.failReadFiles) throw this.failReadFiles;
    return {};
  }

  async listBranches() {
    return [];
  }

  async deleteBranch() {}

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A logger that keeps what was logged. */
export function memoryLogger(lines: LogLine[] = []): Logger {
  const at = (level: string) => (data: unknown, msg?: string) =>
    void lines.push({ level, msg: msg ?? String(data), data });
  const logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger as unknown as Logger;
}

/** One logged line. */
export interface LogLine {
  level: string;
  msg: string;
  data: unknown;
}

/** Ports over the memory cluster and git, with a logger into `lines` and no sleeping. */
export function memoryPorts(cluster: MemoryCluster, git: MemoryGit, lines: LogLine[] = []): SyncPorts {
  return { cluster, git, logger: memoryLogger(lines), redactor: new Redactor(), sleep: async () => {} };
}

/** Sync options for a repository whose manifests are under `clusters/demo`. */
export function memoryOptions(over: Partial<SyncOptions> = {}): SyncOptions {
  return {
    mode: 'sync',
    instance: 'modsync',
    root: 'clusters/demo',
    statusPath: 'clusters/demo/status',
    prune: true,
    maxDestructive: 3,
    protectedNames: ['ModuleConfig/deckhouse', 'ModuleConfig/global'],
    secretsDir: '',
    env: {},
    moduleWaitMs: 0,
    branch: 'main',
    status: { enabled: true, branch: '' },
    readOnlyGit: false,
    schemas,
    ...over,
  };
}
