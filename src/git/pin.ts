/**
 * Which commit a run checks out: the tracked branch's head, or a pinned tag or commit. A commit
 * cannot be asked for by id over protocol v1, so a pinned commit is found by fetching the
 * branch deeper until it shows up.
 */
import { fs } from './node-fs.ts';
import { GitError } from '../core/errors.ts';
import { fetchRef, type Remote } from './iso-git-remote.ts';
import type { ObjectStore } from './iso-git-tree.ts';
import { isoGit } from './iso-git-lib.ts';

/** Deepening steps for a commit pin that is not at the branch head. */
const PIN_DEPTHS = [1, 50, 1000, 1_000_000];
const COMMIT_ID = /^[0-9a-f]{40}$/;

/** Whether resolvePin starts with the remote's advertisement (a branch head or a tag; not a commit pin). */
export function startsWithAdvertisement(pin: string | undefined): boolean {
  return !pin || !COMMIT_ID.test(pin);
}

/** Whether the cache repository has the commit `oid`. */
export async function hasCommit(store: ObjectStore, oid: string): Promise<boolean> {
  const git = await isoGit();
  return git.readCommit({ fs, gitdir: store.gitdir, cache: store.cache, oid }).then(
    () => true,
    () => false,
  );
}

/** Head of the branch on the remote (fetched); an error when the branch does not exist. */
export async function trackedHead(r: Remote, branch: string, url: string): Promise<string> {
  const head = await fetchRef(r, { kind: 'branch', name: branch }, 1);
  if (!head) throw new GitError(`branch ${branch} does not exist`, { subject: url });
  return head;
}

/** The commit to check out: the pin (tag or commit id) when there is one, else the branch head. */
export async function resolvePin(r: Remote, pin: string | undefined, branch: string, url: string): Promise<string> {
  if (!pin) return trackedHead(r, branch, url);
  if (!COMMIT_ID.test(pin)) {
    const tagged = await fetchRef(r, { kind: 'tag', name: pin }, 1);
    if (!tagged) throw new GitError(`tag ${pin} does not exist`, { subject: url });
    return tagged;
  }
  for (const depth of PIN_DEPTHS) {
    if (await hasCommit(r.store, pin)) return pin;
    const head = await fetchRef(r, { kind: 'branch', name: branch }, depth);
    if (!head) throw new GitError(`branch ${branch} does not exist`, { subject: url });
  }
  if (await hasCommit(r.store, pin)) return pin;
  throw new GitError(`commit ${pin} is not in the history of branch ${branch}`, { subject: url });
}
