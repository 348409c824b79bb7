/**
 * The git host port: pull requests (merge requests on GitLab) for release approvals and plan
 * previews. One adapter per forge in this folder; the pipeline never imports an adapter,
 * only this interface (the CLI wires the configured one in).
 */

export type HostKind = 'none' | 'github' | 'gitlab' | 'gitea';

export interface PullRequest {
  /** Number (GitHub/Gitea) or IID (GitLab). */
  number: number;
  url: string;
  title: string;
  body: string;
  head: string;
  base: string;
  state: 'open' | 'closed' | 'merged';
  /** Head commit, when the host reports it. */
  headSha?: string;
  /** The head branch lives in another repository (a fork), when the host says so. */
  fromFork?: boolean;
}

export interface PullRequestDraft {
  head: string;
  base: string;
  title: string;
  body: string;
}

/** What `ensurePullRequest` did: the expected outcomes are values, not errors. */
export type EnsureOutcome = 'created' | 'updated' | 'unchanged';

export interface GitHost {
  kind: HostKind;
  /** The open pull request from `head` into `base`, or null. */
  findOpen(head: string, base: string): Promise<PullRequest | null>;
  /**
   * The most recently created pull request from `head` into `base`, in any state (open,
   * closed, merged), or null. The request stage reads a closed, unmerged one as a person's
   * "no" to the releases it proposed.
   */
  findLatest(head: string, base: string): Promise<PullRequest | null>;
  /** Open pull requests whose head branch starts with prefix (modsync's own branches). */
  listOpen(headPrefix: string, base: string): Promise<PullRequest[]>;
  /**
   * Open pull requests into `base` from every head branch (people's and modsync's own), read
   * page by page and capped (50): the daemon previews the plan of those that touch its root.
   */
  listOpenPullRequests(base: string): Promise<PullRequest[]>;
  /** The paths pull request `number` changes (both names of a rename), read page by page and capped. */
  changedFiles(number: number): Promise<string[]>;
  /** Create, or (when one is open for the branch) update title/body only if they changed. */
  ensure(draft: PullRequestDraft): Promise<{ pr: PullRequest | null; outcome: EnsureOutcome }>;
  /**
   * Comment, then close (without merging). A `body`, when given, replaces the pull request's
   * description in the same write that closes it: modsync marks the pull requests it closes
   * itself, so they are never read as a person's decline later.
   */
  close(pr: PullRequest, comment: string, body?: string): Promise<void>;
  /** A pull request by number (for plan previews), null if it does not exist. */
  get(number: number): Promise<PullRequest | null>;
  /**
   * Create or update the one comment on a pull request that contains `marker` (a hidden HTML
   * comment); unchanged bodies are not written. Returns what happened.
   */
  upsertComment(number: number, marker: string, body: string): Promise<EnsureOutcome>;
}
