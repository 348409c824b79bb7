/**
 * Object-level tree work without a working checkout: a base tree plus file edits as a new tree
 * (only touched directories rewritten); a commit's tree written out as a plain directory, or
 * brought from one commit to another by writing only what differs (`checkoutWorktree` records
 * which commit the directory holds); single files read.
 */
import { fs } from './node-fs.ts';
import { chmod, lstat, mkdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TreeEntry } from 'isomorphic-git';
import { commitTree, createObjectReader, parseTree, type ObjectReader, type TreeItem } from './object-reader.ts';
import type { ObjectType } from './pack-format.ts';
import type { FileEdits } from './port.ts';
import { isoGit } from './iso-git-lib.ts';

const writeFileFast = promisify(fs.writeFile); // fs/promises' (a FileHandle per file): ~3x slower for 1,000 files

/** Where the objects live (a bare repository directory), isomorphic-git's parsed-object cache
 * shared across one operation's calls, and the checkout's own reader (made on first use). */
export interface ObjectStore {
  gitdir: string;
  cache: object;
  objects?: ObjectReader;
}

async function readTyped(store: ObjectStore, oid: string, type: ObjectType): Promise<Buffer> {
  store.objects ??= createObjectReader(store.gitdir);
  const obj = await store.objects.read(oid);
  if (obj.type !== type) {
    throw Object.assign(new Error(`object ${oid} is a ${obj.type}, expected a ${type}`), { code: 'ObjectTypeError' });
  }
  return obj.content;
}

/** Rejects paths that could escape the repository or touch git's own files. */
export function checkEditPath(p: string): string[] {
  const parts = p.split('/');
  if (!p || p.startsWith('/') || parts.some((s) => s === '' || s === '.' || s === '..' || s.toLowerCase() === '.git')) {
    throw new Error(`invalid file path in edits: ${JSON.stringify(p)}`);
  }
  return parts;
}

/**
 * Returns the oid of `baseTree` with `edits` applied (content written as regular files, null
 * removes the file; directories left empty disappear, as in git). Equal content gives the
 * same oid, which is how callers detect "nothing changed".
 */
export async function applyEdits(store: ObjectStore, baseTree: string, edits: FileEdits): Promise<string> {
  const git = await isoGit();
  const split = Object.entries(edits).map(([p, content]) => ({ parts: checkEditPath(p), content }));
  const oid = await editTree(store, baseTree, split);
  return oid ?? (await git.writeTree({ fs, gitdir: store.gitdir, tree: [] }));
}

interface SplitEdit {
  parts: string[];
  content: string | null;
}

async function editTree(store: ObjectStore, treeOid: string | null, edits: SplitEdit[]): Promise<string | null> {
  const git = await isoGit();
  const entries = new Map<string, TreeEntry>();
  if (treeOid) {
    const { tree } = await git.readTree({ fs, gitdir: store.gitdir, cache: store.cache, oid: treeOid });
    for (const e of tree) entries.set(e.path, e);
  }
  const nested = new Map<string, SplitEdit[]>();
  for (const edit of edits) {
    const [head, ...rest] = edit.parts as [string, ...string[]];
    if (rest.length > 0) {
      nested.set(head, [...(nested.get(head) ?? []), { parts: rest, content: edit.content }]);
      continue;
    }
    if (edit.content === null) {
      entries.delete(head);
      continue;
    }
    const oid = await git.writeBlob({ fs, gitdir: store.gitdir, blob: Buffer.from(edit.content, 'utf8') });
    const old = entries.get(head);
    // Keep the executable bit of an existing file; anything else becomes a regular file.
    const mode = old?.type === 'blob' && old.mode === '100755' ? '100755' : '100644';
    entries.set(head, { mode, path: head, oid, type: 'blob' });
  }
  for (const [dir, sub] of nested) {
    const old = entries.get(dir);
    const oid = await editTree(store, old?.type === 'tree' ? old.oid : null, sub);
    if (oid) entries.set(dir, { mode: '040000', path: dir, oid, type: 'tree' });
    else entries.delete(dir);
  }
  if (entries.size === 0) return null;
  // writeTree is deterministic: an untouched directory gets its old oid back.
  return git.writeTree({ fs, gitdir: store.gitdir, tree: [...entries.values()] });
}

/** Rejects tree entry names that git never writes; a crafted repository could use them to escape. */
function checkEntryName(name: string): void {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.toLowerCase() === '.git') {
    throw new Error(`the repository holds an invalid path: ${JSON.stringify(name)}`);
  }
}

async function treeEntries(store: ObjectStore, treeOid: string): Promise<TreeItem[]> {
  return parseTree(await readTyped(store, treeOid, 'tree'));
}

async function rootTree(store: ObjectStore, commit: string): Promise<string> {
  return commitTree(await readTyped(store, commit, 'commit'));
}

/** Writes one entry at `full`, where nothing exists yet. Returns how many files it wrote. */
async function writeEntry(store: ObjectStore, e: TreeItem, full: string): Promise<number> {
  if (e.type === 'tree') return writeDir(store, e.oid, full);
  // Submodules: an empty directory, the commit they point at is not fetched.
  if (e.type === 'commit') {
    await mkdir(full, { recursive: true });
    return 0;
  }
  const blob = await readTyped(store, e.oid, 'blob');
  if (e.mode === '120000') await symlink(blob.toString('utf8'), full);
  else await writeFileFast(full, blob, { mode: fileMode(e) });
  return 1;
}

async function writeDir(store: ObjectStore, treeOid: string, target: string): Promise<number> {
  await mkdir(target, { recursive: true });
  const tree = await treeEntries(store, treeOid);
  for (const e of tree) checkEntryName(e.path);
  const counts = await Promise.all(tree.map((e) => writeEntry(store, e, path.join(target, e.path))));
  return counts.reduce((a, b) => a + b, 0);
}

const fileMode = (e: TreeItem): number => (e.mode === '100755' ? 0o755 : 0o644);

/**
 * Writes the tree of `commit` into `dir` (which must not exist yet): regular files, the
 * executable bit, symlinks as symlinks (the manifest loader decides what to make of them),
 * submodules as empty directories. Returns the number of files written.
 */
export async function materialize(store: ObjectStore, commit: string, dir: string): Promise<number> {
  return writeDir(store, await rootTree(store, commit), dir);
}

/** What an incremental update did to the working tree. */
export interface TreeUpdate {
  /** Files (and symlinks) written or re-moded. */
  written: number;
  /** Entries removed (a removed directory counts once). */
  removed: number;
}

/** The kind of an entry on disk: a changed kind means remove and write, never write through. */
function kindOf(e: TreeItem): 'dir' | 'submodule' | 'link' | 'file' {
  if (e.type === 'tree') return 'dir';
  if (e.type === 'commit') return 'submodule';
  return e.mode === '120000' ? 'link' : 'file';
}

/**
 * Turns `dir`, which holds exactly the tree of commit `from` (as `materialize` wrote it), into
 * the tree of commit `to`, touching only what differs: identical subtrees are skipped by oid,
 * changed files are rewritten in place, removed entries (and folders left empty by the change)
 * are deleted, and an entry whose kind changed (file, folder, symlink, submodule) is removed
 * before the new one is written, so nothing is ever written through a symlink.
 */
export async function updateTree(store: ObjectStore, from: string, to: string, dir: string): Promise<TreeUpdate> {
  const counts: TreeUpdate = { written: 0, removed: 0 };
  const [fromTree, toTree] = await Promise.all([rootTree(store, from), rootTree(store, to)]);
  if (fromTree !== toTree) await updateDir(store, fromTree, toTree, dir, counts);
  return counts;
}

async function updateDir(
  store: ObjectStore,
  fromTree: string,
  toTree: string,
  target: string,
  counts: TreeUpdate,
): Promise<void> {
  const [before, after] = await Promise.all([treeEntries(store, fromTree), treeEntries(store, toTree)]);
  const old = new Map(before.map((e) => [e.path, e]));
  for (const e of after) checkEntryName(e.path);
  const kept = new Set(after.map((e) => e.path));
  const removed = before.filter((e) => !kept.has(e.path));
  await Promise.all([
    ...removed.map(async (e) => {
      checkEntryName(e.path);
      await rm(path.join(target, e.path), { recursive: true, force: true });
      counts.removed++;
    }),
    ...after.map((e) => updateEntry(store, old.get(e.path), e, path.join(target, e.path), counts)),
  ]);
}

async function updateEntry(
  store: ObjectStore,
  prev: TreeItem | undefined,
  next: TreeItem,
  full: string,
  counts: TreeUpdate,
): Promise<void> {
  if (prev && prev.oid === next.oid && prev.mode === next.mode) return;
  const kind = kindOf(next);
  if (!prev || kindOf(prev) !== kind) {
    if (prev) {
      await rm(full, { recursive: true, force: true });
      counts.removed++;
    }
    counts.written += await writeEntry(store, next, full);
    return;
  }
  if (kind === 'submodule') return;
  // Descending or writing in place follows what is on disk: it must be what was recorded.
  await expectOnDisk(full, kind);
  if (kind === 'dir') return updateDir(store, prev.oid, next.oid, full, counts);
  if (kind === 'link') {
    await rm(full, { force: true });
    counts.written += await writeEntry(store, next, full);
    return;
  }
  // A regular file stays the same inode: rewrite the content if it changed, then the mode.
  if (prev.oid !== next.oid) {
    await writeFileFast(full, await readTyped(store, next.oid, 'blob'));
  }
  if (prev.mode !== next.mode) await chmod(full, fileMode(next));
  counts.written++;
}

/** Throws (so the caller writes the tree afresh) when `full` is not the recorded kind of entry. */
async function expectOnDisk(full: string, kind: 'dir' | 'link' | 'file'): Promise<void> {
  const st = await lstat(full).catch(() => null);
  const found = st?.isDirectory() ? 'dir' : st?.isSymbolicLink() ? 'link' : st?.isFile() ? 'file' : 'nothing';
  if (found !== kind)
    throw new Error(`the working tree does not match the recorded commit: ${full} is ${found}, expected ${kind}`);
}

/** What a checkout did to the working tree (logged): nothing, the differing entries, or all of it. */
export type WorktreeChange = 'unchanged' | 'updated' | 'rewritten';

/** Where a checkout lives: the tree itself and the file naming the commit it holds. */
export interface WorktreePaths {
  worktree: string;
  stateFile: string;
}

/**
 * Makes `worktree` exactly the tree of `commit`. From the recorded commit only the entries
 * that differ are written; without a usable record (first run, a crash mid-update, objects
 * gone, files changed on disk) a fresh copy is written and swapped in.
 */
export async function checkoutWorktree(
  store: ObjectStore,
  commit: string,
  { worktree, stateFile }: WorktreePaths,
  log?: { debug(obj: object, msg: string): void; warn(obj: object, msg: string): void },
): Promise<WorktreeChange> {
  const current = (await readFile(stateFile, 'utf8').catch(() => '')).trim();
  const haveDir = (await stat(worktree).catch(() => null))?.isDirectory() ?? false;
  if (haveDir && current === commit) return 'unchanged';
  // Forget the old commit first: a crash half-way must not leave a stale claim.
  await rm(stateFile, { force: true });
  if (haveDir && /^[0-9a-f]{40}$/.test(current)) {
    try {
      const counts = await updateTree(store, current, commit, worktree);
      await writeFile(stateFile, `${commit}\n`);
      log?.debug({ from: current, commit, ...counts }, 'git working tree updated');
      return 'updated';
    } catch (err) {
      log?.warn(
        { from: current, commit, err: (err as Error).message },
        'git working tree update failed, writing it afresh',
      );
    }
  }
  const fresh = `${worktree}.new`;
  const old = `${worktree}.old`;
  await rm(fresh, { recursive: true, force: true });
  await rm(old, { recursive: true, force: true });
  const files = await materialize(store, commit, fresh);
  await rename(worktree, old).catch(() => undefined);
  await rename(fresh, worktree);
  await writeFile(stateFile, `${commit}\n`);
  await rm(old, { recursive: true, force: true });
  log?.debug({ commit, files }, 'git working tree written');
  return 'rewritten';
}

/** Content of `filepath` in `commit` as UTF-8, or null when it is missing or not a file. */
export async function readPath(store: ObjectStore, commit: string, filepath: string): Promise<string | null> {
  const git = await isoGit();
  try {
    const { blob } = await git.readBlob({ fs, gitdir: store.gitdir, cache: store.cache, oid: commit, filepath });
    return Buffer.from(blob).toString('utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'NotFoundError' || code === 'ObjectTypeError') return null;
    throw err;
  }
}
