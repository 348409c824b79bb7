/**
 * Exit codes, documented in the README ("Exit codes"). A CronJob alerts on anything but 0;
 * `plan` uses 2 for "there are changes" like `terraform plan -detailed-exitcode`.
 */
export const EXIT = {
  /** Success (with or without changes). */
  ok: 0,
  /**
   * The run failed: invalid manifests, unreachable git or cluster, objects that failed to apply, a Lease
   * request that failed for an API reason (`LockFailed`: timeout, 5xx after retries, RBAC)...
   */
  failed: 1,
  /** `plan` only: the plan has changes. */
  changes: 2,
  /** Another sync holds the Lease (`Locked`); nothing was done. */
  locked: 3,
  /** Bad command line or configuration; nothing was done. */
  usage: 64,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
