/**
 * GitPort over HTTPS with isomorphic-git (no git binary in the image). The tracked ref is
 * fetched shallowly into a bare cache repository and written out as a plain working tree;
 * commits and approval branches are built from objects directly (no checkout, no index), so
 * the working tree the pipeline reads is never touched by writes.
 *
 * Cache layout under `cacheDir/<hash of url + branch>/`: `git/` (bare, shallow), `worktree/`
 * (exactly the checked-out commit's tree, no `.git`), `checked-out` (that commit's id; a new
 * commit is checked out by writing only what differs from it).
 */
import type { LogSink } from '../core/log-sink.ts';
import { createHash } from 'node:crypto';
import { fs } from './node-fs.ts';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { GitError } from '../core/errors.ts';
import type { Redactor } from '../core/redact.ts';
import { splitUrlCredentials, type GitAuth } from './auth.ts';
import { wrapGitError } from './iso-git-http.ts';
import { isoGit } from './iso-git-lib.ts';
import {
  askAdvertisement,
  deleteRemoteBranch,
  fetchRef,
  listRemoteBranches,
  pushCommit,
  type Remote,
} from './iso-git-remote.ts';
import { applyEdits, checkoutWorktree, readPath, type ObjectStore } from './iso-git-tree.ts';
import { hasCommit, resolvePin, startsWithAdvertisement, trackedHead as trackedHeadOf } from './pin.ts';
import type { BranchResult, Checkout, CommitRequest, FileEdits, GitPort } from './port.ts';
import { monotonicMs } from '../core/monotonic.ts';

export interface IsoGitOptions {
  /** HTTPS (or HTTP) clone URL. Credentials in it are moved to `auth` and never stored. */
  url: string;
  /** Tracked branch: desired state is read from it, status commits go to it by default. */
  branch: string;
  /** Pin: a tag name or a full 40-hex commit id (must be on `branch`). Default: the branch head. */
  revision?: string;
  /** Where clones are kept between runs (a volume in the cluster keeps fetches small). */
  cacheDir: string;
  auth?: GitAuth;
  /** Author and committer of modsync's commits. */
  author: { name: string; email: string };
  /** Deadline of each network operation (one fetch, one push, one listing). Default 60 s. */
  timeoutMs?: number;
  /** How many times a push that lost a race is replayed on the new head. Default 5. */
  pushRetries?: number;
  logger?: LogSink;
  /** Scrubs error messages (the token is registered by `loadGitAuth`). */
  redactor?: Redactor;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_PUSH_RETRIES = 5;
/** Each fetch adds a pack and isomorphic-git has no gc: past this many, start a fresh clone. */
const MAX_PACKS = 50;
/** isomorphic-git errors that mean the local cache, not the remote, is at fault. */
const CACHE_ERRORS = new Set(['NotFoundError', 'ObjectTypeError', 'InternalError', 'InvalidOidError', 'ENOENT']);

/** True for a wrapped failure caused by an unreadable cache (missing or corrupt objects). */
function isBrokenCache(err: unknown): boolean {
  if (!(err instanceof GitError) || err.transient) return false;
  const cause = err.cause as { code?: string; caller?: string } | undefined;
  if (!cause?.code || !CACHE_ERRORS.has(cause.code)) return false;
  // A ref missing on the remote is not the cache's fault.
  return cause.caller !== 'git.fetch' || cause.code !== 'NotFoundError';
}

/** Creates the isomorphic-git adapter; nothing touches the network before the first call. */
export function createIsoGit(opts: IsoGitOptions): GitPort {
  const { url, auth } = splitUrlCredentials(opts.url, opts.auth, opts.redactor);
  const base = path.join(
    opts.cacheDir,
    createHash('sha256').update(`${url}\n${opts.branch}`).digest('hex').slice(0, 16),
  );
  const gitdir = path.join(base, 'git');
  const worktree = path.join(base, 'worktree');
  const stateFile = path.join(base, 'checked-out');
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const pushRetries = opts.pushRetries ?? DEFAULT_PUSH_RETRIES;
  const log = opts.logger;

  // One operation at a time: they share the cache repository and its refs.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };

  const remote = (): Remote => ({ url, auth, timeoutMs, store: { gitdir, cache: {} } });
  // The refs the last checkout saw, for branch listings until modsync itself writes a ref: the
  // approval branches are modsync's own, so a run needs no second advertisement to list them.
  let refsAtCheckout: Remote['advertised'];
  const wrap = (action: string) => (err: unknown) => {
    throw wrapGitError(err, { url, action, ...(opts.redactor ? { redactor: opts.redactor } : {}) });
  };

  async function ensureRepo(): Promise<void> {
    const packs = await readdir(path.join(gitdir, 'objects', 'pack')).catch(() => null);
    if (packs && packs.filter((f) => f.endsWith('.pack')).length > MAX_PACKS) {
      log?.info({ gitdir }, 'git cache has too many packs, starting a fresh clone');
      await rm(gitdir, { recursive: true, force: true });
    } else if (packs) {
      return;
    }
    await mkdir(gitdir, { recursive: true });
    const git = await isoGit();
    await git.init({ fs, gitdir, bare: true, defaultBranch: opts.branch });
    // isomorphic-git needs a remote with a fetch refspec to record remote refs; the URL is
    // the credential-free one.
    await git.addRemote({ fs, gitdir, remote: 'origin', url, force: true });
  }

  /** Head of `branch` on the remote (fetched), or null when the branch does not exist. */
  async function branchHead(r: Remote, branch: string): Promise<string | null> {
    return fetchRef(r, { kind: 'branch', name: branch }, 1);
  }

  const trackedHead = (r: Remote): Promise<string> => trackedHeadOf(r, opts.branch, url);

  function signature(): { name: string; email: string; timestamp: number; timezoneOffset: number } {
    return { ...opts.author, timestamp: Math.floor(Date.now() / 1000), timezoneOffset: 0 };
  }

  async function writeCommitOn(parent: string, tree: string, message: string): Promise<string> {
    const who = signature();
    const git = await isoGit();
    return git.writeCommit({
      fs,
      gitdir,
      commit: {
        message: message.endsWith('\n') ? message : `${message}\n`,
        tree,
        parent: [parent],
        author: who,
        committer: who,
      },
    });
  }

  async function treeOf(store: ObjectStore, commit: string): Promise<string> {
    const git = await isoGit();
    return (await git.readCommit({ fs, gitdir, cache: store.cache, oid: commit })).commit.tree;
  }

  async function commitOnce(
    req: CommitRequest,
    branch: string,
  ): Promise<{ done: true; commit: string | null } | { done: false; detail: string }> {
    const r = remote();
    const head = await branchHead(r, branch);
    const parent = head ?? (await trackedHead(r));
    const baseTree = await treeOf(r.store, parent);
    const tree = await applyEdits(r.store, baseTree, req.files);
    if (tree === baseTree && head) return { done: true, commit: null };
    // A new branch whose content equals the tracked branch starts at the tracked head itself.
    const commit = tree === baseTree ? parent : await writeCommitOn(parent, tree, req.message);
    const outcome = await pushCommit(r, commit, branch, false);
    if (!outcome.pushed) return { done: false, detail: outcome.detail };
    return { done: true, commit: commit === parent ? null : commit };
  }

  /** Points `branch` at "tracked head + files" unless it already is exactly that. */
  async function putBranchOnce(branch: string, files: FileEdits, message: string): Promise<BranchResult> {
    const r = remote();
    const baseCommit = await trackedHead(r);
    const tree = await applyEdits(r.store, await treeOf(r.store, baseCommit), files);
    // Depth 2: the branch's parent is needed to see what the branch itself changes.
    const existing = await fetchRef(r, { kind: 'branch', name: branch }, 2);
    if (existing) {
      const git = await isoGit();
      const { commit } = await git.readCommit({ fs, gitdir, cache: r.store.cache, oid: existing });
      const parent = commit.parent.length === 1 ? commit.parent[0]! : undefined;
      // Unchanged when the branch is one commit making exactly these edits, on the current base
      // or an older one: a newer tracked head alone (e.g. a status commit) is no reason to push.
      if (
        parent &&
        (await hasCommit(r.store, parent)) &&
        (await applyEdits(r.store, await treeOf(r.store, parent), files)) === commit.tree
      ) {
        return { commit: existing, changed: false, created: false };
      }
    }
    const commit = await writeCommitOn(baseCommit, tree, message);
    // The branch is modsync's own, so it may be rewritten (force); the tracked branch never is.
    const outcome = await pushCommit(r, commit, branch, true);
    if (!outcome.pushed) throw new GitError(`push to ${branch} was rejected: ${outcome.detail}`, { subject: url });
    log?.info({ branch, commit }, 'git branch updated');
    return { commit, changed: true, created: !existing };
  }

  async function readFilesOnce(branch: string, paths: string[]): Promise<FileEdits> {
    const r = remote();
    const head = await branchHead(r, branch);
    const out: FileEdits = {};
    for (const p of paths) out[p] = head ? await readPath(r.store, head, p) : null;
    return out;
  }

  async function checkoutOnce(): Promise<Checkout> {
    const started = monotonicMs();
    const r = remote();
    if (startsWithAdvertisement(opts.revision)) askAdvertisement(r);
    await ensureRepo();
    const ref = opts.revision ?? opts.branch;
    refsAtCheckout = undefined;
    const commit = await resolvePin(r, opts.revision, opts.branch, url).catch(wrap(`fetch ${ref}`));
    refsAtCheckout = r.advertised;
    const fetchMs = Math.round(monotonicMs() - started);
    const tree = await checkoutWorktree(r.store, commit, { worktree, stateFile }, log).catch(
      wrap(`check out ${commit}`),
    );
    log?.info(
      {
        commit,
        ref,
        fetchMs,
        totalMs: Math.round(monotonicMs() - started),
        tree,
        treeWritten: tree !== 'unchanged',
      },
      'git checkout done',
    );
    return { dir: worktree, commit, ref, exact: true };
  }

  return {
    checkout: () =>
      serial(async () => {
        try {
          return await checkoutOnce();
        } catch (err) {
          if (!isBrokenCache(err)) throw err;
          // A fetch killed half-way (pod eviction) can leave a cache git cannot read: start over once.
          log?.warn({ err: (err as Error).message }, 'git cache unreadable, cloning again');
          await rm(gitdir, { recursive: true, force: true });
          await rm(stateFile, { force: true });
          return checkoutOnce();
        }
      }),

    commit: (req) =>
      serial(async () => {
        refsAtCheckout = undefined;
        const branch = req.branch ?? opts.branch;
        await ensureRepo();
        let detail = '';
        for (let attempt = 0; attempt <= pushRetries; attempt++) {
          const result = await commitOnce(req, branch).catch(wrap(`commit to ${branch}`));
          if (result.done) {
            if (result.commit) log?.info({ branch, commit: result.commit, attempt }, 'git commit pushed');
            return result.commit;
          }
          detail = result.detail;
          log?.warn({ branch, attempt, detail }, 'git push rejected, replaying on the new head');
        }
        throw new GitError(
          `push to ${branch} was rejected ${pushRetries + 1} times (${detail}); giving up for this run`,
          {
            subject: url,
            transient: true,
          },
        );
      }),

    putBranch: (branch, files, message) =>
      serial(async () => {
        refsAtCheckout = undefined;
        await ensureRepo();
        return putBranchOnce(branch, files, message).catch(wrap(`update branch ${branch}`));
      }),

    readFiles: (branch, paths) =>
      serial(async () => {
        await ensureRepo();
        return readFilesOnce(branch, paths).catch(wrap(`read ${branch}`));
      }),

    listBranches: (prefix) =>
      serial(() => listRemoteBranches(remote(), prefix, refsAtCheckout).catch(wrap('list branches'))),

    deleteBranch: (branch) =>
      serial(async () => {
        refsAtCheckout = undefined;
        await ensureRepo();
        const r = remote();
        const exists = (await listRemoteBranches(r, branch).catch(wrap('list branches'))).includes(branch);
        if (!exists) return;
        await deleteRemoteBranch(r, branch).catch(wrap(`delete branch ${branch}`));
        log?.info({ branch }, 'git branch deleted');
      }),
  };
}
