/**
 * The remote operations the adapter needs, each one bounded by a deadline and sent with fresh
 * headers: fetch one ref shallowly, push one commit to one branch, delete a branch, list
 * branches. They throw raw errors; the port methods wrap them with the right failure reason.
 */
import { fs } from './node-fs.ts';
import { advertisedRefs, readLocalRef, type AdvertisedRef } from './advertisement.ts';
import type { GitAuth } from './auth.ts';
import { freshHeaders, withDeadline } from './iso-git-http.ts';
import { isoGit } from './iso-git-lib.ts';
import type { ObjectStore } from './iso-git-tree.ts';
import { cloneShallow, UnusableAnswerError } from './shallow-clone.ts';

/** Everything needed to talk to one remote repository. */
export interface Remote {
  /** Credential-free URL. */
  url: string;
  auth: GitAuth | undefined;
  timeoutMs: number;
  store: ObjectStore;
  /** Every ref of the last advertisement read through this remote (all branches and tags). */
  advertised?: Map<string, AdvertisedRef>;
  /** An advertisement already on its way (askAdvertisement), for the next fetch at depth 1. */
  asked?: Promise<Map<string, AdvertisedRef>>;
}

/** A ref to fetch: a branch or a tag, by short name. */
export interface RefSpec {
  kind: 'branch' | 'tag';
  name: string;
}

/**
 * Result of a push that reached the server: pushed, or the branch was not updated (a lost
 * race, or a server-side rule such as a protected branch; `detail` says which).
 */
export type PushOutcome = { pushed: true } | { pushed: false; detail: string };

/**
 * Fetches `ref` with history cut at `depth` and returns the commit it points at (annotated
 * tags peeled), or null when the remote has no such ref. The last fetched commit is kept as a
 * local ref. At depth 1 the advertisement alone is asked for first: when the remote ref still
 * points where the local one does, everything is here already and nothing else is sent or read
 * (a no-op costs one request and no pack reads); otherwise the fetch tells the server what it
 * already has, so that for one new commit only its new objects are transferred.
 */
export async function fetchRef(remote: Remote, ref: RefSpec, depth: number): Promise<string | null> {
  const fullRef = ref.kind === 'branch' ? `refs/heads/${ref.name}` : `refs/tags/${ref.name}`;
  if (depth === 1) {
    const advertised = await advertisedRef(remote, fullRef);
    if (!advertised) return null;
    // The local ref is written only after its objects are all stored (fetch or push).
    const local = await readLocalRef(remote.store.gitdir, fullRef);
    if (local === advertised.oid) return advertised.peeled ?? advertised.oid;
    const git = await isoGit();
    // Nothing of this ref here yet: one upload-pack exchange, the pack indexed natively.
    if (!local && (await cloneShallow(remote, advertised.oid).then(() => true, fallBack))) {
      await git.writeRef({ fs, gitdir: remote.store.gitdir, ref: fullRef, value: advertised.oid, force: true });
      return advertised.peeled ?? advertised.oid;
    }
    // The server leaves out what the client has only for commits inside the depth window: at
    // depth 1 a new commit comes with its whole tree, at depth 2 a commit on top of the local
    // one brings just the objects it changed (the common case: one status or human commit).
    if (local) depth = 2;
  }
  const git = await isoGit();
  let fetched: string | null;
  try {
    const result = await withDeadline(remote.timeoutMs, (http) =>
      git.fetch({
        fs,
        http,
        gitdir: remote.store.gitdir,
        cache: remote.store.cache,
        url: remote.url,
        ref: ref.name,
        remoteRef: fullRef,
        singleBranch: true,
        tags: false,
        depth,
        headers: freshHeaders(remote.auth),
      }),
    );
    fetched = result.fetchHead;
  } catch (err) {
    if (isMissingRemoteRef(err, fullRef)) return null;
    throw err;
  }
  if (!fetched) return null;
  await git.writeRef({ fs, gitdir: remote.store.gitdir, ref: fullRef, value: fetched, force: true });
  const { oid } = await git.readCommit({ fs, gitdir: remote.store.gitdir, cache: remote.store.cache, oid: fetched });
  return oid;
}

/** False (fetch with isomorphic-git instead) for an answer the shallow clone could not use; rethrows anything else. */
function fallBack(err: unknown): false {
  if (err instanceof UnusableAnswerError) return false;
  throw err;
}

/**
 * Sends the request for the advertisement now, before the caller's own work (the cache
 * repository's checks): on a no-op run it is the answer everything waits for.
 */
export function askAdvertisement(remote: Remote): void {
  remote.asked = advertisedRefs(remote, 'refs/');
  remote.asked.catch(() => undefined); // read, and its error thrown, by the fetch that uses it
}

/** The remote's advertisement of one ref (protocol v1: a single request), or null when it has none. */
async function advertisedRef(remote: Remote, fullRef: string): Promise<{ oid: string; peeled?: string } | null> {
  const asked = remote.asked;
  remote.asked = undefined;
  remote.advertised = await (asked ?? advertisedRefs(remote, 'refs/'));
  return remote.advertised.get(fullRef) ?? null;
}

function isMissingRemoteRef(err: unknown, fullRef: string): boolean {
  const e = err as { code?: string; data?: { what?: string } };
  return (
    e?.code === 'NotFoundError' &&
    (e.data?.what === fullRef || e.data?.what === fullRef.replace(/^refs\/(heads|tags)\//, ''))
  );
}

/**
 * Pushes `commit` to `branch`. Without `force` the server must be able to fast-forward; a
 * branch that moved meanwhile gives 'rejected' (detected by isomorphic-git before sending, or
 * by the server's compare-and-swap of the ref when the move happened during the push).
 */
export async function pushCommit(remote: Remote, commit: string, branch: string, force: boolean): Promise<PushOutcome> {
  const git = await isoGit();
  try {
    await withDeadline(remote.timeoutMs, (http) =>
      git.push({
        fs,
        http,
        gitdir: remote.store.gitdir,
        cache: remote.store.cache,
        url: remote.url,
        ref: commit,
        remoteRef: `refs/heads/${branch}`,
        force,
        headers: freshHeaders(remote.auth),
      }),
    );
  } catch (err) {
    const e = err as { code?: string; message?: string; data?: { prettyDetails?: string } };
    if (e.code === 'PushRejectedError') return { pushed: false, detail: 'the branch moved (not a fast-forward)' };
    if (e.code === 'GitPushError')
      return { pushed: false, detail: (e.data?.prettyDetails ?? e.message ?? '').replace(/\s+/g, ' ').trim() };
    throw err;
  }
  await git.writeRef({ fs, gitdir: remote.store.gitdir, ref: `refs/heads/${branch}`, value: commit, force: true });
  return { pushed: true };
}

/** Deletes `branch` on the remote. */
export async function deleteRemoteBranch(remote: Remote, branch: string): Promise<void> {
  const git = await isoGit();
  await withDeadline(remote.timeoutMs, (http) =>
    git.push({
      fs,
      http,
      gitdir: remote.store.gitdir,
      cache: remote.store.cache,
      url: remote.url,
      ref: '0'.repeat(40),
      remoteRef: `refs/heads/${branch}`,
      delete: true,
      headers: freshHeaders(remote.auth),
    }),
  );
  await git.deleteRef({ fs, gitdir: remote.store.gitdir, ref: `refs/heads/${branch}` }).catch(() => undefined);
}

/** Remote branch names starting with `prefix`, sorted; from `refs` (an earlier advertisement) when given. */
export async function listRemoteBranches(
  remote: Remote,
  prefix: string,
  refs?: Map<string, AdvertisedRef>,
): Promise<string[]> {
  const full = `refs/heads/${prefix}`;
  const names = [...(refs ?? (await advertisedRefs(remote, full))).keys()].filter((r) => r.startsWith(full));
  return names.map((r) => r.slice('refs/heads/'.length)).sort();
}
