/**
 * The few typed errors modsync raises. Errors are wrapped once, where they enter from outside
 * (API server, git, forge), and carry the subject they concern so messages start with it.
 * Expected outcomes (nothing to approve, PR already open) are values, not errors.
 */

/** Named stage failures; each maps to an exit code and a metrics label. */
export type FailureReason =
  | 'ConfigInvalid'
  | 'FetchFailed'
  | 'ValidationFailed'
  | 'ClusterReadFailed'
  | 'PlanFailed'
  | 'ApplyFailed'
  | 'PruneFailed'
  | 'ApproveFailed'
  | 'RequestFailed'
  | 'ReportFailed'
  | 'Locked'
  | 'LockFailed';

export class ModsyncError extends Error {
  readonly reason: FailureReason;
  /** `Kind/name`, a file, a branch: what the error is about. */
  readonly subject: string | undefined;
  /** Retrying later may succeed (network, 5xx, 429, lost push race). */
  readonly transient: boolean;

  constructor(
    reason: FailureReason,
    message: string,
    opts: { subject?: string; transient?: boolean; cause?: unknown } = {},
  ) {
    super(opts.subject ? `${opts.subject}: ${message}` : message, { cause: opts.cause });
    this.name = 'ModsyncError';
    this.reason = reason;
    this.subject = opts.subject;
    this.transient = opts.transient ?? false;
  }
}

/** One `causes[]` item of a Kubernetes `Status`. */
export interface StatusCause {
  /** Serialized as `reason` in a Status, e.g. `FieldManagerConflict`, `FieldValueInvalid`. */
  reason?: string;
  message?: string;
  field?: string;
}

/** An API server answer other than success, or no answer at all (code 0). */
export class ClusterError extends Error {
  /** HTTP status code; 0 when the request never got an answer (timeout, reset, refused). */
  readonly code: number;
  /** Kubernetes `Status.reason`, e.g. `NotFound`, `Conflict`, `Invalid`, `Forbidden`. */
  readonly statusReason: string;
  readonly causes: StatusCause[];
  readonly subject: string | undefined;
  /** Set by the origin when it knows better than the status code (cluster/kube-client.ts). */
  readonly #transient: boolean | undefined;

  constructor(
    message: string,
    opts: {
      code: number;
      statusReason?: string;
      causes?: StatusCause[];
      subject?: string;
      cause?: unknown;
      transient?: boolean;
    },
  ) {
    super(opts.subject ? `${opts.subject}: ${message}` : message, { cause: opts.cause });
    this.name = 'ClusterError';
    this.code = opts.code;
    this.statusReason = opts.statusReason ?? '';
    this.causes = opts.causes ?? [];
    this.subject = opts.subject;
    this.#transient = opts.transient;
  }

  /** 5xx, 429, timeouts and resets are worth retrying; 409 resourceVersion conflicts too (unless the origin said). */
  get transient(): boolean {
    if (this.#transient !== undefined) return this.#transient;
    if (this.code === 0 || this.code === 429 || this.code >= 500) return true;
    return this.code === 409 && !this.causes.some((c) => c.reason === 'FieldManagerConflict');
  }
}

/**
 * An error from outside, typed by where it came from (the git remote, the git host's API); the
 * pipeline's stage runner, not the adapter, decides which failure reason it becomes.
 */
abstract class OriginError extends Error {
  /** The branch, URL or pull request it concerns. */
  readonly subject: string | undefined;
  /** Retrying later may succeed (network, 5xx, 429, a lost push race). */
  readonly transient: boolean;

  constructor(message: string, opts: { subject?: string; transient?: boolean; cause?: unknown } = {}) {
    super(opts.subject ? `${opts.subject}: ${message}` : message, { cause: opts.cause });
    this.subject = opts.subject;
    this.transient = opts.transient ?? false;
  }
}

/** The git remote (clone, fetch, push) or the local checkout failed. */
export class GitError extends OriginError {
  override readonly name = 'GitError';
}

/** The git host's API (GitHub, GitLab, Gitea) failed. */
export class HostError extends OriginError {
  override readonly name = 'HostError';
}

/** Message of any thrown value, for logs and reports. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
