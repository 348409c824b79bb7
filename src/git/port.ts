/**
 * The git port: how the pipeline reads desired state and writes status reports and approval
 * branches. `iso-git.ts` implements it over HTTPS with isomorphic-git (no git binary), and
 * `local-dir.ts` for a plain directory used in place.
 */

export interface Checkout {
  /** Working tree of the fetched commit. */
  dir: string;
  /** The commit every result of this run refers to; null for a plain directory that is not a git repo. */
  commit: string | null;
  /** What was asked for: branch, tag or commit. */
  ref: string;
  /** The working tree is exactly the commit's tree, written by modsync (so results may be cached by commit). */
  exact?: boolean;
}

/** Files to write (content) or remove (null), paths relative to the repository root. */
export type FileEdits = Record<string, string | null>;

export interface CommitRequest {
  files: FileEdits;
  message: string;
  /** Branch to commit to; default: the tracked branch. */
  branch?: string;
}

export interface BranchResult {
  commit: string;
  /** False when the branch already had exactly this content (nothing pushed). */
  changed: boolean;
  /** True when the branch did not exist before. */
  created?: boolean;
}

export interface GitPort {
  /** Clone or fetch, then check out the tracked ref. */
  checkout(): Promise<Checkout>;
  /**
   * Commit `files` on top of the newest head of the branch and push. A push that loses a race
   * is fetched, replayed on the new head and retried a bounded number of times; never forced.
   * Returns the new commit, or null when the branch already had this content.
   */
  commit(req: CommitRequest): Promise<string | null>;
  /**
   * Point one of modsync's own branches at "base branch head + files" (force-push allowed:
   * these branches belong to modsync). Nothing is pushed when the branch already is one commit
   * making exactly these edits, even on an older base.
   */
  putBranch(branch: string, files: FileEdits, message: string): Promise<BranchResult>;
  /** Read files as they are on a branch (null when the branch or file is missing). */
  readFiles(branch: string, paths: string[]): Promise<FileEdits>;
  /**
   * Remote branches whose name starts with prefix: as the last checkout saw them (no request)
   * until modsync itself writes a ref, then from a new advertisement.
   */
  listBranches(prefix: string): Promise<string[]>;
  deleteBranch(branch: string): Promise<void>;
}
