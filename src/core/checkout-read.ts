/**
 * The one guarded reader for files taken from a checkout (manifests, approvals, the previous
 * status report). A commit is input from anyone who can push, so a path may be a symlink to
 * `/dev/zero`, a FIFO, a device or a file outside the checkout. The reader:
 * - resolves the path with realpath and refuses anything whose real path leaves the checkout;
 * - stats before opening and refuses what is not a regular file (no open(2) on a FIFO/device);
 * - opens with O_NOFOLLOW|O_NONBLOCK, so a swap to a link or a FIFO after the stat cannot
 *   block or redirect the read, and checks the opened descriptor is still a regular file;
 * - reads at most `maxBytes + 1` bytes into a fixed buffer: the size cap is enforced by the
 *   read itself, never by reading everything and checking afterwards.
 */
import { constants } from 'node:fs';
import { type FileHandle, lstat, open, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/** Why a checkout file was not read; `message` is one line, suitable for an issue. */
export interface ReadRefusal {
  reason: 'missing' | 'outside' | 'not-regular' | 'too-big' | 'unreadable';
  message: string;
}

/** The bytes of a checkout file, or why it was refused. */
export type CheckoutRead = { bytes: Buffer } | { refused: ReadRefusal };

function errnoOf(err: unknown): string {
  return err && typeof err === 'object' && 'code' in err ? String(err.code) : '';
}

/** `1 MiB` or `1234 bytes`: how messages state a size limit. */
export function formatLimit(maxBytes: number): string {
  return maxBytes % (1024 * 1024) === 0 ? `${maxBytes / (1024 * 1024)} MiB` : `${maxBytes} bytes`;
}

/** True when `child` is `parent` or below it (both absolute, already real paths). */
export function isInsideDir(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

const refuse = (reason: ReadRefusal['reason'], message: string): CheckoutRead => ({ refused: { reason, message } });

/**
 * Reads `rel` (relative to the checkout `repoDir`) through the guards above. Never throws for
 * what the commit can cause; only a broken `repoDir` itself throws.
 */
export async function readCheckoutFile(repoDir: string, rel: string, maxBytes: number): Promise<CheckoutRead> {
  const repoReal = await realpath(repoDir);
  const abs = path.join(repoReal, rel);
  let real: string;
  try {
    real = await realpath(abs);
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'ENOENT') {
      const link = await lstat(abs).catch(() => null);
      if (link) return refuse('unreadable', 'broken symlink (its target does not exist)');
      return refuse('missing', 'no such file');
    }
    if (code === 'ELOOP') return refuse('unreadable', 'symlink loop');
    return refuse('unreadable', `cannot resolve the path (${code || 'unknown error'})`);
  }
  if (!isInsideDir(real, repoReal)) return refuse('outside', 'symlink points outside the repository');
  return readRegularFile(real, maxBytes);
}

/**
 * Reads an already resolved path inside the checkout: regular files only, at most `maxBytes`.
 * The walker of manifest files calls this with the real path it checked.
 */
export async function readRegularFile(real: string, maxBytes: number): Promise<CheckoutRead> {
  const info = await stat(real).catch(() => null);
  if (!info) return refuse('missing', 'no such file');
  if (!info.isFile()) return refuse('not-regular', 'not a regular file (a device, FIFO, socket or folder)');
  if (info.size > maxBytes) {
    return refuse('too-big', `file is ${info.size} bytes, over the ${formatLimit(maxBytes)} limit`);
  }
  let handle: FileHandle;
  try {
    handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'ELOOP') return refuse('unreadable', 'the file was replaced by a symlink');
    return refuse('unreadable', `cannot open the file (${code || 'unknown error'})`);
  }
  try {
    const opened = await handle.stat();
    if (!opened.isFile()) return refuse('not-regular', 'not a regular file (a device, FIFO, socket or folder)');
    // One byte more than allowed tells "exactly at the limit" from "over it" (a growing file).
    const buf = Buffer.alloc(Math.min(maxBytes, Math.max(opened.size, 0)) + 1);
    let filled = 0;
    while (filled < buf.length) {
      const { bytesRead } = await handle.read(buf, filled, buf.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled > maxBytes) return refuse('too-big', `file is over the ${formatLimit(maxBytes)} limit`);
    if (filled === buf.length) return refuse('unreadable', 'the file grew while it was read');
    return { bytes: buf.subarray(0, filled) };
  } catch (err) {
    return refuse('unreadable', `cannot read the file (${errnoOf(err) || 'unknown error'})`);
  } finally {
    await handle.close();
  }
}
