/**
 * Shapes shared by the pipeline stages: options, ports, per-stage results, the run result.
 */
import type { ChangeSet } from '../core/change-set.ts';
import type { FailureReason } from '../core/errors.ts';
import type { ClusterKind } from '../core/kinds.ts';
import type { KubeObject } from '../core/object.ts';
import type { Redactor } from '../core/redact.ts';
import type { ClusterPort } from '../cluster/port.ts';
import type { GitPort } from '../git/port.ts';
import type { GitHost } from '../host/port.ts';
import type { Issue } from '../manifests/issues.ts';
import type { Logger } from '../log.ts';
import type { SchemaInfo } from '../core/schema-info.ts';
import type { CrdValidator } from '../manifests/crd-schema.ts';
import type { RequestResult } from '../approvals/requests.ts';

/** plan: read-only; dry-run: the same for `sync --dry-run`; sync: the same plan, then writes. */
export type RunMode = 'plan' | 'dry-run' | 'sync';

export interface SyncOptions {
  mode: RunMode;
  instance: string;
  /** Root folder of the manifests inside the repository. */
  root: string;
  /** Status report folder, relative to the repository root (never read as desired state). */
  statusPath: string;
  prune: boolean;
  maxDestructive: number;
  /** `Kind/name` of objects never deleted or disabled. */
  protectedNames: string[];
  /** Other instances whose objects this one takes over (`sync.takeOverInstances`); default none. */
  takeOverInstances?: string[];
  /** Field managers whose claims are taken over on apply (`sync.takeOverManagers`); default kubectl's. */
  takeOverManagers?: string[];
  secretsDir: string;
  env: Record<string, string | undefined>;
  /** How long an enabled ModuleConfig waits for its Module before being deferred. */
  moduleWaitMs: number;
  /** The tracked branch (base of approval pull requests). */
  branch: string;
  /** Write the status report, and to which branch. */
  status: { enabled: boolean; branch: string };
  /** A pinned tag/commit is read-only: no approval branches, no status commits. */
  readOnlyGit: boolean;
  /** CRD schema facts for field sets; loaded once by long-running callers (else per run). */
  schemas?: SchemaInfo;
  /** Folder of the desired-state cache (an unchanged commit is not loaded again); none: no cache. */
  desiredCacheDir?: string;
  /** The compiled manifest validator; built once by long-running callers (else per run). */
  validator?: CrdValidator;
}

/** The cross-process lock a writing sync takes just before its first cluster write. */
export interface SyncLock {
  take(): Promise<{ ok: true } | { ok: false; holder: string; expiresAt: string }>;
}

/** The three narrow ports plus the run's logger and redactor, injected. */
export interface SyncPorts {
  git: GitPort;
  cluster: ClusterPort;
  host?: GitHost;
  logger: Logger;
  redactor: Redactor;
  /** Injected for tests; defaults to a real timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Taken before the first cluster write of a `sync`; absent: no cross-process lock. */
  lock?: SyncLock;
}

export type StageName =
  | 'fetch'
  | 'load'
  | 'read'
  | 'validate'
  | 'plan'
  | 'lock'
  | 'apply'
  | 'prune'
  | 'approve'
  | 'request'
  | 'report';

export interface StageResult {
  stage: StageName;
  ok: boolean;
  reason?: FailureReason;
  message?: string;
  durationMs: number;
}

/** The cluster as read by one LIST per kind. */
export type LiveState = Map<ClusterKind, KubeObject[]>;

export interface SyncResult {
  /** The git commit the run refers to. */
  commit: string | null;
  changes: ChangeSet;
  issues: Issue[];
  stages: StageResult[];
  /** The first stage failure, if any. */
  failure?: FailureReason;
  ok: boolean;
  /** The live state read (for status reports and `status`), when the run got that far. */
  live?: LiveState;
  /** Approval pull requests ensured, updated or closed. */
  requests: RequestResult[];
  /** The status report commit, when one was made. */
  reportCommit?: string | null;
}
