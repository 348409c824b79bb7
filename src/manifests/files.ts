/**
 * Finds the manifest files of the desired state without ever leaving the checkout.
 *
 * The repository is input from anyone who can push to it, so the walk treats it as hostile:
 * a symlink whose target is outside the checkout is an error (not followed), symlink loops
 * are detected by real path, files are size-checked before they are read, and only regular
 * `*.yaml`/`*.yml` files count. Dot entries (`.git`, `.github`, `.gitlab-ci.yml`) and the
 * excluded paths (modsync's own status folder) are skipped.
 */
import type { Dirent } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Issue } from './issues.ts';
import { issueError } from './issues.ts';
import { readRegularFile } from '../core/checkout-read.ts';
import { decodeManifestText } from './text-decode.ts';

/** A manifest file to load: where it is shown (`path`) and where it is read (`absPath`). */
export interface ManifestFile {
  /** Relative to the repository root, posix separators; the link's path for symlinks. */
  path: string;
  /** Real path of the file, inside the checkout. */
  absPath: string;
}

/** Where to look: the checkout, the desired-state folder in it, and what to leave out. */
export interface WalkOptions {
  repoDir: string;
  /** Folder inside the repository holding the desired state ('.' = the whole repository). */
  root: string;
  /** Paths relative to repoDir that are never read (e.g. the status folder). */
  excludePaths: string[];
}

/** Largest manifest file modsync reads (1 MiB): far above any real manifest, far below harm. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;

const MANIFEST_EXT = /\.ya?ml$/;

/** True for names modsync loads as manifests. */
export function isManifestName(name: string): boolean {
  return MANIFEST_EXT.test(name) && !name.startsWith('.');
}

/** Normalises a user-given relative path: posix, no `./`, no trailing `/`; `''` is the repo root. */
export function normalizeRelPath(p: string): string {
  const norm = path.posix.normalize(p.replace(/\\/g, '/')).replace(/\/+$/, '');
  return norm === '.' ? '' : norm.replace(/^\.\//, '');
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function isExcluded(rel: string, excluded: string[]): boolean {
  return excluded.some((ex) => ex !== '' && (rel === ex || rel.startsWith(`${ex}/`)));
}

function errnoOf(err: unknown): string {
  return err && typeof err === 'object' && 'code' in err ? String(err.code) : '';
}

type Found = { kind: 'skip' } | { kind: 'problem'; message: string } | { kind: 'file' | 'dir'; real: string };

/** What a directory entry is once symlinks are resolved, and whether it may be read. */
async function inspect(entry: Dirent, abs: string, repoReal: string, excluded: string[]): Promise<Found> {
  let real = abs;
  if (entry.isSymbolicLink()) {
    try {
      real = await realpath(abs);
    } catch (err) {
      // A loop (ELOOP) or a dangling link: only a problem if it claims to be a manifest.
      if (!isManifestName(entry.name)) return { kind: 'skip' };
      return {
        kind: 'problem',
        message: errnoOf(err) === 'ELOOP' ? 'symlink loop' : 'broken symlink (its target does not exist)',
      };
    }
  }
  const info = await lstat(real);
  const isDir = info.isDirectory();
  if (!isDir && !isManifestName(entry.name)) return { kind: 'skip' };
  if (!isInside(real, repoReal)) return { kind: 'problem', message: 'symlink points outside the repository' };
  // A FIFO or device named *.yaml is never opened: reading one could block or never end.
  if (!isDir && !info.isFile()) return { kind: 'problem', message: 'not a regular file (a device, FIFO or socket)' };
  if (real !== abs) {
    const realRel = path.relative(repoReal, real).split(path.sep).join('/');
    // `.git` holds the remote URL and maybe credentials: never read it, not even via a link.
    if (realRel.split('/').some((seg) => seg.startsWith('.')))
      return { kind: 'problem', message: 'symlink points to a hidden file or folder such as .git' };
    if (isExcluded(realRel, excluded)) return { kind: 'skip' };
  }
  return { kind: isDir ? 'dir' : 'file', real };
}

/** Lists every manifest file under the root, sorted by path, with problems found on the way. */
export async function listManifestFiles(opts: WalkOptions): Promise<{ files: ManifestFile[]; issues: Issue[] }> {
  const repoReal = await realpath(opts.repoDir);
  const excluded = opts.excludePaths.map(normalizeRelPath);
  const rootRel = normalizeRelPath(opts.root || '.');
  const files: ManifestFile[] = [];
  const issues: Issue[] = [];
  const shownRoot = rootRel || '.';

  if (rootRel.startsWith('..') || path.isAbsolute(rootRel)) {
    issues.push(issueError(shownRoot, 1, 1, 'the root path must be inside the repository'));
    return { files, issues };
  }
  let rootReal: string;
  try {
    rootReal = await realpath(path.join(repoReal, rootRel));
  } catch {
    issues.push(issueError(shownRoot, 1, 1, 'the root path does not exist in the repository'));
    return { files, issues };
  }
  if (!isInside(rootReal, repoReal)) {
    issues.push(issueError(shownRoot, 1, 1, 'symlink points outside the repository'));
    return { files, issues };
  }
  if (!(await stat(rootReal)).isDirectory()) {
    issues.push(issueError(shownRoot, 1, 1, 'the root path is not a directory'));
    return { files, issues };
  }

  const walk = async (dirReal: string, dirRel: string, ancestors: Set<string>): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dirReal, { withFileTypes: true });
    } catch (err) {
      issues.push(issueError(dirRel || '.', 1, 1, `cannot read the directory (${errnoOf(err) || 'unknown error'})`));
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const rel = dirRel ? `${dirRel}/${entry.name}` : entry.name;
      if (entry.name.startsWith('.') || isExcluded(rel, excluded)) continue;
      const found = await inspect(entry, path.join(dirReal, entry.name), repoReal, excluded);
      if (found.kind === 'problem') issues.push(issueError(rel, 1, 1, found.message));
      else if (found.kind === 'file') files.push({ path: rel, absPath: found.real });
      else if (found.kind === 'dir' && ancestors.has(found.real))
        issues.push(issueError(rel, 1, 1, 'symlink loop: the link points to a directory that contains it'));
      else if (found.kind === 'dir') await walk(found.real, rel, new Set([...ancestors, found.real]));
    }
  };
  await walk(rootReal, rootRel, new Set([rootReal]));
  return { files, issues };
}

/**
 * Reads a manifest file through the guarded reader (regular files only, bounded read) and
 * decodes it strictly: bytes kubectl's YAML decoder refuses are an issue at their position.
 */
export async function readManifestFile(
  file: ManifestFile,
  maxBytes = MAX_MANIFEST_BYTES,
): Promise<{ text: string } | { issue: Issue }> {
  const read = await readRegularFile(file.absPath, maxBytes);
  if ('refused' in read) {
    const { reason, message: why } = read.refused;
    const message = reason === 'too-big' ? `${why} for a manifest file` : why;
    return { issue: issueError(file.path, 1, 1, message) };
  }
  const decoded = decodeManifestText(read.bytes);
  if ('text' in decoded) return decoded;
  return { issue: issueError(file.path, decoded.line, decoded.col, `YAML: ${decoded.message}`) };
}
