/**
 * Git CLI helpers for tests and the demo: create bare repositories served by
 * `git-server.ts`, make "human" commits and merges through throwaway clones, and read
 * branches back. They use the real git binary on purpose, so what modsync writes is checked
 * by git itself.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A commit author as git records it. */
export interface GitPerson {
  name: string;
  email: string;
}

/** One entry of `commitLog`, newest first. */
export interface LogEntry {
  sha: string;
  message: string;
  /** `Name <email>` */
  author: string;
}

const HUMAN: GitPerson = { name: 'Test Human', email: 'human@example.com' };

/** Runs git with no user/system config, so the machine's settings cannot leak into tests. */
export async function git(args: string[], cwd?: string, author: GitPerson = HUMAN): Promise<string> {
  const env = {
    PATH: process.env.PATH,
    HOME: os.tmpdir(),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_COMMITTER_NAME: author.name,
    GIT_COMMITTER_EMAIL: author.email,
  };
  const { stdout } = await run('git', args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/**
 * Creates `<root>/<name>` (add `.git` yourself if you want it in the URL) as a bare repository
 * that accepts pushes over HTTP, with one initial commit holding `files`. Returns its path.
 */
export async function createBareRepo(
  root: string,
  name: string,
  files: Record<string, string>,
  opts: { branch?: string; message?: string } = {},
): Promise<string> {
  const branch = opts.branch ?? 'main';
  const bareDir = path.join(root, name);
  await mkdir(root, { recursive: true });
  await git(['init', '--quiet', '--bare', `--initial-branch=${branch}`, bareDir]);
  await git(['config', 'http.receivepack', 'true'], bareDir);
  await withClone(bareDir, null, async (work) => {
    await git(['checkout', '--quiet', '-b', branch], work);
    await writeFiles(work, files);
    await git(['add', '-A'], work);
    await git(['commit', '--quiet', '--allow-empty', '-m', opts.message ?? 'Initial commit'], work);
    await git(['push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`], work);
  });
  return bareDir;
}

/**
 * Commits `files` (content, or null to delete) on `branch` as a person would: clone, edit,
 * commit, push. Creates the branch from the default branch when missing. Returns the commit.
 */
export async function pushFiles(
  bareDir: string,
  branch: string,
  files: Record<string, string | null>,
  message: string,
  author: GitPerson = HUMAN,
): Promise<string> {
  return withClone(bareDir, branch, async (work) => {
    await writeFiles(work, files);
    await git(['add', '-A'], work, author);
    await git(['commit', '--quiet', '--allow-empty', '-m', message], work, author);
    await git(['push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`], work, author);
    return (await git(['rev-parse', 'HEAD'], work)).trim();
  });
}

/** Content of `filePath` on `branch`, or null when the branch or file does not exist. */
export async function readBranchFile(bareDir: string, branch: string, filePath: string): Promise<string | null> {
  try {
    return await git(['show', `refs/heads/${branch}:${filePath}`], bareDir);
  } catch {
    return null;
  }
}

/** Commit `branch` points at, or null when it does not exist. */
export async function branchHead(bareDir: string, branch: string): Promise<string | null> {
  try {
    return (await git(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], bareDir)).trim() || null;
  } catch {
    return null;
  }
}

/** Branch names of the repository, sorted. */
export async function listBranches(bareDir: string): Promise<string[]> {
  const out = await git(['for-each-ref', '--format=%(refname:short)', 'refs/heads/'], bareDir);
  return out.split('\n').filter(Boolean).sort();
}

/** Merges `from` into `into` with a merge commit, as a user merging a pull request would. */
export async function mergeBranch(bareDir: string, from: string, into: string, message: string): Promise<string> {
  return withClone(bareDir, into, async (work) => {
    await git(['fetch', '--quiet', 'origin', `refs/heads/${from}:refs/remotes/origin/${from}`], work);
    await git(['merge', '--quiet', '--no-ff', '-m', message, `origin/${from}`], work);
    await git(['push', '--quiet', 'origin', `HEAD:refs/heads/${into}`], work);
    return (await git(['rev-parse', 'HEAD'], work)).trim();
  });
}

/** Commits of `branch`, newest first. */
export async function commitLog(bareDir: string, branch: string): Promise<LogEntry[]> {
  const out = await git(['log', '--format=%H%x1f%an <%ae>%x1f%B%x1e', `refs/heads/${branch}`], bareDir);
  return out
    .split('\x1e')
    .map((rec) => rec.trim())
    .filter(Boolean)
    .map((rec) => {
      const [sha = '', author = '', message = ''] = rec.split('\x1f');
      return { sha, author, message: message.trim() };
    });
}

/** Tags the head of `branch` as `name`: lightweight, or annotated when a message is given. */
export async function tagBranch(bareDir: string, branch: string, name: string, annotation?: string): Promise<void> {
  await git(['tag', ...(annotation ? ['-a', '-m', annotation] : []), name, `refs/heads/${branch}`], bareDir);
}

async function withClone<T>(bareDir: string, branch: string | null, fn: (work: string) => Promise<T>): Promise<T> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'modsync-clone-'));
  try {
    await git(['clone', '--quiet', bareDir, work]);
    if (branch) {
      const exists = await branchHead(bareDir, branch);
      await git(['checkout', '--quiet', ...(exists ? [branch] : ['-b', branch])], work);
    }
    return await fn(work);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function writeFiles(dir: string, files: Record<string, string | null>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const full = path.join(dir, rel);
    if (content === null) {
      await rm(full, { force: true });
    } else {
      await mkdir(path.dirname(full), { recursive: true });
      await writeFile(full, content);
    }
  }
}
