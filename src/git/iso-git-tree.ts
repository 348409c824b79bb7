/**
 * Object-level tree work for the isomorphic-git adapter, done without any working checkout:
 * build a new tree from a base tree plus file edits (only the touched directories are
 * rewritten), write a commit's tree out as a plain directory, and read single files.
 */
import fs from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import git, { type TreeEntry } from 'isomorphic-git';
import type { FileEdits } from './port.ts';

/** Where the objects live (a bare repository directory). */
export interface ObjectStore {
  gitdir: string;
  /** isomorphic-git's parsed-object cache, shared across calls of one operation. */
  cache: object;
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
  const split = Object.entries(edits).map(([p, content]) => ({ parts: checkEditPath(p), content }));
  const oid = await editTree(store, baseTree, split);
  return oid ?? (await git.writeTree({ fs, gitdir: store.gitdir, tree: [] }));
}

interface SplitEdit {
  parts: string[];
  content: string | null;
}

async function editTree(store: ObjectStore, treeOid: string | null, edits: SplitEdit[]): Promise<string | null> {
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

/**
 * Writes the tree of `commit` into `dir` (which must not exist yet): regular files, the
 * executable bit, symlinks as symlinks (the manifest loader decides what to make of them),
 * submodules as empty directories.
 */
export async function materialize(store: ObjectStore, commit: string, dir: string): Promise<number> {
  const { commit: c } = await git.readCommit({ fs, gitdir: store.gitdir, cache: store.cache, oid: commit });
  let files = 0;
  const writeDir = async (treeOid: string, target: string): Promise<void> => {
    await mkdir(target, { recursive: true });
    const { tree } = await git.readTree({ fs, gitdir: store.gitdir, cache: store.cache, oid: treeOid });
    await Promise.all(
      tree.map(async (e) => {
        // git never writes such names; a crafted repository could, to escape the directory.
        if (e.path === '.' || e.path === '..' || e.path.includes('/') || e.path.toLowerCase() === '.git') {
          throw new Error(`the repository holds an invalid path: ${JSON.stringify(e.path)}`);
        }
        const full = path.join(target, e.path);
        if (e.type === 'tree') return writeDir(e.oid, full);
        if (e.type === 'commit') return void (await mkdir(full, { recursive: true }));
        const { blob } = await git.readBlob({ fs, gitdir: store.gitdir, cache: store.cache, oid: e.oid });
        files++;
        if (e.mode === '120000') return symlink(Buffer.from(blob).toString('utf8'), full);
        return writeFile(full, blob, { mode: e.mode === '100755' ? 0o755 : 0o644 });
      }),
    );
  };
  await writeDir(c.tree, dir);
  return files;
}

/** Content of `filepath` in `commit` as UTF-8, or null when it is missing or not a file. */
export async function readPath(store: ObjectStore, commit: string, filepath: string): Promise<string | null> {
  try {
    const { blob } = await git.readBlob({ fs, gitdir: store.gitdir, cache: store.cache, oid: commit, filepath });
    return Buffer.from(blob).toString('utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'NotFoundError' || code === 'ObjectTypeError') return null;
    throw err;
  }
}
