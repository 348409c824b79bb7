/**
 * The desired state of a commit, kept on disk: a commit fixes every byte of the manifests, so
 * an unchanged commit loads to the same result, and a no-op run can skip reading, parsing and
 * validating them (at 1,000 manifests most of its time). The key covers the commit, what is
 * loaded from it (root, excluded paths) and the code that loads it (a fingerprint of the
 * loader's own files, so a new modsync never reuses an old one's result). Only the latest entry
 * is kept. Used only for checkouts modsync wrote itself from the commit (not a local folder,
 * whose files may differ from any commit).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DesiredState } from './desired.ts';

let fingerprint: string | undefined;

/** Set by the bundler (scripts/build.ts) to the hash below, computed from the sources it bundles. */
declare const MODSYNC_LOADER_FINGERPRINT: string | undefined;

/** A hash of the code under `src` that turns manifests into a desired state (manifests, kinds, core). */
export function loaderSourcesFingerprint(src: string): string {
  const hash = createHash('sha256');
  for (const folder of ['manifests', 'kinds', 'core']) {
    const dir = path.join(src, folder);
    for (const name of readdirSync(dir).sort()) {
      if (!/\.(ts|js)$/.test(name)) continue;
      hash.update(name).update(readFileSync(path.join(dir, name)));
    }
  }
  return hash.digest('hex');
}

/** The loader's fingerprint: set at build time in the bundle, else hashed from the sources. */
function codeFingerprint(): string {
  fingerprint ??=
    typeof MODSYNC_LOADER_FINGERPRINT === 'string'
      ? MODSYNC_LOADER_FINGERPRINT
      : loaderSourcesFingerprint(path.dirname(path.dirname(fileURLToPath(import.meta.url))));
  return fingerprint;
}

/** Where and for what a desired state is cached. */
export interface DesiredCacheKey {
  dir: string;
  commit: string;
  root: string;
  excludePaths: readonly string[];
}

function fileOf(key: DesiredCacheKey): string {
  const id = createHash('sha256')
    .update(JSON.stringify([key.commit, key.root, key.excludePaths, codeFingerprint()]))
    .digest('hex');
  return path.join(key.dir, `${id}.json`);
}

/** The cached desired state of the key, or undefined (absent, unreadable: load it anew). */
export async function readDesiredCache(key: DesiredCacheKey): Promise<DesiredState | undefined> {
  try {
    return JSON.parse(await readFile(fileOf(key), 'utf8')) as DesiredState;
  } catch {
    return undefined;
  }
}

/** Keeps `state` as the one cached desired state; a failure to write only costs the next run time. */
export async function writeDesiredCache(key: DesiredCacheKey, state: DesiredState): Promise<void> {
  const file = fileOf(key);
  try {
    await mkdir(key.dir, { recursive: true });
    for (const old of await readdir(key.dir)) {
      if (old.endsWith('.json') && path.join(key.dir, old) !== file) await rm(path.join(key.dir, old), { force: true });
    }
    await writeFile(`${file}.tmp`, JSON.stringify({ ...state, cached: undefined }));
    await rename(`${file}.tmp`, file);
  } catch {
    // Nothing to do: the next run loads the manifests again.
  }
}
