/**
 * The Deckhouse releases dkp-sim can pretend to be (`--deckhouse-version X.Y`): the newest one
 * serves `crds/deckhouse/` as upstream ships it, an older one the same CRDs with the changes
 * `crds/versions.yaml` lists for it (fields that release did not have yet).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { Schema } from './types.ts';

/** Where the per-release change list lives (repository root `crds/versions.yaml`). */
export const VERSIONS_FILE = new URL('../../crds/versions.yaml', import.meta.url);

/** One change that turns a newest CRD back into an older release's. */
export interface CrdChange {
  /** File name in crds/deckhouse (`modulesource.yaml`). */
  file: string;
  /** CRD version name (`v1alpha1`). */
  version: string;
  /** Property path inside openAPIV3Schema to delete (`spec.scanInterval`). */
  remove: string;
}

/** The parsed `crds/versions.yaml`. */
export interface DeckhouseVersions {
  newest: string;
  releases: Record<string, CrdChange[]>;
}

/** Reads and checks `crds/versions.yaml`. */
export function loadDeckhouseVersions(file: URL = VERSIONS_FILE): DeckhouseVersions {
  const doc = parse(readFileSync(file, 'utf8')) as DeckhouseVersions;
  if (!doc || typeof doc.newest !== 'string' || !doc.releases?.[doc.newest]) {
    throw new Error(`${file.pathname}: needs "newest" and a release entry for it`);
  }
  for (const [release, changes] of Object.entries(doc.releases)) {
    for (const c of changes) {
      if (!c.file || !c.version || !c.remove) {
        throw new Error(`${file.pathname}: release ${release}: each change needs file, version, remove`);
      }
    }
  }
  return doc;
}

/** The releases known, newest first. */
export function knownVersions(versions: DeckhouseVersions = loadDeckhouseVersions()): string[] {
  const key = (v: string): number[] => v.split('.').map(Number);
  return Object.keys(versions.releases).sort((a, b) => {
    const [am = 0, an = 0] = key(a);
    const [bm = 0, bn = 0] = key(b);
    return bm - am || bn - an;
  });
}

/**
 * The release `requested` names (`1.70`, also `v1.70` or a patch version `1.70.3`), or the
 * newest when undefined. Throws for a release with no CRD description.
 */
export function resolveDeckhouseVersion(
  requested: string | undefined,
  versions: DeckhouseVersions = loadDeckhouseVersions(),
): string {
  if (requested === undefined) return versions.newest;
  const m = /^v?(\d+)\.(\d+)(?:\.\d+)?$/.exec(requested.trim());
  const minor = m ? `${Number(m[1])}.${Number(m[2])}` : undefined;
  if (!minor || !versions.releases[minor]) {
    const known = knownVersions(versions).join(', ');
    throw new Error(`unknown Deckhouse version ${JSON.stringify(requested)}; known: ${known}`);
  }
  return minor;
}

interface CrdDoc {
  spec: { versions: { name: string; schema?: { openAPIV3Schema?: Schema } }[] };
}

/** Applies the changes of `release` to the CRD parsed from `file`, in place. */
export function applyReleaseChanges(file: string, crd: CrdDoc, release: string, versions: DeckhouseVersions): void {
  for (const change of versions.releases[release] ?? []) {
    if (change.file !== file) continue;
    const v = crd.spec.versions.find((x) => x.name === change.version);
    const root = v?.schema?.openAPIV3Schema;
    if (!root) throw new Error(`crds/versions.yaml: ${file} has no schema for ${change.version}`);
    const parts = change.remove.split('.');
    const last = parts.pop()!;
    let at: Schema | undefined = root;
    for (const p of parts) at = at?.properties?.[p];
    if (!at?.properties?.[last]) {
      throw new Error(`crds/versions.yaml: ${file} ${change.version} has no property ${change.remove}`);
    }
    delete at.properties[last];
    if (Array.isArray(at.required)) at.required = at.required.filter((r) => r !== last);
  }
}
