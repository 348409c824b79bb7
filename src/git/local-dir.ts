/**
 * GitPort for a plain local directory used in place (`--repo ./clusters`): no clone, no
 * fetch, no commits. This is the "try it on my laptop" and CI mode, so it does what a user
 * running a tool on their own checkout expects:
 * - checkout returns the directory itself, with the HEAD commit when it lies in a git
 *   repository (the content may include uncommitted edits: the directory is the truth);
 * - commit writes the status files into the directory and commits nothing (returns null);
 *   the user reviews and commits them like any other edit. Files are only written when their
 *   content changes, so a no-op run leaves the directory untouched;
 * - readFiles reads the directory for the tracked branch;
 * - approval branches (putBranch, listBranches, deleteBranch, other branches in readFiles)
 *   need a remote repository and fail with a GitError saying so.
 */
import { fs } from './node-fs.ts';
import { lstat, mkdir, realpath, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GitError } from '../core/errors.ts';
import { readCheckoutFile } from '../core/checkout-read.ts';
import { checkEditPath } from './iso-git-tree.ts';
import type { Checkout, FileEdits, GitPort } from './port.ts';
import { isoGit } from './iso-git-lib.ts';

export interface LocalDirOptions {
  dir: string;
  /**
   * The name the pipeline uses for the tracked branch; readFiles serves the directory for
   * it. Default: any name (the directory is the only "branch" there is).
   */
  branch?: string;
}

/** Creates the local-directory adapter (see the file comment for what each method does). */
export function createLocalDir(opts: LocalDirOptions): GitPort {
  const dir = path.resolve(opts.dir);

  const noRemote = (what: string): GitError =>
    new GitError(
      `${what} needs a remote repository (an https:// URL in --repo); a local directory has no branches to push`,
      {
        subject: dir,
      },
    );

  /** Largest file readFiles returns (8 MiB, the status report's cap); bigger reads as absent. */
  const MAX_READ_BYTES = 8 * 1024 * 1024;

  /** Resolves `rel` inside the directory, refusing paths that leave it through a symlink. */
  async function target(rel: string): Promise<string> {
    try {
      checkEditPath(rel);
    } catch (err) {
      throw new GitError((err as Error).message, { subject: dir });
    }
    const full = path.join(dir, rel);
    const root = await realpath(dir);
    let parent = path.dirname(full);
    while (!(await stat(parent).catch(() => null))) parent = path.dirname(parent);
    const real = await realpath(parent);
    if (real !== root && !real.startsWith(root + path.sep)) {
      throw new GitError(`${rel} resolves outside the directory (symlink)`, { subject: dir });
    }
    return full;
  }

  return {
    async checkout(): Promise<Checkout> {
      const st = await stat(dir).catch(() => null);
      if (!st?.isDirectory())
        throw new GitError('the repository directory does not exist or is not a directory', { subject: dir });
      const git = await isoGit();
      const root = await git.findRoot({ fs, filepath: dir }).catch(() => null);
      if (!root) return { dir, commit: null, ref: opts.branch ?? '(directory)' };
      const commit = await git.resolveRef({ fs, dir: root, ref: 'HEAD' }).catch(() => null);
      const branch = await git.currentBranch({ fs, dir: root }).catch(() => undefined);
      return { dir, commit, ref: branch ?? commit ?? '(directory)' };
    },

    async commit(req): Promise<string | null> {
      for (const [rel, content] of Object.entries(req.files)) {
        const full = await target(rel);
        if (content === null) {
          await rm(full, { force: true });
          continue;
        }
        // A link (to /dev/zero, or onto a manifest) or a FIFO is replaced by a regular file: never
        // read, never written through. A regular file is read through the guarded reader.
        const entry = await lstat(full).catch(() => null);
        if (entry && !entry.isFile() && !entry.isDirectory()) await rm(full, { force: true });
        const current = entry?.isFile() ? await readCheckoutFile(dir, rel, Buffer.byteLength(content)) : null;
        if (current && 'bytes' in current && current.bytes.toString('utf8') === content) continue;
        await mkdir(path.dirname(full), { recursive: true });
        await writeFile(full, content);
      }
      return null;
    },

    async putBranch(): Promise<never> {
      throw noRemote('pushing an approval branch');
    },

    async readFiles(branch, paths): Promise<FileEdits> {
      if (opts.branch !== undefined && branch !== opts.branch) throw noRemote(`reading branch ${branch}`);
      const out: FileEdits = {};
      for (const rel of paths) {
        await target(rel);
        const read = await readCheckoutFile(dir, rel, MAX_READ_BYTES).catch(() => null);
        out[rel] = read && 'bytes' in read ? read.bytes.toString('utf8') : null;
      }
      return out;
    },

    async listBranches(): Promise<never> {
      throw noRemote('listing approval branches');
    },

    async deleteBranch(): Promise<never> {
      throw noRemote('deleting an approval branch');
    },
  };
}
